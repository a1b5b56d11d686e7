/**
 * One logical line split the way BuildKit's parser dispatch table does, before any instruction
 * semantics: which argument syntax applies depends only on the keyword.
 */
import type { SourceRange } from '../util/located.js';
import type { Heredoc } from './heredoc.js';
import {
  parseJSON,
  parseNameVal,
  parseWords,
  splitCommand,
  splitHealthType,
  splitWhitespace,
  type KeyValue,
} from './lineparsers.js';

export interface Node {
  /** The keyword as written (any case). */
  keyword: string;
  /** Raw `--flag[=value]` words, quotes and escapes already processed. */
  flags: string[];
  /**
   * Arguments after the flags: JSON strings for the exec form; otherwise per keyword the whole
   * remainder (RUN, CMD, WORKDIR, ...), whitespace-split words (FROM, COPY, ...), or quote-aware
   * words (ARG). HEALTHCHECK's first argument is its type. Empty for ENV, LABEL and ONBUILD.
   */
  args: string[];
  /** ENV and LABEL pairs. */
  pairs: KeyValue[];
  /** True when the arguments were a JSON array (BuildKit's `json` attribute). */
  json: boolean;
  /** ONBUILD's trigger instruction. */
  trigger?: Node;
  /** Whether heredoc markers on this line are honoured (ADD, COPY, RUN in shell form). */
  canContainHeredoc: boolean;
  heredocs: Heredoc[];
  /** The joined logical line, left-trimmed, continuation tokens and comment lines removed. */
  original: string;
  /** From the keyword to the end of the last line read for it, heredoc bodies included. */
  range: SourceRange;
  /**
   * The comment lines right above the instruction, `#` and spaces removed (BuildKit's
   * PrevComment): a `#` line with no text clears them, blank lines do not, directives are left out.
   */
  comments: string[];
}

type ArgParser = (rest: string, escape: string) => Pick<Node, 'args' | 'json'> & { pairs?: KeyValue[] };

const maybeJSON: ArgParser = (rest) => {
  if (rest === '') return { args: [], json: false };
  const json = parseJSON(rest);
  return json ? { args: json, json: true } : { args: [rest], json: false };
};

const maybeJSONToList: ArgParser = (rest) => {
  const json = parseJSON(rest);
  return json ? { args: json, json: true } : { args: splitWhitespace(rest), json: false };
};

const whitespaceDelimited: ArgParser = (rest) => ({ args: splitWhitespace(rest), json: false });

const wholeString: ArgParser = (rest) => ({ args: rest === '' ? [] : [rest], json: false });

const healthConfig: ArgParser = (rest, escape) => {
  const split = splitHealthType(rest);
  if (!split) return { args: [], json: false };
  const cmd = maybeJSON(split.rest, escape);
  return { args: [split.type, ...cmd.args], json: cmd.json };
};

const DISPATCH = new Map<string, ArgParser>(Object.entries<ArgParser>({
  add: maybeJSONToList,
  arg: (rest, escape) => ({ args: parseWords(rest, escape), json: false }),
  cmd: maybeJSON,
  copy: maybeJSONToList,
  entrypoint: maybeJSON,
  env: (rest, escape) => ({ args: [], json: false, pairs: parseNameVal(rest, 'ENV', escape) }),
  expose: whitespaceDelimited,
  from: whitespaceDelimited,
  healthcheck: healthConfig,
  label: (rest, escape) => ({ args: [], json: false, pairs: parseNameVal(rest, 'LABEL', escape) }),
  maintainer: wholeString,
  onbuild: () => ({ args: [], json: false }),
  run: maybeJSON,
  shell: maybeJSON,
  stopsignal: wholeString,
  user: wholeString,
  volume: maybeJSONToList,
  workdir: wholeString,
}));

const HEREDOC_KEYWORDS = new Set(['add', 'copy', 'run']);

const NO_RANGE: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Splits a logical line; unknown keywords keep no arguments (they fail later, with a suggestion). */
export function nodeFromLine(line: string, escape: string): Node {
  const { keyword, flags, rest } = splitCommand(line, escape);
  const lower = keyword.toLowerCase();
  const parsed = DISPATCH.get(lower)?.(rest, escape) ?? { args: [], json: false };
  const trigger = lower === 'onbuild' && rest !== '' ? nodeFromLine(rest, escape) : undefined;
  const target = lower === 'onbuild' ? trigger : { keyword, json: parsed.json };
  return {
    keyword,
    flags,
    args: parsed.args,
    pairs: parsed.pairs ?? [],
    json: parsed.json,
    trigger,
    canContainHeredoc: !!target && HEREDOC_KEYWORDS.has(target.keyword.toLowerCase()) && !target.json,
    heredocs: [],
    original: line,
    range: NO_RANGE,
    comments: [],
  };
}
