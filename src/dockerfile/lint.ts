/**
 * BuildKit's build checks that depend only on the Dockerfile text, and the `check` options
 * (`# check=skip=...;error=true` or the BUILDKIT_DOCKERFILE_CHECK build arg) that filter them or
 * turn them into an error. The converter adds its own checks and applies the same options.
 */
import { goQuote } from '../shell/goquote.js';
import { LocatedError, type SourceRange } from '../util/located.js';

export interface Warning {
  /** BuildKit's rule name, e.g. `DuplicateStageName`. */
  rule: string;
  /** The formatted message, e.g. `Duplicate stage name "a", stage names should be unique`. */
  message: string;
  description: string;
  url: string;
  range: SourceRange;
}

const RULES = {
  StageNameCasing: ['Stage names should be lowercase', 'stage-name-casing'],
  FromAsCasing: ["The 'as' keyword should match the case of the 'from' keyword", 'from-as-casing'],
  NoEmptyContinuation: ['Empty continuation lines will become errors in a future release', 'no-empty-continuation'],
  ConsistentInstructionCasing: [
    'All commands within the Dockerfile should use the same casing (either upper or lower)',
    'consistent-instruction-casing',
  ],
  DuplicateStageName: ['Stage names should be unique', 'duplicate-stage-name'],
  ReservedStageName: ['Reserved words should not be used as stage names', 'reserved-stage-name'],
  MaintainerDeprecated: [
    'The MAINTAINER instruction is deprecated, use a label instead to define an image author',
    'maintainer-deprecated',
  ],
  LegacyKeyValueFormat: ['Legacy key/value format with whitespace separator should not be used', 'legacy-key-value-format'],
} as const;

export type ParseRule = keyof typeof RULES;

function warn(rule: ParseRule, message: string, range: SourceRange): Warning {
  const [description, slug] = RULES[rule];
  return { rule, message, description, url: `https://docs.docker.com/go/dockerfile/rule/${slug}/`, range };
}

/** Message formats of the rules, in BuildKit's words. */
export const lint = {
  stageNameCasing: (name: string, r: SourceRange) => warn('StageNameCasing', `Stage name '${name}' should be lowercase`, r),
  fromAsCasing: (from: string, as: string, r: SourceRange) =>
    warn('FromAsCasing', `'${as}' and '${from}' keywords' casing do not match`, r),
  noEmptyContinuation: (r: SourceRange) => warn('NoEmptyContinuation', 'Empty continuation line', r),
  consistentInstructionCasing: (cmd: string, casing: 'lowercase' | 'uppercase', r: SourceRange) =>
    warn('ConsistentInstructionCasing', `Command '${cmd}' should match the case of the command majority (${casing})`, r),
  duplicateStageName: (name: string, r: SourceRange) =>
    warn('DuplicateStageName', `Duplicate stage name ${goQuote(name)}, stage names should be unique`, r),
  reservedStageName: (name: string, r: SourceRange) =>
    warn('ReservedStageName', `Stage name should not use the same name as reserved stage ${goQuote(name)}`, r),
  maintainerDeprecated: (r: SourceRange) =>
    warn('MaintainerDeprecated', 'Maintainer instruction is deprecated in favor of using label', r),
  legacyKeyValueFormat: (cmd: string, r: SourceRange) =>
    warn('LegacyKeyValueFormat', `"${cmd} key=value" should be used instead of legacy "${cmd} key value" format`, r),
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
 * Drops skipped checks; with `error=true` and any check left, also returns BuildKit's failure,
 * located at every reported instruction.
 */
export function applyLintConfig(warnings: readonly Warning[], cfg: LintConfig): { warnings: Warning[]; error?: LocatedError } {
  const kept = warnings.filter((w) => !cfg.skipAll && !cfg.skip.includes(w.rule));
  if (!cfg.error || kept.length === 0) return { warnings: kept };
  const rules = [...new Set(kept.map((w) => w.rule))];
  return {
    warnings: kept,
    error: new LocatedError(`lint violation found for rules: ${rules.join(', ')}`, kept.map((w) => w.range)),
  };
}
