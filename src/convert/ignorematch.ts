/**
 * .dockerignore matching as moby/patternmatcher does it for the CopyIgnoredFile check: a
 * pattern is a path glob (`*` and `?` stay within one path element, `**` spans elements,
 * `[...]` classes, `\` escapes) that matches a path or any of its parent directories.
 *
 * Only what the check needs: patterns with `!` exceptions are not evaluated (BuildKit skips
 * the check for them), and the patterns are those parseDockerignore returns (cleaned, relative).
 */

/** One pattern as an anchored regular expression over a slash-separated path. */
export function ignorePatternRegExp(pattern: string): RegExp {
  let re = '^';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        // "**/" at the start or after a slash may also match nothing
        if (chars[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '[') {
      const close = chars.indexOf(']', i + 1);
      if (close < 0) {
        re += '\\[';
      } else {
        let body = chars.slice(i + 1, close).join('');
        if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (ch === '\\' && i + 1 < chars.length) {
      i++;
      re += escapeRe(chars[i]!);
    } else {
      re += escapeRe(ch);
    }
  }
  return new RegExp(`${re}$`, 'u');
}

function escapeRe(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** An ignore list for the check; undefined when there is nothing to check or it has exceptions. */
export class IgnoreMatcher {
  private constructor(
    private readonly patterns: string[],
    private readonly res: RegExp[],
  ) {}

  static of(patterns: readonly string[] | undefined): IgnoreMatcher | undefined {
    const list = (patterns ?? []).filter((p) => p !== '');
    if (list.length === 0 || list.some((p) => p.startsWith('!'))) return undefined;
    return new IgnoreMatcher(list, list.map(ignorePatternRegExp));
  }

  /** Whether the path (cleaned, relative, slash-separated) or one of its parents is excluded. */
  matchesOrParentMatches(file: string): boolean {
    const dirs = file.split('/');
    for (const re of this.res) {
      if (re.test(file)) return true;
      for (let i = 1; i < dirs.length; i++) if (re.test(dirs.slice(0, i).join('/'))) return true;
    }
    return false;
  }

  /** A pattern that excludes every entry of the context root (`*`, `**`, `**\/*`). */
  excludesRoot(): boolean {
    return this.patterns.some((p) => p === '*' || p === '**' || p === '**/*');
  }
}
