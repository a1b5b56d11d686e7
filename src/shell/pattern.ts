/**
 * Shell glob patterns as BuildKit's `${v#p}`, `${v%p}` and `${v/p/r}` use them: `*` is any run of
 * characters, `?` one character, `\` escapes `*`, `?` and `\` (and is dropped before `}` and `/`,
 * which had to be escaped inside `${}`); bracket expressions are not supported. Patterns become
 * RegExps whose matching equals Go's RE2 leftmost-first matching for this subset; `.` is written
 * as `[^\n]` because Go's dot excludes only the newline.
 */

/** Thrown for a pattern BuildKit rejects; the message is Go's, e.g. `invalid escape '\x'`. */
export class PatternError extends Error {}

const REGEX_SPECIAL = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$']);

/** Code points of a string, dropping a leading byte order mark as Go's text/scanner does. */
export function scanChars(s: string): string[] {
  const chars = Array.from(s);
  if (chars[0] === '\ufeff') chars.shift();
  return chars;
}

export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean, flags = 'u'): RegExp {
  const chars = scanChars(pattern);
  let out = anchored ? '^' : '';
  const star = greedy ? '[^\\n]*' : '[^\\n]*?';
  for (let i = 0; i < chars.length; i++) {
    let tok = chars[i]!;
    switch (tok) {
      case '*':
        out += star;
        continue;
      case '?':
        out += '[^\\n]';
        continue;
      case '\\': {
        const next = chars[i + 1];
        if (next === '}' || next === '/') continue;
        out += '\\';
        i++;
        tok = chars[i] ?? '\ufffd';
        if (tok !== '*' && tok !== '?' && tok !== '\\') throw new PatternError(`invalid escape '\\${tok}'`);
        break;
      }
      default:
        if (REGEX_SPECIAL.has(tok)) out += '\\';
    }
    out += tok;
  }
  return new RegExp(out, flags);
}

/** Removes the shortest (or, greedy, the longest) prefix of `value` matching `pattern`. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegExp(pattern, greedy, true).exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

/**
 * Removes the shortest (or longest) matching suffix. Like BuildKit, both pattern and value are
 * reversed so the search becomes a prefix search; escapes keep their order when reversed.
 */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

export function reverseString(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Reverses a pattern by code points, keeping each `\x` pair in order (`a\*c` -> `c\*a`). */
export function reversePattern(pattern: string): string {
  const src = Array.from(pattern);
  const last = src.length - 1;
  const out: string[] = new Array(src.length);
  for (let i = 0; i <= last; ) {
    const tok = src[i]!;
    const o = last - i;
    if (tok === '\\' && i !== last) {
      out[o - 1] = tok;
      out[o] = src[i + 1]!;
      i += 2;
    } else {
      out[o] = tok;
      i++;
    }
  }
  return out.join('');
}

/** `${v/p/r}`: replaces the first match verbatim (Go concatenates, it does not expand `$`). */
export function replaceFirst(pattern: string, value: string, replacement: string): string {
  const m = shellPatternToRegExp(pattern, true, false).exec(value);
  if (!m) return value;
  return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
}

/**
 * `${v//p/r}`: Go's Regexp.ReplaceAllString. Empty matches right after a match are skipped, and
 * the replacement is a Go template: `$$` is `$`, `$0`/`${0}` the match, any other `$name` or
 * `${name}` is empty (the pattern has no groups), and a malformed `$` stays literal.
 */
export function replaceAll(pattern: string, value: string, replacement: string): string {
  const re = shellPatternToRegExp(pattern, true, false, 'gu');
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= value.length) {
    re.lastIndex = searchPos;
    const m = re.exec(value);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += value.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += expandTemplate(replacement, m[0]);
    lastMatchEnd = end;
    const width = searchPos < value.length ? (value.codePointAt(searchPos)! > 0xffff ? 2 : 1) : 0;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + value.slice(lastMatchEnd);
}

const NAME_CHAR = /^[\p{L}\p{Nd}_]$/u;

function expandTemplate(template: string, match: string): string {
  let out = '';
  let rest = template;
  for (;;) {
    const at = rest.indexOf('$');
    if (at < 0) break;
    out += rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = extractName(rest);
    if (!ref) {
      out += '$';
      continue;
    }
    rest = ref.rest;
    if (ref.name === '0') out += match;
  }
  return out + rest;
}

function extractName(s: string): { name: string; rest: string } | undefined {
  const brace = s.startsWith('{');
  const chars = Array.from(brace ? s.slice(1) : s);
  let n = 0;
  while (n < chars.length && NAME_CHAR.test(chars[n]!)) n++;
  if (n === 0) return undefined;
  const name = chars.slice(0, n).join('');
  let rest = chars.slice(n).join('');
  if (brace) {
    if (!rest.startsWith('}')) return undefined;
    rest = rest.slice(1);
  }
  return { name, rest };
}
