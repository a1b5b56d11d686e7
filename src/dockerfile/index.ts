/**
 * Dockerfile text to typed instruction records, with BuildKit's parse-time behaviour and error
 * messages (moby/buildkit frontend/dockerfile/parser and instructions). Values stay unexpanded;
 * see src/shell for expansion. Errors are LocatedError with 1-based line ranges.
 */
export type { Heredoc } from './heredoc.js';
export type {
  AddInstruction,
  ArgInstruction,
  CommandInstruction,
  CopyInstruction,
  EnvInstruction,
  FromInstruction,
  HealthcheckInstruction,
  Instruction,
  InstructionKind,
  KeyValuePair,
  LabelInstruction,
  RunInstruction,
} from './types.js';
export type { ParsedDockerfile, Stage } from './parse.js';
export type { LintConfig, Rule, RuleName, Warning } from './lint.js';
export { parseDockerfile, parseInstruction } from './parse.js';
export { findDirective } from './directives.js';
export { suggest } from './suggest.js';
export { chompHeredocContent, heredocMarkerOf, type HeredocMarker } from './heredoc.js';
export { RULES, applyLintConfig, lint, lintShort, lintViolationMessage, parseLintOptions, ruleEnabled, ruleOf } from './lint.js';
export { formatGoDuration, parseGoDuration } from './gostrconv.js';
export { INSTRUCTION_NAMES } from './instructions.js';
