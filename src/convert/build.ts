import {
  applyLintConfig,
  findDirective,
  lintShort,
  lintViolationMessage,
  parseDockerfile,
  parseLintOptions,
  ruleEnabled,
  type LintConfig,
  type ParsedDockerfile,
  type Warning,
} from '../dockerfile/index.js';
import { defaultPlatform, marshal, type Definition, type Platform, type State } from '../llb/index.js';
import { LocatedError, type SourceRange } from '../util/located.js';
import { initContext, localContext, readDefinition, type BuildContext, type DefinitionFile } from './buildcontext.js';
import { followPathsOf } from './contextpaths.js';
import { convert, type ConvertOptions, type ConvertResult, type ResolvedImage } from './convert.js';
import { marshalImage } from './image.js';
import { NamedContexts } from './namedcontext.js';
import { readBuildOptions, type BuildOptions } from './options.js';
import { listTargets, outline } from './outline.js';
import { normalizePlatform, platformID } from './platform.js';
import { lintResults, type LintOutcome } from './lintresult.js';
import { handleSubrequest, validateFrontendCaps } from './requests.js';

/**
 * What the builder needs from BuildKit. The gateway client satisfies it; the converter never
 * imports the gateway, so it is tested with plain objects.
 */
export interface Daemon {
  readonly caps: { readonly frontend: ReadonlySet<string>; readonly llb: ReadonlySet<string> };
  solve(req: {
    definition?: Definition;
    cacheImports?: { type: string; attrs: Record<string, string> }[];
    evaluate?: boolean;
  }): Promise<{ ref?: { id: string }; metadata?: Record<string, Uint8Array> }>;
  readFile(ref: string, path: string, range?: { offset: number; length: number }): Promise<Uint8Array>;
  /** Lists one directory of a solved ref; mode is a Go os.FileMode (directory = bit 31). */
  readDir(ref: string, path: string): Promise<{ path?: string; mode?: number; size?: number }[]>;
  resolveImageConfig(
    ref: string,
    opts: {
      platform?: Platform;
      resolveMode?: string;
      logName?: string;
      resolverType?: 'registry' | 'oci-layout';
      sessionId?: string;
      storeId?: string;
    },
  ): Promise<{ digest: string; config: Uint8Array; ref: string }>;
  /** Definitions the caller passed (`context`, `dockerfile`, named inputs); needs `frontend.inputs`. */
  inputs?(): Promise<Record<string, Definition>>;
  /** Drops the warning when the daemon lacks `gateway.warnings`. */
  warn?(message: string, detail?: { range?: SourceRange; detail?: string[]; url?: string; source?: DefinitionFile }): Promise<void>;
}

export interface FrontendInputs {
  opts: ReadonlyMap<string, string>;
  sessionId: string;
  workers: { platforms: Platform[] }[];
}

/** A build result, or (for a subrequest) metadata alone. */
export interface BuildResult {
  ref?: string;
  refs?: Record<string, string>;
  metadata: Record<string, Uint8Array>;
}

/** One platform's converted and solved result. */
export interface PlatformResult {
  result: ConvertResult;
  /** The solved ref ("" for an empty filesystem). */
  ref: string;
}

export interface FinishContext {
  daemon: Daemon;
  opts: BuildOptions;
  dockerfile: ParsedDockerfile;
  /** The platform RUN steps execute on (the first worker's), normalised. */
  buildPlatform: Platform;
  /** Marshals and solves a state the way the build's own result was solved. */
  solve(state: State): Promise<string>;
}

/**
 * Where the wasm layer plugs in without the converter knowing it: `prepare` rewrites the parsed
 * Dockerfile before conversion, `finish` inspects and may replace each solved result.
 */
export interface Extensions {
  prepare?(parsed: ParsedDockerfile, ctx: { opts: BuildOptions; buildPlatform: Platform; targets: Platform[] }): ParsedDockerfile;
  finish?(r: PlatformResult, ctx: FinishContext): Promise<PlatformResult>;
  /** Build checks of the extension on the parsed Dockerfile (before `prepare`), unfiltered. */
  checks?(parsed: ParsedDockerfile, ctx: { opts: BuildOptions; buildPlatform: Platform; targets: Platform[] }): Warning[];
}

