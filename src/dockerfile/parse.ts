/**
 * Dockerfile text to stages of typed instructions: BuildKit's parser.Parse, then
 * instructions.Parse, then the stage checks of dockerfile2llb that need no build context.
 */
import { LocatedError, type SourceRange } from '../util/located.js';
import { findDirective } from './directives.js';
import { parseNode } from './instructions.js';
import { lint, type Warning } from './lint.js';
import type { Node } from './nodes.js';
import { scan } from './scan.js';
import type { ArgInstruction, FromInstruction, Instruction } from './types.js';

export interface Stage {
  /** The lowercased stage name, when the FROM has `AS name`. */
  name?: string;
  from: FromInstruction;
  /** The instructions after FROM, up to the next FROM. */
  commands: Instruction[];
  /** From the FROM keyword to the end of the stage's last instruction. */
  range: SourceRange;
}

export interface ParsedDockerfile {
  directives: {
    /** The `# syntax=` value (after a `#!` line if any), in full. */
    syntax?: string;
    /** The escape token in effect, `\` unless `# escape=` chose a backtick. */
    escape: '\\' | '`';
    /** The `# check=` value in full; BuildKit reads it up to the first space (see parseLintOptions). */
    check?: string;
  };
  /** ARG instructions before the first FROM. */
  metaArgs: ArgInstruction[];
  /** At least one. */
  stages: Stage[];
  /** Build checks that need only the text, unfiltered by the `check` options. */
  warnings: Warning[];
}

const RESERVED_STAGE_NAMES = new Set(['context', 'scratch']);

/**
 * Parses a whole Dockerfile; throws LocatedError for the first problem, in BuildKit's order.
 * The checks found so far go into `sink` as they are found, so a caller (the lint subrequest)
 * still has them when parsing fails, as BuildKit reports warnings before the error.
 */
export function parseDockerfile(text: string, sink: Warning[] = []): ParsedDockerfile {
  const scanned = scan(text);
  const warnings = sink;
  warnings.push(...scanned.emptyContinuations.map((w) => lint.noEmptyContinuation(lineAt(w.line))));
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const stageKeywords: Keyword[] = [];
  for (const node of scanned.nodes) {
    warnings.push(...instructionWarnings(node));
    const inst = withParseErrorPrefix(node, () => parseLocated(node));
    warnings.push(...definitionWarnings(inst));
    if (stages.length === 0 && inst.kind === 'arg') {
      metaArgs.push(inst);
      continue;
    }
    stageKeywords.push({ keyword: node.keyword, range: node.range });
    if (inst.kind === 'from') {
      stages.push({ name: inst.stageName, from: inst, commands: [], range: inst.range });
    } else {
      const stage = stages[stages.length - 1];
      if (!stage) throw new LocatedError('no build stage in current context', [node.range]);
      stage.commands.push(inst);
      stage.range = { start: stage.range.start, end: inst.range.end };
    }
  }
  if (stages.length === 0) {
    throw new LocatedError('dockerfile contains no stages to build', [scanned.nodes[scanned.nodes.length - 1]!.range]);
  }
  warnings.push(...stageNameWarnings(stages), ...casingWarnings(stageKeywords));
  return {
    directives: { syntax: findDirective(text, 'syntax'), escape: scanned.escapeToken, check: findDirective(text, 'check') },
    metaArgs,
    stages,
    warnings,
  };
}

/**
 * Parses one instruction given as text, as BuildKit parses an ONBUILD trigger stored in a base
 * image: the text must hold exactly one instruction (heredoc bodies included), and FROM is not
 * allowed. `at` replaces the ranges, which otherwise point into `text`.
 */
export function parseInstruction(text: string, at?: SourceRange): Instruction {
  const { nodes } = scan(text);
  const relocate = (r: SourceRange) => at ?? r;
  if (nodes.length !== 1) throw new LocatedError('onbuild trigger should be a single expression', [relocate(nodes[0]!.range)]);
  const node = { ...nodes[0]!, range: relocate(nodes[0]!.range) };
  const inst = parseLocated(node);
  if (inst.kind === 'from') throw new LocatedError("FROM isn't allowed as an ONBUILD trigger", [node.range]);
  return inst;
}

