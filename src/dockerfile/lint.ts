/**
 * Build checks: the standard frontend's rule set (names, descriptions, URLs and message formats as
 * in BuildKit's frontend/dockerfile/linter/ruleset.go), the rules of our own for wasm, and the
 * `check` configuration that filters them (`# check=skip=...;error=true;experimental=...`, the
 * BUILDKIT_DOCKERFILE_CHECK build argument, and a `# check=` comment right above one
 * instruction, which adds skips and experimental rules for that instruction only).
 *
 * Checks are collected unfiltered, each carrying the configuration of its instruction's comments;
 * `applyLintConfig` decides which are reported. The same list feeds the build's warnings (gateway
 * Warn) and the `frontend.lint` subrequest.
 */
import { goQuote } from '../shell/goquote.js';
import { LocatedError, type SourceRange } from '../util/located.js';
import { DirectiveParser } from './directives.js';

/** A rule as BuildKit's LinterRule: experimental rules run only when enabled by name or `all`. */
export interface Rule {
  name: string;
  description: string;
  /** Absent only for InvalidBaseImagePlatform, as in BuildKit. */
  url?: string;
  experimental?: boolean;
}

const std = (slug: string) => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;
/**
 * Where this project's README is published: our wasm rules link to its "Build checks" headings,
 * one anchor each. Change it here when the repository moves.
 */
export const RULE_DOCS_BASE = 'https://github.com/wasm-frontend/wasm-frontend/blob/main/README.md';
const ours = (anchor: string) => `${RULE_DOCS_BASE}#${anchor}`;

/** Every rule this frontend knows, in BuildKit's ruleset order, then ours. */
export const RULES = {
  StageNameCasing: { description: 'Stage names should be lowercase', url: std('stage-name-casing') },
  FromAsCasing: { description: "The 'as' keyword should match the case of the 'from' keyword", url: std('from-as-casing') },
  NoEmptyContinuation: { description: 'Empty continuation lines will become errors in a future release', url: std('no-empty-continuation') },
  ConsistentInstructionCasing: {
    description: 'All commands within the Dockerfile should use the same casing (either upper or lower)',
    url: std('consistent-instruction-casing'),
  },
  DuplicateStageName: { description: 'Stage names should be unique', url: std('duplicate-stage-name') },
  ReservedStageName: { description: 'Reserved words should not be used as stage names', url: std('reserved-stage-name') },
  JSONArgsRecommended: {
    description: 'JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals',
    url: std('json-args-recommended'),
  },
  MaintainerDeprecated: {
    description: 'The MAINTAINER instruction is deprecated, use a label instead to define an image author',
    url: std('maintainer-deprecated'),
  },
  UndefinedArgInFrom: { description: 'FROM command must use declared ARGs', url: std('undefined-arg-in-from') },
  WorkdirRelativePath: {
    description: 'Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes',
    url: std('workdir-relative-path'),
  },
  UndefinedVar: { description: 'Variables should be defined before their use', url: std('undefined-var') },
  MultipleInstructionsDisallowed: {
    description: 'Multiple instructions of the same type should not be used in the same stage',
    url: std('multiple-instructions-disallowed'),
  },
  LegacyKeyValueFormat: { description: 'Legacy key/value format with whitespace separator should not be used', url: std('legacy-key-value-format') },
  InvalidBaseImagePlatform: { description: 'Base image platform does not match expected target platform' },
  RedundantTargetPlatform: {
    description: 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior',
    url: std('redundant-target-platform'),
  },
  SecretsUsedInArgOrEnv: { description: 'Sensitive data should not be used in the ARG or ENV commands', url: std('secrets-used-in-arg-or-env') },
  InvalidDefaultArgInFrom: {
    description: 'Default value for global ARG results in an empty or invalid base image name',
    url: std('invalid-default-arg-in-from'),
  },
  FromPlatformFlagConstDisallowed: { description: 'FROM --platform flag should not use a constant value', url: std('from-platform-flag-const-disallowed') },
  CopyIgnoredFile: { description: 'Attempting to Copy file that is excluded by .dockerignore', url: std('copy-ignored-file') },
  InvalidDefinitionDescription: {
    description:
      'Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.',
    url: std('invalid-definition-description'),
    experimental: true,
  },
  ExposeProtoCasing: { description: 'Protocol in EXPOSE instruction should be lowercase', url: std('expose-proto-casing') },
  ExposeInvalidFormat: {
    description: 'IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release',
    url: std('expose-invalid-format'),
  },
  // wasm rules of this frontend (README "Build checks")
  WasmPlatformSpelling: { description: 'The wasm platform should be written wasi/wasm', url: ours('wasmplatformspelling') },
  WasmTargetPlatformRun: {
    description: 'A stage that runs commands cannot run on the wasi/wasm target platform',
    url: ours('wasmtargetplatformrun'),
  },
  WasmRustTargetUnknown: {
    description: 'The Rust target named in the build is not one the selected toolchain has',
    url: ours('wasmrusttargetunknown'),
  },
  WasmNoModule: { description: 'The final stage of a wasi/wasm build should contain a WebAssembly module', url: ours('wasmnomodule') },
  WasmComponentRuntime: {
    description: 'The chosen wasm runtime runs only core modules, not components',
    url: ours('wasmcomponentruntime'),
  },
} satisfies Record<string, Omit<Rule, 'name'>>;

