/**
 * Heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) as BuildKit's parser finds them: markers are
 * looked for in the words of the whole logical line, and each marker's body is the following
 * physical lines up to the line equal to the name (after removing leading tabs for `<<-`).
 */
import { processWords, ShellError } from '../shell/index.js';

export interface Heredoc {
  /** The delimiter with quotes removed. */
  name: string;
  /**
   * The body exactly as written: every line with its line ending, the terminator excluded. For
   * `<<-` the leading tabs are still present; apply chompHeredocContent before use.
   */
  content: string;
  /** False when any part of the delimiter was quoted, so the body must not be expanded. */
  expand: boolean;
  /** True for `<<-`. */
  chomp: boolean;
}

/** A heredoc marker word, before its body is read. */
export interface HeredocMarker {
  name: string;
  expand: boolean;
  chomp: boolean;
  fileDescriptor: number;
}

/** Go: `^(\d*)<<(-?)\s*([^<]*)$` with RE2's ASCII `\s`. */
const MARKER = /^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

const noEnv = () => undefined;

/** Thrown for a heredoc marker that cannot be lexed; the caller adds the location. */
export class HeredocError extends Error {}

/**
 * The marker in one word, or undefined when the word is not a heredoc marker. The delimiter is
 * lexed twice, with and without raw quotes: differing quote counts mean part of it was quoted.
 */
export function parseHeredocMarker(word: string): HeredocMarker | undefined {
  const m = MARKER.exec(word);
  if (!m || m[3] === '') return undefined;
  const rest = m[3]!;
  const lex = (rawQuotes: boolean) => {
    try {
      return processWords(rest, noEnv, { skipUnsetEnv: true, rawQuotes });
    } catch (e) {
      if (e instanceof ShellError) throw new HeredocError(e.message);
      throw e;
    }
  };
  const words = lex(false);
  if (words.length !== 1) return undefined;
  const raw = lex(true);
  if (raw.length !== words.length) {
    throw new HeredocError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  }
  return {
    name: words[0]!,
    expand: quoteCount(words[0]!) === quoteCount(raw[0]!),
    chomp: m[2] === '-',
    fileDescriptor: m[1] ? Number(m[1]) : 0,
  };
}

function quoteCount(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "'" || ch === '"') n++;
  return n;
}

/**
 * Markers in a logical line, in order. The line is split with BuildKit's lexer keeping quotes
 * and escapes, so `"<<EOF"` is one quoted word and no marker; a line the lexer rejects has none.
 */
export function heredocMarkersFromLine(line: string): HeredocMarker[] {
  let words: string[];
  try {
    words = processWords(line, noEnv, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
  } catch (e) {
    if (e instanceof ShellError) return [];
    throw e;
  }
  const out: HeredocMarker[] = [];
  for (const w of words) {
    const h = parseHeredocMarker(w);
    if (h) out.push(h);
  }
  return out;
}

/** Removes leading tabs from every line (lines end at `\n` only, as in Go), as `<<-` requires. */
export function chompHeredocContent(content: string): string {
  return content.replace(/(^|\n)\t+/g, '$1');
}

/** MustParseHeredoc: the marker in a word, ignoring words that cannot be lexed. */
export function heredocMarkerOf(word: string): HeredocMarker | undefined {
  try {
    return parseHeredocMarker(word);
  } catch (e) {
    if (e instanceof HeredocError) return undefined;
    throw e;
  }
}
