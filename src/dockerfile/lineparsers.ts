/**
 * The text-level half of BuildKit's parser (frontend/dockerfile/parser line_parsers.go and
 * split_command.go): one logical line becomes a keyword, raw flag words and arguments. Nothing
 * here expands variables or removes quotes, except where BuildKit does so at parse time (flag
 * words, JSON strings).
 */
import { isSpace, trimSpace } from '../shell/chars.js';
import { goQuote } from '../shell/goquote.js';

/** Thrown for a malformed line; the caller adds the instruction's location. */
export class LineError extends Error {}

export const ERR_NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/** Go's reWhitespace `[\t\v\f\r ]+`: the separator of keywords and whitespace-delimited args. */
const WHITESPACE = /[\t\v\f\r ]+/;

/** Keyword, raw `--flag` words and the trimmed remainder of a logical line. */
export interface SplitLine {
  keyword: string;
  flags: string[];
  rest: string;
}

export function splitCommand(line: string, escapeToken: string): SplitLine {
  const trimmed = trimSpace(line);
  const m = WHITESPACE.exec(trimmed);
  if (!m) return { keyword: trimmed, flags: [], rest: '' };
  const keyword = trimmed.slice(0, m.index);
  const { rest, flags } = extractBuilderFlags(trimmed.slice(m.index + m[0].length), escapeToken);
  return { keyword, flags, rest: trimSpace(rest) };
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Go's unicode.IsSpace applied to a single byte, as BuildKit's byte-wise loops do. */
function isSpaceByte(b: number): boolean {
  return (b >= 0x09 && b <= 0x0d) || b === 0x20 || b === 0x85 || b === 0xa0;
}

/**
 * Leading `--name[=value]` words, with quotes and the escape token processed. BuildKit walks
 * this part byte by byte and appends each byte as a rune, so a non-ASCII byte in a flag becomes
 * its Latin-1 character (`é` reads as `Ã©`); that is reproduced here for byte-exact results. A
 * bare `--` word ends the flags and is dropped.
 */
export function extractBuilderFlags(line: string, escapeToken: string): { rest: string; flags: string[] } {
  const bytes = utf8.encode(line);
  const esc = escapeToken.charCodeAt(0);
  const words: string[] = [];
  const restAt = (pos: number) => ({ rest: fromUtf8.decode(bytes.subarray(pos)), flags: words });
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = 0;
  let blankOK = false;
  for (let pos = 0; pos <= bytes.length; pos++) {
    const end = pos === bytes.length;
    let ch = end ? 0 : bytes[pos]!;
    if (phase === 'spaces') {
      if (end) break;
      if (isSpaceByte(ch)) continue;
      if (ch !== 0x2d || pos + 1 === bytes.length || bytes[pos + 1] !== 0x2d) return restAt(pos);
      phase = 'word';
    }
    if (end) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpaceByte(ch)) {
        phase = 'spaces';
        if (word === '--') return restAt(pos);
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === 0x27 || ch === 0x22) {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === esc) {
        if (pos + 1 === bytes.length) continue;
        ch = bytes[++pos]!;
      }
      word += String.fromCharCode(ch);
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === esc) {
      if (pos + 1 === bytes.length) {
        phase = 'word';
        continue;
      }
      ch = bytes[++pos]!;
    }
    word += String.fromCharCode(ch);
  }
  return { rest: '', flags: words };
}

/**
 * Words separated by unquoted whitespace, with quotes and escape tokens kept in the words
 * (they are removed later, when the words are expanded). Used by ARG, ENV and LABEL.
 */
export function parseWords(rest: string, escapeToken: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let word = '';
  for (let pos = 0; pos <= chars.length; pos++) {
    const end = pos === chars.length;
    let ch = end ? '' : chars[pos]!;
    if (phase === 'spaces') {
      if (end) break;
      if (isSpace(ch)) continue;
      phase = 'word';
    }
    if (end) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        ch = chars[++pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = chars[++pos]!;
    }
    word += ch;
  }
  return words;
}

/** One ENV or LABEL pair as the parser splits it; `legacy` marks the `KEY name value` form. */
export interface KeyValue {
  key: string;
  value: string;
  legacy: boolean;
}

/**
 * ENV/LABEL arguments. If the first word has no `=`, the legacy form applies: the key is the
 * text up to the first whitespace and the value is the rest of the line verbatim. Otherwise
 * every word must be `key=value`, split at the first `=`. Keys and values keep their quotes.
 */
export function parseNameVal(rest: string, command: 'ENV' | 'LABEL', escapeToken: string): KeyValue[] {
  const words = parseWords(rest, escapeToken);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) {
    const m = WHITESPACE.exec(rest);
    if (!m) throw new LineError(`${command} must have two arguments`);
    return [{ key: rest.slice(0, m.index), value: rest.slice(m.index + m[0].length), legacy: true }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) throw new LineError(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1), legacy: false };
  });
}

/** Whitespace-delimited arguments (FROM, EXPOSE and the shell form of ADD/COPY/VOLUME). */
export function splitWhitespace(rest: string): string[] {
  return rest === '' ? [] : rest.split(WHITESPACE);
}

/**
 * The exec form: `rest` (after leading white space) is a JSON array. Returns undefined when it is
 * not valid JSON or not an array, in which case the instruction falls back to the shell form;
 * an array holding anything but strings is an error, as in BuildKit.
 */
export function parseJSON(rest: string): string[] | undefined {
  const text = rest.replace(/^\p{White_Space}+/u, '');
  if (!text.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  return value.map((v) => {
    if (typeof v !== 'string') throw new LineError(ERR_NOT_STRING_ARRAY);
    return v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  });
}

/** HEALTHCHECK: the type word, split at the first white space byte as BuildKit does. */
export function splitHealthType(rest: string): { type: string; rest: string } | undefined {
  const bytes = utf8.encode(rest);
  let sep = 0;
  while (sep < bytes.length && !isSpaceByte(bytes[sep]!)) sep++;
  let next = sep;
  while (next < bytes.length && isSpaceByte(bytes[next]!)) next++;
  if (sep === 0) return undefined;
  return { type: fromUtf8.decode(bytes.subarray(0, sep)), rest: fromUtf8.decode(bytes.subarray(next)) };
}
