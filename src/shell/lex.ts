import { isDigit, isLetter, isSpace } from './chars.js';
import { goQuote } from './goquote.js';
import { PatternError, replaceAll, replaceFirst, scanChars, trimPrefix, trimSuffix } from './pattern.js';

/** Looks a variable up; `undefined` means unset, which differs from set-but-empty. */
export type EnvGetter = (name: string) => string | undefined;

export interface LexOptions {
  /** The Dockerfile escape token; `\` unless the `# escape=` directive chose a backtick. */
  escapeToken?: '\\' | '`';
  /** Leave references to unset variables as written (`$x`, `${x:-y}`) instead of expanding them. */
  skipUnsetEnv?: boolean;
  /** Treat quotes as ordinary characters. */
  skipProcessQuotes?: boolean;
  /** Keep quote characters in the output while still honouring their meaning. */
  rawQuotes?: boolean;
  /** Keep escape tokens in the output while still honouring their meaning. */
  rawEscapes?: boolean;
}

export interface WordResult {
  result: string;
  /** Names looked up and found set (possibly empty). */
  matched: Set<string>;
  /** Names looked up and found unset. */
  unmatched: Set<string>;
}

/**
 * A word BuildKit's lexer rejects. `message` is BuildKit's full text,
 * `failed to process "<word>": <reason>`; `reason` is the part after the colon, e.g. `x: msg`.
 */
export class ShellError extends Error {
  readonly word: string;
  readonly reason: string;

  constructor(word: string, reason: string) {
    super(`failed to process ${goQuote(word)}: ${reason}`);
    this.name = 'ShellError';
    this.word = word;
    this.reason = reason;
  }
}

/** One word: quotes removed, escapes applied, variables expanded; inner whitespace is kept. */
export function processWord(word: string, env: EnvGetter, opts?: LexOptions): string {
  return new Lexer(word, env, opts ?? {}, true).run(word).result;
}

/**
 * The expansion split into words on unquoted whitespace (after expansion, so a variable holding
 * spaces yields several words). Empty quoted strings yield no word, as in BuildKit.
 *
 * BuildKit quirk kept on purpose: every nested `${...}` operand resets the shared word buffer,
 * so text of the current word before a `${v:-w}`-style expansion is dropped from the words
 * (`a${x:-b}` gives `["b"]`); the single-word result of processWord is not affected.
 */
export function processWords(word: string, env: EnvGetter, opts?: LexOptions): string[] {
  return new Lexer(word, env, opts ?? {}, false).run(word).words;
}

/** processWord plus the variable names it looked up, split by whether they were set. */
export function processWordWithMatches(word: string, env: EnvGetter, opts?: LexOptions): WordResult {
  const r = new Lexer(word, env, opts ?? {}, true).run(word);
  return { result: r.result, matched: r.matched, unmatched: r.unmatched };
}

/** A failure inside the lexer; the public API wraps it into a ShellError naming the word. */
class LexFailure extends Error {}

/**
 * How deeply `${...}` operands and quotes may nest in one word. BuildKit's lexer recurses on
 * Go's growable stack and has no limit of its own; here nesting costs heap, not call stack (see
 * Lexer.drive), and this bound only keeps a hostile word from using memory without end.
 */
export const MAX_NESTING = 100_000;

/**
 * A lexer step that may nest: it yields the sub-step to run and receives its result, so nesting
 * depth never becomes JavaScript call depth.
 */
type Step<T> = Generator<Step<unknown>, T, unknown>;

const EOF = '';

/** A growable buffer shared by reference, like BuildKit's `shellWord.wordsBuffer`. */
interface Buf {
  s: string;
}

/** Splits characters into words as they are produced (BuildKit's wordsStruct). */
class Words {
  words: string[] = [];
  inWord = false;