export type RuleName = keyof typeof RULES;

/** The rule's definition by name; undefined for a name this frontend does not know. */
export function ruleOf(name: string): Rule | undefined {
  if (!Object.hasOwn(RULES, name)) return undefined;
  return { name, ...(RULES as Record<string, Omit<Rule, 'name'>>)[name]! };
}

export interface Warning {
  /** BuildKit's rule name, e.g. `DuplicateStageName`. */
  rule: RuleName;
  /** The formatted message (BuildKit's detail), e.g. `Duplicate stage name "a", stage names should be unique`. */
  message: string;
  description: string;
  /** "" when the rule has none. */
  url: string;
  range: SourceRange;
  /** Skips and experimental rules from a `# check=` comment above the instruction. */
  local?: LintConfig;
}

function warn(rule: RuleName, message: string, range: SourceRange, comments?: readonly string[]): Warning {
  const def: Omit<Rule, 'name'> = RULES[rule];
  const w: Warning = { rule, message, description: def.description, url: def.url ?? '', range };
  const local = commentConfig(comments);
  if (local) w.local = local;
  return w;
}

/**
 * Message formats of the rules, in BuildKit's words (ruleset.go). `comments` are the comment
 * lines right above the instruction (BuildKit's PrevComment), where a `# check=` may be.
 */
