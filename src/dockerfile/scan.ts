/**
 * BuildKit's parser.Parse: Dockerfile text to logical-line nodes. Physical lines are joined on
 * the escape token, comment lines inside a continuation are dropped, empty continuation lines
 * are dropped with a warning, directives are read at the top, and heredoc bodies are taken from
 * the lines after an ADD/COPY/RUN (or ONBUILD of one) that names them.
 */
import { trimLeftSpace, trimSpace } from '../shell/chars.js';
import { LocatedError, type SourceRange } from '../util/located.js';
import { DirectiveError, DirectiveParser } from './directives.js';
import { HeredocError, heredocMarkersFromLine, type Heredoc } from './heredoc.js';
import { nodeFromLine, type Node } from './nodes.js';
import { LineError } from './lineparsers.js';

export interface ScanWarning {
  /** 1-based line where the instruction with the empty continuation line ends. */
  line: number;
  /** The joined instruction text, for BuildKit's "Empty continuation line found in: ..." */
  instruction: string;
}

export interface ScanResult {
  nodes: Node[];
  escapeToken: '\\' | '`';
  emptyContinuations: ScanWarning[];
}

/** BuildKit reads with bufio.Scanner, whose longest line is 64 KiB including the newline. */
const MAX_LINE_BYTES = 64 * 1024;

/** Physical lines, each with its line ending, stopping early at a line BuildKit cannot read. */
class LineReader {
  private pos = 0;
  tooLong = false;

  constructor(private readonly text: string) {}

  next(): string | undefined {
    if (this.tooLong || this.pos >= this.text.length) return undefined;
    const nl = this.text.indexOf('\n', this.pos);
    const end = nl < 0 ? this.text.length : nl + 1;
    const contentLength = nl < 0 ? end - this.pos : nl - this.pos;
    if (contentLength * 3 >= MAX_LINE_BYTES && Buffer.byteLength(this.text.slice(this.pos, this.pos + contentLength)) >= MAX_LINE_BYTES) {
      this.tooLong = true;
      return undefined;
    }
    const line = this.text.slice(this.pos, end);
    this.pos = end;
    return line;
  }
}

const trimNewline = (s: string) => s.replace(/[\r\n]+$/, '');
const isComment = (s: string) => trimLeftSpace(s).startsWith('#');

/** Line `n` (1-based) of `lines` spans these characters, without its line ending. */
function lineRange(lines: string[], start: number, end: number): SourceRange {
  const first = lines[start - 1] ?? '';
  const last = lines[end - 1] ?? '';
  return {
    start: { line: start, character: first.length - trimLeftSpace(first).length },
    end: { line: end, character: trimNewline(last).length },
  };
}

export function scan(input: string): ScanResult {
  const text = input.startsWith('\ufeff') ? input.slice(1) : input;
  const lines = text.split('\n');
  const reader = new LineReader(text);
  const directives = new DirectiveParser();
  let escape: '\\' | '`' = '\\';
  let continuation = continuationRegExp(escape);
  const at = (start: number, end = start) => [lineRange(lines, start, end)];

  let wasDirective = false;
  // `linesBefore` locates a directive error the way BuildKit's parser does (withLocation with
  // its line counter before the increment): at the line before the directive, 0 on the first
  // line, where buildx then prints no excerpt (errdefs.Source.Print skips lines below 1)
  const processLine = (raw: string, stripLeft: boolean, linesBefore: number): string => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    try {
      const d = directives.parseLine(token);
      wasDirective = d !== undefined;
      if (d?.name === 'escape') {
        if (d.value !== '\\' && d.value !== '`') {
          throw new DirectiveError(`invalid escape token '${d.value}' does not match \` or \\`);
        }
        escape = d.value;
        continuation = continuationRegExp(escape);
      }
    } catch (e) {
      if (e instanceof DirectiveError) throw new LocatedError(e.message, at(linesBefore));
      throw e;
    }
    return isComment(token) ? '' : token;
  };
  const trimContinuation = (line: string): [string, boolean] =>
    continuation.test(line) ? [line.replace(continuation, '$1'), false] : [line, true];

  const nodes: Node[] = [];
  const emptyContinuations: ScanWarning[] = [];
  let current = 0;
  let comments: string[] = [];
  for (let raw = reader.next(); raw !== undefined; raw = reader.next()) {
    if (isComment(raw)) {
      const comment = trimSpace(trimLeftSpace(trimNewline(raw)).slice(1));
      if (comment === '') comments = [];
      else comments.push(comment);
    }
    const first = processLine(raw, true, current);
    if (wasDirective) comments.pop();
    current++;
    const startLine = current;
    let [joined, endOfLine] = trimContinuation(first);
    if (endOfLine && joined.length === 0) continue;

    let hasEmptyContinuation = false;
    while (!endOfLine) {
      const next = reader.next();
      if (next === undefined) break;
      const token = processLine(next, false, current);
      current++;
      if (isComment(next)) continue;
      if (trimLeftSpace(token).length === 0) {
        hasEmptyContinuation = true;
        continue;
      }
      let part: string;
      [part, endOfLine] = trimContinuation(token);
      joined += part;
    }
    if (hasEmptyContinuation) emptyContinuations.push({ line: current, instruction: joined });

    let node: Node;
    try {
      node = nodeFromLine(joined, escape);
    } catch (e) {
      if (e instanceof LineError) throw new LocatedError(e.message, at(startLine, current));
      throw e;
    }
    if (node.canContainHeredoc && joined.includes('<<')) {
      let markers;
      try {
        markers = heredocMarkersFromLine(joined);
      } catch (e) {
        if (e instanceof HeredocError) throw new LocatedError(e.message, at(startLine, current));
        throw e;
      }
      for (const marker of markers) {
        const heredoc: Heredoc = { name: marker.name, content: '', expand: marker.expand, chomp: marker.chomp };
        let terminated = false;
        for (let body = reader.next(); body !== undefined; body = reader.next()) {
          current++;
          let candidate = trimNewline(body);
          if (marker.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === marker.name) {
            terminated = true;
            break;
          }
          heredoc.content += body;
        }
        if (!terminated) throw new LocatedError('unterminated heredoc', at(startLine, current));
        node.heredocs.push(heredoc);
      }
    }
    node.range = lineRange(lines, startLine, current);
    node.comments = comments;
    comments = [];
    nodes.push(node);
  }

  if (nodes.length === 0) throw new LocatedError('file with no instructions', at(Math.max(current, 1)));
  if (reader.tooLong) {
    throw new LocatedError(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES - 1}`, at(Math.max(current, 1)));
  }
  return { nodes, escapeToken: escape, emptyContinuations };
}

/**
 * A line continues when its last non-blank character is the escape token and the character
 * before it is not; a line holding only the token continues too. As in BuildKit, `a\\\` (an
 * escaped token, then a continuation) therefore does not continue.
 */
function continuationRegExp(escape: string): RegExp {
  const e = escape === '\\' ? '\\\\' : '`';
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`, 'u');
}