/**
 * The whole frontend: read the inputs, answer a subrequest or convert per target platform,
 * solve, and describe the result. Reads as a list of named steps.
 */
export async function build(daemon: Daemon, inputs: FrontendInputs, ext: Extensions = {}): Promise<BuildResult> {
  const opts = readBuildOptions(inputs.opts);
  validateFrontendCaps(inputs.opts.get('frontend.caps'));
  const buildPlatform = normalizePlatform(inputs.workers[0]?.platforms[0] ?? defaultPlatform());
  const bctx = await initContext(daemon, inputs, opts);
  const { source, ignore } = await readDefinition(daemon, inputs, bctx);
  const parse = () => {
    // dockerfile2llb's toDispatchState refuses a zero-byte file before parsing, with no location
    if (source.data.length === 0) throw new Error('the Dockerfile cannot be empty');
    return withSource(source, () => parseDockerfile(Buffer.from(source.data).toString('utf8')));
  };
  const named = new NamedContexts(contextDaemon(daemon, inputs));

  const implicit = opts.platforms.length === 0;
  const targets = implicit ? [buildPlatform] : opts.platforms.map((p) => p.platform);
  const extCtx = { opts, buildPlatform, targets };
  const answered = await withSourceAsync(source, () =>
    answerSubrequest(daemon, opts, { source, parse, named, buildPlatform, implicit, targets, ext, extCtx, inputs, bctx, ignore }),
  );
  if (answered) return answered;

  const parsedText = parse();
  const checks = withSource(source, () => new CheckReporter(daemon, checkConfig(parsedText, opts), source));
  checks.reportAll(parsedText.warnings);
  checks.reportAll(withSource(source, () => ext.checks?.(parsedText, extCtx) ?? []));
  const resolveImage = memoResolver(daemon, opts.imageResolveMode);
  const parsed = ext.prepare ? withSource(source, () => ext.prepare!(parsedText, extCtx)) : parsedText;
  for (const p of opts.platforms) if (p.warning) await daemon.warn?.(p.warning, { source }).catch(() => undefined);

  const results = await Promise.all(
    targets.map(async (targetPlatform, idx) => {
      const base: Omit<ConvertOptions, 'context'> = {
        ...opts,
        dockerfile: parsed,
        targetPlatform,
        implicitTarget: implicit,
        buildPlatform,
        llbCaps: daemon.caps.llb,
        resolveImage,
        namedContexts: named.any ? named : undefined,
        dockerignore: ignore,
        // as BuildKit, checks come from the first platform's conversion only
        lint: idx === 0 ? (w) => checks.report(w) : undefined,
      };
      const r = await withSourceAsync(source, () => convertWithContext(base, bctx, inputs, ignore));
      if (idx === 0) withSource(source, () => checks.failIfConfigured());
      const solve = async (state: State) => {
        const definition = withSource(source, () => marshalFor(state, daemon, source, r.platform));
        const res = await daemon.solve({ definition, cacheImports: opts.cacheImports });
        return res.ref?.id ?? '';
      };
      let done: PlatformResult = { result: r, ref: await solve(r.state) };
      if (ext.finish) done = await withSourceAsync(source, () => ext.finish!(done, { daemon, opts, dockerfile: parsed, buildPlatform, solve }));
      return { id: platformID(done.result.platform), ref: done.ref, result: done.result };
    }),
  );
  return describeResult(results, opts.multiPlatform);
}

interface SubrequestContext {
  source: DefinitionFile;
  parse: () => ParsedDockerfile;
  named: NamedContexts;
  buildPlatform: Platform;
  implicit: boolean;
  targets: Platform[];
  ext: Extensions;
  extCtx: { opts: BuildOptions; buildPlatform: Platform; targets: Platform[] };
  inputs: FrontendInputs;
  bctx: BuildContext;
  ignore: string[];
}

