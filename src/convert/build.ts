import { applyLintConfig, parseDockerfile, parseLintOptions, type ParsedDockerfile } from '../dockerfile/index.js';
import { defaultPlatform, local, marshal, type Definition, type Platform, type State } from '../llb/index.js';
import { LocatedError } from '../util/located.js';
import { convert, type ConvertResult, type ResolvedImage } from './convert.js';
import { parseDockerignore } from './dockerignore.js';
import { marshalImage } from './image.js';
import { readBuildOptions, type BuildOptions } from './options.js';
import { normalizePlatform, platformID } from './platform.js';

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
    opts: { platform?: Platform; resolveMode?: string; logName?: string },
  ): Promise<{ digest: string; config: Uint8Array; ref: string }>;
  warn?(message: string, detail?: { range?: { start: { line: number; character: number }; end: { line: number; character: number } } }): Promise<void>;
}

export interface FrontendInputs {
  opts: ReadonlyMap<string, string>;
  sessionId: string;
  workers: { platforms: Platform[] }[];
}

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
 * The whole frontend: read the inputs, convert per target platform, solve, and describe the
 * result. Reads as a list of named steps.
 */
export async function build(daemon: Daemon, inputs: FrontendInputs, ext: Extensions = {}): Promise<BuildResult> {
  const opts = readBuildOptions(inputs.opts);
  const buildPlatform = normalizePlatform(inputs.workers[0]?.platforms[0] ?? defaultPlatform());
  const { dockerfile, source, ignore } = await readDefinition(daemon, inputs, opts);
  const parsedText = withSource(source, () => parseDockerfile(Buffer.from(source.data).toString('utf8')));
  await withSourceAsync(source, () => applyChecks(daemon, parsedText, opts));
  const context = local('context', {
    sessionId: inputs.sessionId,
    excludePatterns: ignore.length ? ignore : undefined,
    sharedKeyHint: 'context',
    customName: '[internal] load build context',
  });
  const resolveImage = memoResolver(daemon);
  const implicit = opts.platforms.length === 0;
  const targets = implicit ? [buildPlatform] : opts.platforms.map((p) => p.platform);
  const parsed = ext.prepare ? withSource(source, () => ext.prepare!(parsedText, { opts, buildPlatform, targets })) : parsedText;
  for (const p of opts.platforms) if (p.warning) await daemon.warn?.(p.warning).catch(() => undefined);

  const results = await Promise.all(
    targets.map(async (targetPlatform) => {
      const r = await withSourceAsync(source, () =>
        convert({
          ...opts,
          dockerfile: parsed,
          targetPlatform,
          implicitTarget: implicit,
          buildPlatform,
          llbCaps: daemon.caps.llb,
          context,
          resolveImage,
          warn: (message, range) => void daemon.warn?.(message, { range }).catch(() => undefined),
        }),
      );
      const solve = async (state: State) => {
        const definition = withSource(source, () => marshal(state, { caps: daemon.caps.llb, sourceInfo: source, defaultPlatform: r.platform }));
        const res = await daemon.solve({ definition, cacheImports: opts.cacheImports });
        return res.ref?.id ?? '';
      };
      let done: PlatformResult = { result: r, ref: await solve(r.state) };
      if (ext.finish) done = await withSourceAsync(source, () => ext.finish!(done, { daemon, opts, dockerfile: parsed, solve }));
      return { id: platformID(done.result.platform), ref: done.ref, result: done.result };
    }),
  );
  void dockerfile;
  return describeResult(results, opts.multiPlatform);
}

/**
 * The parser's checks, filtered by `# check=` or BUILDKIT_DOCKERFILE_CHECK: each becomes a
 * warning, or the build fails when the config says error=true. Checked before any image is
 * resolved, so a lint failure is reported at once.
 */
async function applyChecks(daemon: Daemon, parsed: ParsedDockerfile, opts: BuildOptions): Promise<void> {
  const value = opts.buildArgs.get('BUILDKIT_DOCKERFILE_CHECK') ?? parsed.directives.check ?? '';
  const cfg = parseLintOptions(value);
  const { warnings, error } = applyLintConfig(parsed.warnings, cfg);
  if (error) throw error;
  for (const w of warnings) await daemon.warn?.(w.message, { range: w.range }).catch(() => undefined);
}