export const lint = {
  stageNameCasing: (name: string, r: SourceRange, c?: readonly string[]) => warn('StageNameCasing', `Stage name '${name}' should be lowercase`, r, c),
  fromAsCasing: (from: string, as: string, r: SourceRange, c?: readonly string[]) =>
    warn('FromAsCasing', `'${as}' and '${from}' keywords' casing do not match`, r, c),
  noEmptyContinuation: (r: SourceRange) => warn('NoEmptyContinuation', 'Empty continuation line', r),
  consistentInstructionCasing: (cmd: string, casing: 'lowercase' | 'uppercase', r: SourceRange) =>
    warn('ConsistentInstructionCasing', `Command '${cmd}' should match the case of the command majority (${casing})`, r),
  duplicateStageName: (name: string, r: SourceRange) =>
    warn('DuplicateStageName', `Duplicate stage name ${goQuote(name)}, stage names should be unique`, r),
  reservedStageName: (name: string, r: SourceRange) =>
    warn('ReservedStageName', `Stage name should not use the same name as reserved stage ${goQuote(name)}`, r),
  jsonArgsRecommended: (cmd: string, r: SourceRange, c?: readonly string[]) =>
    warn('JSONArgsRecommended', `JSON arguments recommended for ${cmd} to prevent unintended behavior related to OS signals`, r, c),
  maintainerDeprecated: (r: SourceRange, c?: readonly string[]) =>
    warn('MaintainerDeprecated', 'Maintainer instruction is deprecated in favor of using label', r, c),
  undefinedArgInFrom: (arg: string, hint: string | undefined, r: SourceRange, c?: readonly string[]) =>
    warn('UndefinedArgInFrom', `FROM argument '${arg}' is not declared${hint ? ` (did you mean ${hint}?)` : ''}`, r, c),
  workdirRelativePath: (dir: string, r: SourceRange, c?: readonly string[]) =>
    warn('WorkdirRelativePath', `Relative workdir ${goQuote(dir)} can have unexpected results if the base image changes`, r, c),
  undefinedVar: (name: string, hint: string | undefined, r: SourceRange, c?: readonly string[]) =>
    warn('UndefinedVar', `Usage of undefined variable '$${name}'${hint ? ` (did you mean $${hint}?)` : ''}`, r, c),
  multipleInstructionsDisallowed: (cmd: string, r: SourceRange, c?: readonly string[]) =>
    warn('MultipleInstructionsDisallowed', `Multiple ${cmd} instructions should not be used in the same stage because only the last one will be used`, r, c),
  legacyKeyValueFormat: (cmd: string, r: SourceRange, c?: readonly string[]) =>
    warn('LegacyKeyValueFormat', `"${cmd} key=value" should be used instead of legacy "${cmd} key value" format`, r, c),
  invalidBaseImagePlatform: (image: string, expected: string, actual: string, r: SourceRange) =>
    warn('InvalidBaseImagePlatform', `Base image ${image} was pulled with platform ${goQuote(actual)}, expected ${goQuote(expected)} for current build`, r),
  redundantTargetPlatform: (value: string, r: SourceRange, c?: readonly string[]) =>
    warn('RedundantTargetPlatform', `Setting platform to predefined ${value} in FROM is redundant as this is the default behavior`, r, c),
  secretsUsedInArgOrEnv: (cmd: 'ARG' | 'ENV', key: string, r: SourceRange, c?: readonly string[]) =>
    warn('SecretsUsedInArgOrEnv', `Do not use ARG or ENV instructions for sensitive data (${cmd} ${goQuote(key)})`, r, c),
  invalidDefaultArgInFrom: (base: string, r: SourceRange) =>
    warn('InvalidDefaultArgInFrom', `Default value for ARG ${base} results in empty or invalid base image name`, r),
  fromPlatformFlagConstDisallowed: (platform: string, r: SourceRange, c?: readonly string[]) =>
    warn('FromPlatformFlagConstDisallowed', `FROM --platform flag should not use constant value ${goQuote(platform)}`, r, c),
  copyIgnoredFile: (cmd: 'Copy' | 'Add', file: string, r: SourceRange, c?: readonly string[]) =>
    warn('CopyIgnoredFile', `Attempting to ${cmd} file ${goQuote(file)} that is excluded by .dockerignore`, r, c),
  invalidDefinitionDescription: (cmd: 'ARG' | 'FROM', name: string, r: SourceRange, c?: readonly string[]) =>
    warn('InvalidDefinitionDescription', `Comment for ${cmd} should follow the format: \`# ${name} <description>\``, r, c),
  exposeProtoCasing: (port: string, r: SourceRange, c?: readonly string[]) =>
    warn('ExposeProtoCasing', `Defined protocol '${port}' in EXPOSE instruction should be lowercase`, r, c),
  exposeInvalidFormat: (port: string, r: SourceRange, c?: readonly string[]) =>
    warn('ExposeInvalidFormat', `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`, r, c),

  /** `text` says how the spelling was read, e.g. `platform "wasip1/wasm" is read as "wasi/wasm"`. */
  wasmPlatformSpelling: (text: string, r: SourceRange, c?: readonly string[]) => warn('WasmPlatformSpelling', text, r, c),
  wasmTargetPlatformRun: (value: string, r: SourceRange, c?: readonly string[]) =>
    warn(
      'WasmTargetPlatformRun',
      `Stage pinned to ${value} runs commands, but the target is wasi/wasm; use --platform=$BUILDPLATFORM or leave --platform out`,
      r,
      c,
    ),
  wasmRustTargetUnknown: (target: string, hint: string, r: SourceRange, c?: readonly string[]) =>
    warn('WasmRustTargetUnknown', `Rust target ${goQuote(target)} is not available in the selected toolchain; use ${goQuote(hint)}`, r, c),
  wasmNoModule: (r: SourceRange) =>
    warn('WasmNoModule', 'Final stage copies no .wasm module; the image will have nothing to run', r),
  wasmComponentRuntime: (runtime: string, r: SourceRange, c?: readonly string[]) =>
    warn('WasmComponentRuntime', `WASM_RUNTIME=${runtime} runs only core modules, but the build targets a component (WASM_WASI=preview2)`, r, c),
};