  constructor(private readonly buf: Buf) {}

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.buf.s.length !== 0) {
        this.words.push(this.buf.s);
        this.buf.s = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.buf.s += ch;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRawString(s: string): void {
    this.buf.s += s;
    this.inWord = true;
  }

  getWords(): string[] {
    if (this.buf.s.length > 0) {
      this.words.push(this.buf.s);
      this.buf.s = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Lexer {
  private readonly chars: string[];
  private pos = 0;
  private readonly escape: string;
  private rawEscapes: boolean;
  private readonly wordsBuf: Buf = { s: '' };
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    word: string,
    private readonly env: EnvGetter,
    private readonly opts: LexOptions,
    private readonly capture: boolean,
  ) {
    this.chars = scanChars(word);
    this.escape = opts.escapeToken ?? '\\';
    this.rawEscapes = opts.rawEscapes ?? false;
  }

  run(source: string): { result: string; words: string[]; matched: Set<string>; unmatched: Set<string> } {
    try {
      const [result, words] = this.drive(this.processStopOn(EOF, this.rawEscapes));
      return { result, words, matched: this.matched, unmatched: this.unmatched };
    } catch (e) {
      if (e instanceof LexFailure) throw new ShellError(source, e.message);
      throw e;
    }
  }

  /**
   * Runs a step and every step it yields on an explicit stack (a trampoline): the JavaScript
   * stack stays flat whatever the nesting depth. Errors travel up the stack as they would
   * through nested calls, through each step's try/catch/finally.
   */
  private drive<T>(root: Step<T>): T {
    const stack: Step<unknown>[] = [root];
    let input: unknown;
    let failed = false;
    let error: unknown;
    for (;;) {
      const top = stack[stack.length - 1]!;
      let r: IteratorResult<Step<unknown>, unknown>;
      try {
        if (failed) {
          failed = false;
          r = top.throw(error);
        } else {
          r = top.next(input);
        }
      } catch (e) {
        stack.pop();
        if (stack.length === 0) throw e;
        failed = true;
        error = e;
        continue;
      }
      if (r.done) {
        stack.pop();
        if (stack.length === 0) return r.value as T;
        input = r.value;
      } else {
        if (stack.length >= MAX_NESTING) {
          failed = true;
          error = new LexFailure(`nesting deeper than ${MAX_NESTING} levels (the frontend's limit)`);
          continue;
        }
        stack.push(r.value);
        input = undefined;
      }
    }
  }

  private peek(): string {
    return this.chars[this.pos] ?? EOF;
  }

  private next(): string {
    const ch = this.peek();
    if (ch !== EOF) this.pos++;
    return ch;
  }

  /** Reads up to (and consumes) `stop`, or to the end when `stop` is EOF. */
  private *processStopOn(stop: string, rawEscapes: boolean): Step<[string, string[]]> {
    let result = '';
    this.wordsBuf.s = '';
    const words = new Words(this.wordsBuf);
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.peek() !== EOF) {
        const ch = this.peek();
        if (stop !== EOF && ch === stop) {
          this.next();
          return [result, words.getWords()];
        }
        const special = this.special(ch);
        if (special) {
          const tmp = (yield special) as string;
          result += tmp;
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        let c = this.next();
        if (c === this.escape) {
          if (this.rawEscapes) {
            words.addRawChar(c);
            result += c;
          }
          c = this.next();
          if (c === EOF) break;
          words.addRawChar(c);
        } else {
          words.addChar(c);
        }
        result += c;
      }
      if (stop !== EOF) throw new LexFailure(`unexpected end of statement while looking for matching ${stop}`);
      return [result, words.getWords()];
    } finally {
      this.rawEscapes = saved;
    }
  }

  private special(ch: string): Step<string> | undefined {
    switch (ch) {
      case '$':
        return this.processDollar();
      case '<':
        return this.processPossibleHeredoc();
      case "'":
        return this.opts.skipProcessQuotes ? undefined : this.processSingleQuote();
      case '"':
        return this.opts.skipProcessQuotes ? undefined : this.processDoubleQuote();
      default:
        return undefined;
    }
  }

  // eslint-disable-next-line require-yield
  private *processSingleQuote(): Step<string> {
    let result = '';
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new LexFailure('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private *processDoubleQuote(): Step<string> {
    let result = '';
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const peek = this.peek();
      if (peek === EOF) throw new LexFailure('unexpected end of statement while looking for matching double-quote');
      if (peek === '"') {
        this.next();
        if (this.opts.rawQuotes) result += peek;
        return result;
      }
      if (peek === '$') {
        result += (yield this.processDollar()) as string;
        continue;
      }
      let ch = this.next();
      if (ch === this.escape) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue;
        if (after === '"' || after === '$' || after === this.escape) ch = this.next();
      }
      result += ch;
    }
  }

  private *processDollar(): Step<string> {
    this.next();
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new LexFailure("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexFailure('syntax error: bad substitution');

    const name = this.processName();
    let ch = this.next();
    let chs = ch === EOF ? '\ufffd' : ch;

    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === '/') return (yield this.processReplace(name)) as string;

    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      chs += ch === EOF ? '\ufffd' : ch;
    } else if (!'+-?#%'.includes(ch) || ch === EOF) {
      throw new LexFailure(`unsupported modifier (${chs}) in substitution`);
    }

    const trims = ch === '#' || ch === '%';
    if (nullIsUnset && trims) throw new LexFailure(`unsupported modifier (${chs}) in substitution`);
    let word = (yield this.operand('}', trims, "syntax error: missing '}'")) as string;

    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}${chs}${word}}`;
    const unset = value === undefined || (nullIsUnset && value === '');

    switch (ch) {
      case '-':
        return unset ? word : value!;
      case '+':
        return unset ? '' : word;
      case '?':
        if (value === undefined) throw new LexFailure(`${name}: ${word || 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw new LexFailure(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      case '%':
      case '#': {
        const greedy = word.startsWith(ch);
        if (greedy) word = word.slice(1);
        try {
          return ch === '%' ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy);
        } catch (e) {
          throw patternFailure(word, e);
        }
      }
      default:
        throw new LexFailure(`unsupported modifier (${chs}) in substitution`);
    }
  }

  /** `${name/pattern/replacement}` and `${name//pattern/replacement}`, after the first `/`. */
  private *processReplace(name: string): Step<string> {
    const all = this.peek() === '/';
    if (all) this.next();
    const pattern = (yield this.operand('/', true, "syntax error: missing '/' in ${}")) as string;
    const replacement = (yield this.operand('}', true, "syntax error: missing '}'")) as string;
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    try {
      return all ? replaceAll(pattern, value ?? '', replacement) : replaceFirst(pattern, value ?? '', replacement);
    } catch (e) {
      throw patternFailure(pattern, e);
    }
  }

  /** Reads a nested operand up to `stop`; running out of input reports `missing`. */
  private *operand(stop: string, rawEscapes: boolean, missing: string): Step<string> {
    try {
      return ((yield this.processStopOn(stop, rawEscapes)) as [string, string[]])[0];
    } catch (e) {
      if (e instanceof LexFailure && this.peek() === EOF) throw new LexFailure(missing);
      throw e;
    }
  }

  /** A name: letters, digits and `_`; or a run of digits; or one special parameter character. */
  private processName(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name === '' && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek())) name += this.next();
        return name;
      }
      if (name === '' && '@*#?-$!0'.includes(ch)) return this.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }

  /** `<<` plus following blanks is kept together so heredoc markers survive word splitting. */
  // eslint-disable-next-line require-yield
  private *processPossibleHeredoc(): Step<string> {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    let space = '';
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === '\r') space += this.next();
    return '<<' + space;
  }

  private getEnv(name: string): string | undefined {
    const v = this.env(name);
    if (this.capture) (v === undefined ? this.unmatched : this.matched).add(name);
    return v;
  }
}

function patternFailure(pattern: string, e: unknown): Error {
  if (e instanceof PatternError) return new LexFailure(`invalid pattern (${pattern}) in substitution: ${e.message}`);
  return e instanceof Error ? e : new Error(String(e));
}
