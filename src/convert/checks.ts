/**
 * The build checks that need the converter's state: BuildKit runs them while it expands FROM
 * lines and dispatches instructions (dockerfile2llb convert.go, validations.go,
 * convert_expose.go). Each returns nothing and reports through `opt.lint`; none changes what is
 * built, and none throws (an expansion error is left to the dispatch that hits it).
 */
import { lint, suggest, type Instruction, type Stage, type Warning } from '../dockerfile/index.js';
import { normalizeImageRef, type Platform } from '../llb/index.js';
import { clean } from '../util/gopath.js';
import { processWordWithMatches, processWords, type LexOptions } from '../shell/index.js';
import type { SourceRange } from '../util/located.js';
import type { ConvertOptions } from './convert.js';
import type { EnvList } from './env.js';
import { IgnoreMatcher } from './ignorematch.js';
import { csvFields } from './runmount.js';
import { isWasm, normalizePlatform, parsePlatform, platformID } from './platform.js';
import type { Command, StageState } from './stage.js';

type Sink = (w: Warning) => void;
type Of<K extends Instruction['kind']> = Extract<Instruction, { kind: K }>;

/** Build args that never become environment variables; UndefinedVar ignores them. */
const NON_ENV_ARGS = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE']);

/** Words a stage's FROM line expands, with what they matched. */
interface Expanded {
  result: string;
  matched: Set<string>;
  unmatched: Set<string>;
}

function tryExpand(word: string, env: (k: string) => string | undefined, lex: LexOptions): Expanded | undefined {
  try {
    return processWordWithMatches(word, env, lex);
  } catch {
    return undefined;
  }
}

/**
 * UndefinedArgInFrom, RedundantTargetPlatform, FromPlatformFlagConstDisallowed and our
 * WasmTargetPlatformRun for one FROM line. `declared` are the global ARG names plus the
 * predefined platform args (BuildKit's unusedFromArgsCheckKeys).
 */
export function checkFrom(opt: ConvertOptions, stage: Stage, globalArgs: EnvList, declared: readonly string[]): void {
  const report = opt.lint;
  if (!report) return;
  const from = stage.from;
  const lex: LexOptions = { escapeToken: opt.dockerfile.directives.escape };
  const c = from.comments;
  const undeclared = (e: Expanded | undefined) => {
    for (const arg of e?.unmatched ?? []) {
      if (declared.includes(arg)) continue;
      report(lint.undefinedArgInFrom(arg, suggest(arg, declared), from.range, c));
    }
  };
  undeclared(tryExpand(from.image, globalArgs.getter, lex));
  if (!from.platform) return;
  const p = tryExpand(from.platform, globalArgs.getter, lex);
  undeclared(p);
  if (!p) return;
  if (p.matched.size === 1 && p.unmatched.size === 0 && p.matched.has('TARGETPLATFORM') && p.result === globalArgs.get('TARGETPLATFORM')) {
    report(lint.redundantTargetPlatform(from.platform, from.range, c));
  }
  let parsed: Platform | undefined;
  try {
    parsed = parsePlatform(p.result).platform;
  } catch {
    parsed = undefined;
  }
  if (parsed && p.matched.size === 0 && p.unmatched.size === 0) {
    const name = stage.name ?? '';
    if (!name.includes(parsed.os) && !name.includes(parsed.architecture)) {
      report(lint.fromPlatformFlagConstDisallowed(p.result, from.range, c));
    }
  }
  if (parsed && isWasm(parsed) && isWasm(opt.targetPlatform) && stage.commands.some((x) => x.kind === 'run')) {
    report(lint.wasmTargetPlatformRun(from.platform, from.range, c));
  }
}

/**
 * InvalidDefaultArgInFrom: each FROM expanded with the global ARGs' defaults alone (no build
 * args) must still be a valid image reference. `defaults` is that environment; undefined when
 * the defaults do not expand, as BuildKit then skips the check.
 */
export function checkDefaultBaseNames(opt: ConvertOptions, defaults: EnvList | undefined): void {
  if (!opt.lint || !defaults) return;
  const lex: LexOptions = { escapeToken: opt.dockerfile.directives.escape };
  for (const stage of opt.dockerfile.stages) {
    const e = tryExpand(stage.from.image, defaults.getter, lex);
    if (!e) return;
    if (e.result === 'scratch') continue;
    try {
      normalizeImageRef(e.result);
    } catch {
      opt.lint(lint.invalidDefaultArgInFrom(stage.from.image, stage.from.range));
    }
  }
}