export interface LintConfig {
  skipAll: boolean;
  skip: string[];
  experimentalAll: boolean;
  experimental: string[];
  /** Fail the build when any check reports. */
  error: boolean;
}

const GO_BOOL: Record<string, boolean> = {
  '1': true, t: true, T: true, TRUE: true, true: true, True: true,
  '0': false, f: false, F: false, FALSE: false, false: false, False: false,
};

/**
 * BuildKit's ParseLintOptions, e.g. `skip=JSONArgsRecommended,StageNameCasing;error=true`.
 * BuildKit reads the `# check=` directive only up to its first space; pass that part.
 * Throws for an unknown key (`invalid check option "k"`), a part without `=` or a bad boolean.
 */
export function parseLintOptions(value: string): LintConfig {
  const cfg: LintConfig = { skipAll: false, skip: [], experimentalAll: false, experimental: [], error: false };
  const text = value.trim();
  if (text === '') return cfg;
  const parts = text.split(';');
  const limited = parts.length > 3 ? [...parts.slice(0, 2), parts.slice(2).join(';')] : parts;
  for (const p of limited) {
    const eq = p.indexOf('=');
    if (eq < 0) throw new Error(`invalid check option ${goQuote(p)}`);
    const k = p.slice(0, eq).trim();
    const v = p.slice(eq + 1).trim();
    switch (k) {
      case 'skip':
        if (v === 'all') cfg.skipAll = true;
        else cfg.skip = v.split(',').map((s) => s.trim());
        break;
      case 'experimental':
        if (v === 'all') cfg.experimentalAll = true;
        else cfg.experimental = v.split(',').map((s) => s.trim());
        break;
      case 'error': {
        const b = Object.hasOwn(GO_BOOL, v) ? GO_BOOL[v] : undefined;
        if (b === undefined) {
          throw new Error(`failed to parse check option ${goQuote(p)}: strconv.ParseBool: parsing ${goQuote(v)}: invalid syntax`);
        }
        cfg.error = b;
        break;
      }
      default:
        throw new Error(`invalid check option ${goQuote(k)}`);
    }
  }
  return cfg;
}

/**
 * The `check` configuration in the comment lines above one instruction (BuildKit's
 * WithMergedConfigFromComments): the first comment that reads as a `check=` directive, its value
 * up to the first space. A value that does not parse is ignored, as in BuildKit.
 */
export function commentConfig(comments: readonly string[] | undefined): LintConfig | undefined {
  if (!comments?.length) return undefined;
  for (const comment of comments) {
    let d;
    try {
      d = new DirectiveParser().parseLine(`#${comment}`);
    } catch {
      continue;
    }
    if (d?.name !== 'check') continue;
    try {
      return parseLintOptions(d.value.split(' ', 1)[0]!);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether a check of this rule is reported under `cfg` merged with the instruction's own config (Linter.Run). */
export function ruleEnabled(rule: string, cfg: LintConfig, local?: LintConfig): boolean {
  const def = ruleOf(rule);
  if (def?.experimental) {
    return cfg.experimentalAll || !!local?.experimentalAll || cfg.experimental.includes(rule) || !!local?.experimental.includes(rule);
  }
  return !(cfg.skipAll || local?.skipAll || cfg.skip.includes(rule) || local?.skip.includes(rule));
}

/** BuildKit's Linter.Error text for the rules that reported, in first-reported order. */
export function lintViolationMessage(warnings: readonly Warning[]): string {
  return `lint violation found for rules: ${[...new Set(warnings.map((w) => w.rule))].join(', ')}`;
}

/**
 * Keeps the checks the config reports; with `error=true` and any check left, also returns
 * BuildKit's failure, located at every reported instruction.
 */
export function applyLintConfig(warnings: readonly Warning[], cfg: LintConfig): { warnings: Warning[]; error?: LocatedError } {
  const kept = warnings.filter((w) => ruleEnabled(w.rule, cfg, w.local));
  if (!cfg.error || kept.length === 0) return { warnings: kept };
  return { warnings: kept, error: new LocatedError(lintViolationMessage(kept), kept.map((w) => w.range)) };
}

/** BuildKit's LintFormatShort: `Rule: message (line N)`, the text of a build warning. */
export function lintShort(w: Warning): string {
  const line = w.range.start.line;
  return `${w.rule}: ${w.message}${line > 0 ? ` (line ${line})` : ''}`;
}