/**
 * BuildKit names the line in the text of errors from parsing one instruction ("dockerfile parse
 * error on line N: ..."), so even a client that shows no source snippet points at it. Only those
 * errors get the prefix, as in BuildKit; the range is kept as well.
 */
function withParseErrorPrefix(node: Node, fn: () => Instruction): Instruction {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof LocatedError)) throw e;
    throw new LocatedError(`dockerfile parse error on line ${node.range.start.line}: ${e.message}`, e.ranges, { cause: e });
  }
}

function parseLocated(node: Node): Instruction {
  try {
    return parseNode(node);
  } catch (e) {
    if (e instanceof LocatedError) throw e;
    throw new LocatedError(e instanceof Error ? e.message : String(e), [node.range], { cause: e });
  }
}

function lineAt(line: number): SourceRange {
  return { start: { line, character: 0 }, end: { line, character: 0 } };
}

/** Checks BuildKit runs while parsing each instruction (ParseInstructionWithLinter), before its errors. */
function instructionWarnings(node: Node): Warning[] {
  const cmd = node.keyword.toLowerCase();
  const c = node.comments;
  const out: Warning[] = [];
  if (cmd === 'maintainer') out.push(lint.maintainerDeprecated(node.range, c));
  if (cmd === 'from' && node.args.length === 3) {
    const [, as, name] = node.args as [string, string, string];
    if (name !== name.toLowerCase()) out.push(lint.stageNameCasing(name, node.range, c));
    const lower = node.keyword === node.keyword.toLowerCase();
    const upper = node.keyword === node.keyword.toUpperCase();
    if ((lower && as !== as.toLowerCase()) || (upper && !lower && as !== as.toUpperCase())) {
      out.push(lint.fromAsCasing(node.keyword, as, node.range, c));
    }
  }
  return out;
}

/**
 * InvalidDefinitionDescription (experimental), checked once the instruction parsed: the last
 * comment above a named FROM or an ARG should start with the name it describes.
 */
function definitionWarnings(inst: Instruction): Warning[] {
  let keys: string[];
  if (inst.kind === 'from' && inst.stageName) keys = [inst.stageName];
  else if (inst.kind === 'arg') keys = inst.args.map((a) => a.key);
  else return [];
  const comments = inst.comments ?? [];
  if (comments.length === 0 || keys.length === 0) return [];
  const first = comments[comments.length - 1]!.split(' ', 1)[0]!;
  if (keys.includes(first)) return [];
  const name = keys.length > 1 ? '<arg_key>' : keys[0]!;
  return [lint.invalidDefinitionDescription(inst.kind === 'from' ? 'FROM' : 'ARG', name, inst.range, comments)];
}

function stageNameWarnings(stages: Stage[]): Warning[] {
  const out: Warning[] = [];
  const seen = new Set<string>();
  for (const stage of stages) {
    if (!stage.name) continue;
    if (RESERVED_STAGE_NAMES.has(stage.name)) out.push(lint.reservedStageName(stage.name, stage.from.range));
    if (seen.has(stage.name)) out.push(lint.duplicateStageName(stage.name, stage.from.range));
    seen.add(stage.name);
  }
  return out;
}

interface Keyword {
  keyword: string;
  range: SourceRange;
}

/** ConsistentInstructionCasing: keywords in stages (not meta ARGs) against the majority case. */
function casingWarnings(keywords: Keyword[]): Warning[] {
  let lowerCount = 0;
  let upperCount = 0;
  for (const { keyword } of keywords) {
    if (keyword === keyword.toLowerCase()) lowerCount++;
    else if (keyword === keyword.toUpperCase()) upperCount++;
  }
  const majorityLower = lowerCount > upperCount;
  const out: Warning[] = [];
  for (const { keyword, range } of keywords) {
    if (majorityLower && keyword !== keyword.toLowerCase()) out.push(lint.consistentInstructionCasing(keyword, 'lowercase', range));
    else if (!majorityLower && keyword !== keyword.toUpperCase()) out.push(lint.consistentInstructionCasing(keyword, 'uppercase', range));
  }
  return out;
}
