import { trimLeftSpace } from '../shell/chars.js';

/** The parser directives BuildKit knows; any other `# key=value` ends the directive block. */
export type DirectiveName = 'syntax' | 'escape' | 'check';

export interface Directive {
  name: DirectiveName;
  value: string;
}

/** BuildKit's directive line: Go's `\s` is ASCII-only and its `.` excludes only `\n`. */
const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;

/** Thrown for a repeated directive; the caller adds the line. */
export class DirectiveError extends Error {}

/**
 * BuildKit's DirectiveParser: fed one line at a time, it recognises directives only until the
 * first line that is not one (a blank line, an instruction, any other comment), and rejects a
 * directive that appears twice.
 */
export class DirectiveParser {
  private done = false;
  private readonly seen = new Set<string>();

  /** Returns the directive on `line` (without its line ending), if any. */
  parseLine(line: string): Directive | undefined {
    if (this.done) return undefined;
    if (!line.startsWith('#')) {
      this.done = true;
      return undefined;
    }
    const m = DIRECTIVE.exec(trimLeftSpace(line.slice(1)));
    const name = m?.[1]!.toLowerCase();
    if (!m || (name !== 'syntax' && name !== 'escape' && name !== 'check')) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(name)) throw new DirectiveError(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    return { name, value: m[2]! };
  }
}

/**
 * A directive's value as BuildKit's `parser.ParseDirective` reads it for `syntax` and `check`:
 * a leading `#!` line is skipped and lines are read as written (no left trimming). This differs
 * from the escape directive, which the main parser reads with left-trimmed lines and which a
 * shebang line disables.
 */
export function findDirective(text: string, name: 'syntax' | 'check'): string | undefined {
  let lines = text.replace(/^\ufeff/, '').split('\n');
  if (lines[0]!.startsWith('#!')) lines = lines.slice(1);
  const parser = new DirectiveParser();
  for (const raw of lines) {
    let d: Directive | undefined;
    try {
      d = parser.parseLine(raw.replace(/\r$/, ''));
    } catch {
      return undefined;
    }
    if (!d) return undefined;
    if (d.name === name) return d.value;
  }
  return undefined;
}
