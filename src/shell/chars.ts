/**
 * Character classes with Go's `unicode` package semantics, which BuildKit's lexer and parser use.
 * Every predicate takes exactly one code point (a string of length 1 or 2).
 */

const SPACE = /^\p{White_Space}$/u;
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
const PRINT = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go `unicode.IsSpace`: the Unicode White_Space property (includes U+0085 and U+00A0). */
export function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}

/** Go `unicode.IsLetter`: general category L. */
export function isLetter(ch: string): boolean {
  return LETTER.test(ch);
}

/** Go `unicode.IsDigit`: general category Nd (not only ASCII digits). */
export function isDigit(ch: string): boolean {
  return DIGIT.test(ch);
}

/** Go `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(ch: string): boolean {
  return PRINT.test(ch);
}

/** Go `strings.TrimSpace`: trims Unicode white space at both ends. */
export function trimSpace(s: string): string {
  return trimLeftSpace(trimRightSpace(s));
}

export function trimLeftSpace(s: string): string {
  return s.replace(/^\p{White_Space}+/u, '');
}

export function trimRightSpace(s: string): string {
  return s.replace(/\p{White_Space}+$/u, '');
}