/** InvalidBaseImagePlatform: the resolved image's os/architecture against the platform asked for. */
export function checkBaseImagePlatform(opt: ConvertOptions, name: string, expected: Platform, actual: { os?: string; architecture?: string; variant?: string }, range: SourceRange): void {
  if (!opt.lint) return;
  if (expected.os === actual.os && expected.architecture === actual.architecture) return;
  const got = normalizePlatform({ os: actual.os ?? '', architecture: actual.architecture ?? '', variant: actual.variant });
  opt.lint(lint.invalidBaseImagePlatform(name, platformID(normalizePlatform(expected)), platformID(got), range));
}

/** Per-stage trackers for MultipleInstructionsDisallowed (BuildKit's instructionTracker). */
const lastSeen = new WeakMap<StageState, Map<string, SourceRange>>();

/**
 * The checks BuildKit runs as it dispatches one instruction of a stage, against the stage's
 * state from before the instruction.
 */
export function checkInstruction(opt: ConvertOptions, s: StageState, cmd: Command, globalArgs: EnvList): void {
  const report = opt.lint;
  if (!report) return;
  const c = cmd.instruction;
  const cm = c.comments;
  const name = c.keyword ?? c.kind.toUpperCase();
  const lex: LexOptions = { escapeToken: opt.dockerfile.directives.escape };
  const expand = (word: string) => tryExpand(word, s.env.getter, lex);

  if (c.kind !== 'arg') {
    const unmatched = new Set<string>();
    for (const e of expandedWords(c, expand)) for (const k of e?.unmatched ?? []) unmatched.add(k);
    undefinedVars(report, s, unmatched, c.range, cm);
  }
  switch (c.kind) {
    case 'env':
    case 'label':
      if (c.legacy) report(lint.legacyKeyValueFormat(name, c.range, cm));
      if (c.kind === 'env') {
        for (const kv of c.pairs) secretKey(report, 'ENV', expand(kv.key)?.result ?? kv.key, c.range, cm);
      }
      return;
    case 'arg':
      return checkArg(opt, s, c, globalArgs, report);
    case 'cmd':
    case 'entrypoint':
    case 'healthcheck':
      usedOnce(report, s, name, c.kind, c.range, cm);
      if (c.kind !== 'healthcheck' && c.prependShell && !s.image.config.Shell?.length) {
        report(lint.jsonArgsRecommended(name, c.range, cm));
      }
      return;
    case 'workdir': {
      const dir = expand(c.path)?.result ?? c.path;
      const windows = (s.platform ?? opt.targetPlatform).os === 'windows';
      const abs = dir.startsWith('/') || (windows && /^([a-zA-Z]:)?[\\/]/.test(dir));
      if (!s.workdirSet && !abs) report(lint.workdirRelativePath(dir, c.range, cm));
      return;
    }
    case 'expose':
      for (const p of c.ports) {
        let words: string[];
        try {
          words = processWords(p, s.env.getter, lex);
        } catch {
          continue;
        }
        for (const w of words) exposePort(report, w, c.range, cm);
      }
      return;
    case 'copy':
    case 'add':
      if (c.kind === 'copy' && c.from) return;
      return copyIgnored(opt, c, expand, report);
    default:
      return;
  }
}

/** The words BuildKit expands before dispatching an instruction (its Expand/ExpandRaw methods). */
function expandedWords(c: Instruction, expand: (w: string) => Expanded | undefined): (Expanded | undefined)[] {
  switch (c.kind) {
    case 'env':
    case 'label':
      return c.pairs.flatMap((kv) => [expand(kv.key), expand(kv.value)]);
    case 'workdir':
      return [expand(c.path)];
    case 'user':
      return [expand(c.user)];
    case 'volume':
      return c.volumes.map(expand);
    case 'stopsignal':
      return [expand(c.signal)];
    case 'copy':
    case 'add': {
      const words = [c.chown, c.chmod, c.kind === 'add' ? c.checksum : undefined, ...c.sources, c.dest];
      return words.filter((w): w is string => w !== undefined).map(expand);
    }
    case 'run':
      // each `key=value` of each --mount, as BuildKit's parseMount expands them
      return c.mounts.flatMap((m) => {
        let fields: string[];
        try {
          fields = csvFields(m);
        } catch {
          return [];
        }
        return fields.filter((f) => f.includes('=')).map((f) => expand(f.slice(f.indexOf('=') + 1)));
      });
    default:
      return [];
  }
}

/** UndefinedVar for the names an instruction read but nothing defined (reportUnmatchedVariables). */
function undefinedVars(report: Sink, s: StageState, unmatched: Set<string>, range: SourceRange, cm?: string[]): void {
  if (unmatched.size === 0) return;
  for (const a of s.buildArgs) unmatched.delete(a.key);
  const keys = s.env.keys();
  for (const v of unmatched) {
    if (NON_ENV_ARGS.has(v)) continue;
    report(lint.undefinedVar(v, suggest(v, keys), range, cm));
  }
}