interface Definitionfile {
  filename: string;
  data: Uint8Array;
  language: string;
}

/** Reads the Dockerfile (and its own .dockerignore, else the context's) as dockerui does. */
async function readDefinition(daemon: Daemon, inputs: FrontendInputs, opts: BuildOptions) {
  const filename = opts.filename;
  const dir = filename.includes('/') ? filename.slice(0, filename.lastIndexOf('/')) : '';
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  const follow = [filename, `${filename}.dockerignore`];
  if (base === 'Dockerfile') follow.push(dir ? `${dir}/dockerfile` : 'dockerfile');
  const dfSource = local('dockerfile', {
    sessionId: inputs.opts.get('local-sessionid:dockerfile') ?? inputs.sessionId,
    followPaths: follow,
    sharedKeyHint: 'dockerfile',
    customName: `[internal] load build definition from ${filename}`,
  });
  const ctxIgnore = local('context', {
    sessionId: inputs.opts.get('local-sessionid:context') ?? inputs.sessionId,
    followPaths: ['.dockerignore'],
    sharedKeyHint: 'context-.dockerignore',
    customName: '[internal] load .dockerignore',
  });
  const [dfRes, ignRes] = await Promise.all([
    daemon.solve({ definition: marshal(dfSource) }),
    daemon.solve({ definition: marshal(ctxIgnore) }),
  ]);
  const dfRef = dfRes.ref?.id ?? '';
  let data: Uint8Array;
  try {
    data = await daemon.readFile(dfRef, filename);
  } catch (err) {
    if (base === 'Dockerfile' && isNotFound(err)) {
      try {
        data = await daemon.readFile(dfRef, dir ? `${dir}/dockerfile` : 'dockerfile');
      } catch {
        throw new Error(`failed to read dockerfile: open ${filename}: no such file or directory`);
      }
    } else if (isNotFound(err)) {
      throw new Error(`failed to read dockerfile: open ${filename}: no such file or directory`);
    } else throw err;
  }
  let ignoreText: string | undefined;
  try {
    ignoreText = Buffer.from(await daemon.readFile(dfRef, `${filename}.dockerignore`)).toString('utf8');
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (ignoreText === undefined) {
    try {
      ignoreText = Buffer.from(await daemon.readFile(ignRes.ref?.id ?? '', '.dockerignore')).toString('utf8');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const source: Definitionfile = { filename, data, language: 'Dockerfile' };
  return { dockerfile: dfSource, source, ignore: ignoreText ? parseDockerignore(ignoreText) : [] };
}

function isNotFound(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /no such file or directory|not found/i.test(msg);
}

function memoResolver(daemon: Daemon) {
  const cache = new Map<string, Promise<ResolvedImage>>();
  return (ref: string, platform: Platform, logName: string): Promise<ResolvedImage> => {
    const key = `${ref}|${platformID(platform)}`;
    let p = cache.get(key);
    if (!p) {
      p = daemon.resolveImageConfig(ref, { platform, resolveMode: undefined, logName });
      cache.set(key, p);
    }
    return p;
  };
}

function attachSource(err: unknown, source: Definitionfile): unknown {
  if (err instanceof LocatedError && !err.source) err.source = source;
  return err;
}

function withSource<T>(source: Definitionfile, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw attachSource(err, source);
  }
}

async function withSourceAsync<T>(source: Definitionfile, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw attachSource(err, source);
  }
}

function describeResult(results: { id: string; ref: string; result: ConvertResult }[], multi: boolean): BuildResult {
  if (!multi && results.length === 1) {
    return { ref: results[0].ref, metadata: { 'containerimage.config': marshalImage(results[0].result.image) } };
  }
  const metadata: Record<string, Uint8Array> = {};
  const refs: Record<string, string> = {};
  const list: { ID: string; Platform: Record<string, string> }[] = [];
  for (const r of results) {
    refs[r.id] = r.ref;
    metadata[`containerimage.config/${r.id}`] = marshalImage(r.result.image);
    const p: Record<string, string> = { architecture: r.result.platform.architecture, os: r.result.platform.os };
    if (r.result.platform.variant) p.variant = r.result.platform.variant;
    list.push({ ID: r.id, Platform: p });
  }
  metadata['refs.platforms'] = Buffer.from(JSON.stringify({ Platforms: list }));
  return { refs, metadata };
}
