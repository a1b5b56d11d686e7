import { applyLintConfig, parseDockerfile, parseLintOptions, type ParsedDockerfile } from '../dockerfile/index.js';
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

  const answered = await withSourceAsync(source, () => answerSubrequest(daemon, opts, { source, parse, named, buildPlatform }));
  if (answered) return answered;

  const parsedText = parse();
  await withSourceAsync(source, () => applyChecks(daemon, parsedText, opts, source));
  const resolveImage = memoResolver(daemon, opts.imageResolveMode);
  const implicit = opts.platforms.length === 0;
  const targets = implicit ? [buildPlatform] : opts.platforms.map((p) => p.platform);
  const parsed = ext.prepare ? withSource(source, () => ext.prepare!(parsedText, { opts, buildPlatform, targets })) : parsedText;
  for (const p of opts.platforms) if (p.warning) await daemon.warn?.(p.warning, { source }).catch(() => undefined);

  const results = await Promise.all(
    targets.map(async (targetPlatform) => {
      const base: Omit<ConvertOptions, 'context'> = {
        ...opts,
        dockerfile: parsed,
        targetPlatform,
        implicitTarget: implicit,
        buildPlatform,
        llbCaps: daemon.caps.llb,
        resolveImage,
        namedContexts: named.any ? named : undefined,
        warn: (message, range) => void daemon.warn?.(message, { range, source }).catch(() => undefined),
      };
      const r = await withSourceAsync(source, () => convertWithContext(base, bctx, inputs, ignore));
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

/** A `requestid` answered from the Dockerfile alone; undefined when the build goes on. */
function answerSubrequest(
  daemon: Daemon,
  opts: BuildOptions,
  d: { source: DefinitionFile; parse: () => ParsedDockerfile; named: NamedContexts; buildPlatform: Platform },
): Promise<BuildResult | undefined> {
  return handleSubrequest(opts.requestId, {
    outline: async () => {
      const dockerfile = d.parse();
      await applyChecks(daemon, dockerfile, opts, d.source);
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
  });
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
  return convert({ ...base, warn: undefined, context: localContext(inputs, ignore, follow) });
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

/**
 * The parser's checks, filtered by `# check=` or BUILDKIT_DOCKERFILE_CHECK: each becomes a
 * warning, or the build fails when the config says error=true. Checked before any image is
 * resolved, so a lint failure is reported at once. Warnings read as BuildKit's
 * (`Rule: message (line N)`, the rule's description as detail, its URL).
 */
async function applyChecks(daemon: Daemon, parsed: ParsedDockerfile, opts: BuildOptions, source: DefinitionFile): Promise<void> {
  const value = opts.buildArgs.get('BUILDKIT_DOCKERFILE_CHECK') ?? parsed.directives.check ?? '';
  const cfg = parseLintOptions(value);
  const { warnings, error } = applyLintConfig(parsed.warnings, cfg);
  if (error) throw error;
  for (const w of warnings) {
    const line = w.range.start.line;
    const short = `${w.rule}: ${w.message}${line > 0 ? ` (line ${line})` : ''}`;
    await daemon.warn?.(short, { range: w.range, detail: [w.description], url: w.url, source }).catch(() => undefined);
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