/** A `requestid` answered without building; undefined when the build goes on. */
function answerSubrequest(daemon: Daemon, opts: BuildOptions, d: SubrequestContext): Promise<BuildResult | undefined> {
  return handleSubrequest(opts.requestId, {
    outline: async () => {
      const dockerfile = d.parse();
      const checks = new CheckReporter(daemon, checkConfig(dockerfile, opts), d.source);
      checks.reportAll(dockerfile.warnings);
      checks.failIfConfigured();
      return outline({
        dockerfile,
        source: d.source.data,
        target: opts.target,
        buildArgs: opts.buildArgs,
        buildPlatform: d.buildPlatform,
        isNamedContext: (name) => d.named.has(name, d.buildPlatform),
      });
    },
    targets: async () => listTargets(d.parse(), d.source.data),
    lint: async () => lintResults(await lintDockerfile(daemon, opts, d), d.source),
  });
}

/**
 * The `frontend.lint` run, as BuildKit's DockerfileLint: every check of every stage (no
 * target: all stages; with `target`, the stages it needs), base images resolved for the checks
 * that read them, nothing solved. A Dockerfile that fails to parse or convert gives the checks
 * found before the failure and the failure as `buildError`.
 */
async function lintDockerfile(daemon: Daemon, opts: BuildOptions, d: SubrequestContext): Promise<LintOutcome> {
  const found: Warning[] = [];
  const text = Buffer.from(d.source.data).toString('utf8');
  let cfg: LintConfig;
  try {
    cfg = parseLintOptions(opts.buildArgs.get('BUILDKIT_DOCKERFILE_CHECK') ?? findDirective(text, 'check') ?? '');
  } catch (err) {
    return { warnings: [], error: { message: `failed to parse check options: ${(err as Error).message}`, ranges: [] } };
  }
  const kept = () => applyLintConfig(found, cfg).warnings;
  try {
    const parsed = parseDockerfile(text, found);
    found.push(...(d.ext.checks?.(parsed, d.extCtx) ?? []));
    const prepared = d.ext.prepare ? d.ext.prepare(parsed, d.extCtx) : parsed;
    await convert({
      ...opts,
      dockerfile: prepared,
      targetPlatform: d.targets[0]!,
      implicitTarget: d.implicit,
      buildPlatform: d.buildPlatform,
      llbCaps: daemon.caps.llb,
      resolveImage: memoResolver(daemon, opts.imageResolveMode),
      namedContexts: d.named.any ? d.named : undefined,
      context: d.bctx.context ?? localContext(d.inputs, d.ignore),
      dockerignore: d.ignore,
      allStages: !opts.target,
      lint: (w) => found.push(w),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { warnings: kept(), error: { message, ranges: err instanceof LocatedError ? err.ranges : [] } };
  }
  const warnings = kept();
  if (cfg.error && warnings.length > 0) return { warnings, error: { message: lintViolationMessage(warnings), ranges: [] } };
  return { warnings };
}

/**
 * Converts against the main context. A local context is narrowed to the paths the build reads,
 * as BuildKit's filterPaths: the first conversion learns them, a second one (only when there is
 * something to narrow) uses the narrowed context; warnings come from the first alone.
 */
async function convertWithContext(base: Omit<ConvertOptions, 'context'>, bctx: BuildContext, inputs: FrontendInputs, ignore: string[]): Promise<ConvertResult> {
  if (bctx.context) return convert({ ...base, context: bctx.context });
  const paths = new Set<string>();
  const first = await convert({ ...base, context: localContext(inputs, ignore), contextPaths: paths });
  const follow = followPathsOf(paths);
  if (!follow) return first;
  return convert({ ...base, warn: undefined, lint: undefined, context: localContext(inputs, ignore, follow) });
}

/** A capability the graph needs and Ping did not list throws CapabilityError (status Unknown, located). */
function marshalFor(state: State, daemon: Daemon, source: DefinitionFile, platform: Platform): Definition {
  return marshal(state, { caps: daemon.caps.llb, sourceInfo: source, defaultPlatform: platform });
}

/** The daemon as named contexts see it. */
function contextDaemon(daemon: Daemon, inputs: FrontendInputs) {
  return {
    opts: inputs.opts,
    sessionId: inputs.sessionId,
    llbCaps: daemon.caps.llb,
    resolveImage: (ref: string, o: Parameters<Daemon['resolveImageConfig']>[1]) => daemon.resolveImageConfig(ref, o),
    solve: async (definition: Definition) => (await daemon.solve({ definition, evaluate: true })).ref?.id ?? '',
    readFile: (ref: string, path: string) => daemon.readFile(ref, path),
    inputs: () => {
      if (!daemon.inputs) return Promise.reject(new Error('frontend inputs are not supported by build server'));
      return daemon.inputs();
    },
  };
}

/** The `check` options: the BUILDKIT_DOCKERFILE_CHECK build arg, else the `# check=` directive. */
function checkConfig(parsed: ParsedDockerfile, opts: BuildOptions): LintConfig {
  return parseLintOptions(opts.buildArgs.get('BUILDKIT_DOCKERFILE_CHECK') ?? parsed.directives.check ?? '');
}

/**
 * The build's side of the checks: each check the config reports becomes a gateway warning as
 * it is found (`Rule: message (line N)`, the rule's description as detail, its URL), as BuildKit's
 * Warn callback does; with `error=true` the build fails once the first platform is converted,
 * before anything is solved, naming the rules (Linter.Error).
 */
class CheckReporter {
  private readonly reported: Warning[] = [];

  constructor(
    private readonly daemon: Daemon,
    private readonly cfg: LintConfig,
    private readonly source: DefinitionFile,
  ) {}

  report(w: Warning): void {
    if (!ruleEnabled(w.rule, this.cfg, w.local)) return;
    this.reported.push(w);
    const detail = { range: w.range, detail: [w.description], url: w.url || undefined, source: this.source };
    void this.daemon.warn?.(lintShort(w), detail).catch(() => undefined);
  }

  reportAll(ws: readonly Warning[]): void {
    for (const w of ws) this.report(w);
  }

  failIfConfigured(): void {
    if (!this.cfg.error || this.reported.length === 0) return;
    throw new LocatedError(lintViolationMessage(this.reported), this.reported.map((w) => w.range));
  }
}

/** Image configs resolved once per reference and platform, in the build's resolve mode. */
function memoResolver(daemon: Daemon, resolveMode: BuildOptions['imageResolveMode']) {
  const cache = new Map<string, Promise<ResolvedImage>>();
  return (ref: string, platform: Platform, logName: string): Promise<ResolvedImage> => {
    const key = `${ref}|${platformID(platform)}`;
    let p = cache.get(key);
    if (!p) {
      p = daemon.resolveImageConfig(ref, { platform, resolveMode, logName });
      cache.set(key, p);
    }
    return p;
  };
}

function attachSource(err: unknown, source: DefinitionFile): unknown {
  if (err instanceof LocatedError && !err.source) err.source = source;
  return err;
}

function withSource<T>(source: DefinitionFile, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw attachSource(err, source);
  }
}

async function withSourceAsync<T>(source: DefinitionFile, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw attachSource(err, source);
  }
}

