/**
 * "Did you mean" suggestions, as BuildKit's util/suggest: the candidate at Levenshtein distance
 * below 3 that is nearest (the first one on ties), and none when the word equals a candidate.
 */

export interface SuggestOptions {
  /** Compare ignoring case; the suggestion then follows the word's case if it is all lower or all upper. */
  caseSensitive?: boolean;
}

export function suggest(word: string, candidates: readonly string[], opts?: SuggestOptions): string | undefined {
  const caseSensitive = opts?.caseSensitive ?? true;
  const val = caseSensitive ? word : word.toLowerCase();
  let match: string | undefined;
  let min = 3;
  for (const candidate of candidates) {
    const opt = caseSensitive ? candidate : candidate.toLowerCase();
    if (opt === val) return undefined;
    const d = levenshtein(val, opt);
    if (d < min) {
      match = caseSensitive ? opt : matchCase(opt, word);
      min = d;
    }
  }
  return match;
}

function matchCase(val: string, orig: string): string {
  if (orig === orig.toLowerCase()) return val.toLowerCase();
  if (orig === orig.toUpperCase()) return val.toUpperCase();
  return val;
}

/** Edit distance over code points with unit costs. */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length]!;
}