/** ARG: secret-looking names, and undefined variables in defaults, pair by pair as dispatch sets them. */
function checkArg(opt: ConvertOptions, s: StageState, c: Of<'arg'>, globalArgs: EnvList, report: Sink): void {
  const lex: LexOptions = { escapeToken: opt.dockerfile.directives.escape };
  let env = s.env;
  const declared = [...s.buildArgs];
  for (const arg of c.args) {
    secretKey(report, 'ARG', arg.key, c.range, c.comments);
    const given = opt.buildArgs.get(arg.key);
    let value: string | undefined;
    if (given !== undefined) value = given;
    else if (arg.value !== undefined) {
      const e = tryExpand(arg.value, env.getter, lex);
      if (e?.unmatched.size) {
        const unmatched = new Set(e.unmatched);
        for (const a of declared) unmatched.delete(a.key);
        const keys = env.keys();
        for (const v of unmatched) if (!NON_ENV_ARGS.has(v)) report(lint.undefinedVar(v, suggest(v, keys), c.range, c.comments));
      }
      value = e?.result;
    } else value = globalArgs.get(arg.key);
    if (value !== undefined && !NON_ENV_ARGS.has(arg.key)) env = env.set(arg.key, value);
    declared.push({ key: arg.key, value });
  }
}

function usedOnce(report: Sink, s: StageState, name: string, kind: string, range: SourceRange, cm?: string[]): void {
  let seen = lastSeen.get(s);
  if (!seen) lastSeen.set(s, (seen = new Map()));
  const prev = seen.get(kind);
  // the earlier instruction is the one that has no effect, so it is the one reported
  if (prev) report(lint.multipleInstructionsDisallowed(name, prev, cm));
  seen.set(kind, range);
}

const SECRET = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const SECRET_ALLOWED = /(?:_|^)(?:public|file|version)(?:_|$)/i;

function secretKey(report: Sink, cmd: 'ARG' | 'ENV', key: string, range: SourceRange, cm?: string[]): void {
  if (SECRET.test(key) && !SECRET_ALLOWED.test(key)) report(lint.secretsUsedInArgOrEnv(cmd, key, range, cm));
}

/** ExposeProtoCasing and ExposeInvalidFormat for one `[ip:][hostPort:]port[/proto]` word. */
function exposePort(report: Sink, raw: string, range: SourceRange, cm?: string[]): void {
  const parts = raw.split(':');
  const n = parts.length;
  const hostPort = n >= 2 ? parts[n - 2]! : '';
  const ip = n >= 3 ? parts.slice(0, n - 2).join(':') : '';
  const container = parts[n - 1]!;
  const slash = container.indexOf('/');
  const proto = slash < 0 ? 'tcp' : container.slice(slash + 1);
  if (proto !== proto.toLowerCase()) report(lint.exposeProtoCasing(raw, range, cm));
  if (ip !== '' || hostPort !== '') report(lint.exposeInvalidFormat(raw, range, cm));
}

const REMOTE = /^(?:https?:\/\/|git@|git:\/\/|ssh:\/\/)/;

/** One matcher per .dockerignore list, compiled once for all COPY/ADD of a conversion. */
const matchers = new WeakMap<readonly string[], IgnoreMatcher | null>();
function matcherOf(patterns: readonly string[] | undefined): IgnoreMatcher | undefined {
  if (!patterns) return undefined;
  let m = matchers.get(patterns);
  if (m === undefined) matchers.set(patterns, (m = IgnoreMatcher.of(patterns) ?? null));
  return m ?? undefined;
}

/** CopyIgnoredFile: a COPY or ADD source from the main context that .dockerignore excludes. */
function copyIgnored(opt: ConvertOptions, c: Of<'copy'> | Of<'add'>, expand: (w: string) => Expanded | undefined, report: Sink): void {
  const matcher = matcherOf(opt.dockerignore);
  if (!matcher) return;
  for (const raw of c.sources) {
    const src = expand(raw)?.result ?? raw;
    if (REMOTE.test(src)) continue;
    const p = clean(src);
    if ((p === '.' || p === '/') && !matcher.excludesRoot()) continue;
    const rel = p === '/' ? '/' : p.replace(/^\/+/, '');
    if (matcher.matchesOrParentMatches(rel)) report(lint.copyIgnoredFile(c.kind === 'add' ? 'Add' : 'Copy', p, c.range, c.comments));
  }
}