function describeResult(results: { id: string; ref: string; result: ConvertResult }[], multi: boolean): BuildResult {
  if (!multi && results.length === 1) {
    const metadata: Record<string, Uint8Array> = { 'containerimage.config': marshalImage(results[0].result.image) };
    if (results[0].result.baseImage) metadata['containerimage.base.config'] = results[0].result.baseImage;
    for (const [k, v] of Object.entries(results[0].result.annotations ?? {})) metadata[`annotation.${k}`] = Buffer.from(v);
    return { ref: results[0].ref, metadata };
  }
  const metadata: Record<string, Uint8Array> = {};
  const refs: Record<string, string> = {};
  const list: { ID: string; Platform: Record<string, string> }[] = [];
  for (const r of results) {
    refs[r.id] = r.ref;
    metadata[`containerimage.config/${r.id}`] = marshalImage(r.result.image);
    if (r.result.baseImage) metadata[`containerimage.base.config/${r.id}`] = r.result.baseImage;
    for (const [k, v] of Object.entries(r.result.annotations ?? {})) metadata[`annotation-manifest[${r.id}].${k}`] = Buffer.from(v);
    const p: Record<string, string> = { architecture: r.result.platform.architecture, os: r.result.platform.os };
    if (r.result.platform.variant) p.variant = r.result.platform.variant;
    list.push({ ID: r.id, Platform: p });
  }
  metadata['refs.platforms'] = Buffer.from(JSON.stringify({ Platforms: list }));
  return { refs, metadata };
}
