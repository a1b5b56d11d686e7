/**
 * The gateway test harness: plays BuildKit's side of the LLBBridge to a real, bundled frontend
 * process over its stdin/stdout, the way gateway.v0 runs it (doc §1), with dockerd 20.10's caps
 * and quirks by default.
 *
 * A grpc-js Server serves the child through `createConnectionInjector` over a Duplex made of
 * child.stdout/child.stdin (no listening socket). Every byte the child writes to stdout is also
 * checked to be HTTP/2 (`stdout` in the run).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import type {
  Definition,
  EvaluateRequest,
  Op,
  Platform,
  PongResponse,
  ReadDirRequest,
  ReadFileRequest,
  ResolveImageConfigRequest,
  Result,
  ReturnRequest,
  SolveRequest,
  SolveResponse,
  StatFileRequest,
  WarnRequest,
} from '../../src/pb/index.js';
import { describeError, type DescribedStatus } from '../../src/gateway/errors.js';
import { decodeMessage, LLB_BRIDGE_SERVICE, llbBridgeServiceDefinition } from '../../src/gateway/service.js';
import { harnessCapsDockerd2010 } from './caps.js';
import { HarnessCallError, readDir, readFile, statFile, type FolderRef } from './files.js';
import { Http2StreamCheck, type Http2StreamReport } from './h2check.js';

export { harnessCapsDockerd2010, dockerd2010WorkersJSON } from './caps.js';
export { HarnessCallError } from './files.js';
export type { Http2StreamReport } from './h2check.js';

const Code = { Unknown: 2, Unimplemented: 12 } as const;

export interface HarnessImage {
  config: object;
  /** Returned as the resolved digest; dockerd resolving from its local store sends none. */
  digest?: string;
  /** `os/arch[/variant]`. If set, resolving for any other platform fails as BuildKit does. */
  platforms?: string[];
}

export interface HarnessWorker {
  id: string;
  /** `os/arch[/variant]` */
  platforms: string[];
  labels?: Record<string, string>;
}

/** What the harness saw for one Solve. */
export interface HarnessSolve {
  definition: Definition;
  /** The definition's ops, decoded, in order, with their digests (the last is the terminal op). */
  ops: { digest: string; op: Op }[];
  frontend?: string;
  frontendOpt?: Record<string, string>;
  cacheImports: { type: string; attrs: Record<string, string> }[];
  evaluate: boolean;
  /** The ref id answered ("" for scratch); empty when the solve failed. */
  ref: string;
  /** The error message when the solve was answered with an error. */
  error?: string;
}

/** The answer an `onSolve` hook may give instead of the default. */
export type HarnessSolveReply =
  | undefined
  | void
  | { dir: string }
  | { error: { code?: number; message: string } }
  | { metadata: Record<string, Uint8Array | string> };

export interface HarnessPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface HarnessResolve {
  ref: string;
  platform?: HarnessPlatform;
  resolveMode: string;
  logName: string;
  /** Set when not 0 (registry): 1 is oci-layout (BuildKit v0.11+); with the session and store. */
  resolverType?: number;
  sessionId?: string;
  storeId?: string;
}

export interface HarnessWarning {
  digest: string;
  level: number;
  short: string;
  detail: string[];
  url: string;
  filename?: string;
  ranges: { start: { line: number; character: number }; end: { line: number; character: number } }[];
}

export interface HarnessReturned {
  result?: { ref?: string; refs?: Record<string, string>; metadata: Record<string, Buffer> };
  error?: DescribedStatus;
}

export interface HarnessOptions {
  /** The bundled frontend (a .cjs run with this Node). */
  bundle: string;
  /** Folder served for `local://context`. */
  contextDir: string;
  /** Folder served for `local://dockerfile`; defaults to contextDir. */
  dockerfileDir?: string;
  /** Folders served for other locals (`local://<name>`), e.g. named `local:` contexts. */
  locals?: Record<string, string>;
  /** Frontend options, sent as BUILDKIT_FRONTEND_OPT_<n>. */
  opts?: Record<string, string>;
  /** Image configs by normalised ref, e.g. `docker.io/library/alpine:latest`. */
  images?: Record<string, HarnessImage>;
  /** Gateway caps from Ping; default: dockerd 20.10's 17. */
  frontendCaps?: readonly string[];
  /** LLB caps from Ping; default: BuildKit v0.8.3's 42. */
  llbCaps?: readonly string[];
  /** Default: dockerd 20.10's `moby` worker, linux/amd64 and linux/386. */
  workers?: HarnessWorker[];
  /** Definitions answered by Inputs. */
  inputs?: Record<string, Definition>;
  /** Kill the process after this long (default 30 s). */
  timeoutMs?: number;
  /** Decides the answer for a solve of a definition or a frontend call. */
  onSolve?: (solve: HarnessSolve) => HarnessSolveReply | Promise<HarnessSolveReply>;
  sessionId?: string;
  /** BUILDKIT_EXPORTEDPRODUCT, default `docker`. */
  exportedProduct?: string;
  /** Extra environment (the image's ENV). */
  env?: Record<string, string>;
  /** Largest request accepted; dockerd 20.10 uses grpc-go's 4 MiB default. */
  maxRequestBytes?: number;
}

export interface HarnessRun {
  /** The first Return, decoded. */
  returned?: HarnessReturned;
  returnCount: number;
  /** Every RPC in arrival order. */
  calls: string[];
  solves: HarnessSolve[];
  resolves: HarnessResolve[];
  warnings: HarnessWarning[];
  exitCode: number;
  signal?: string;
  timedOut: boolean;
  /** The HTTP/2 server dropped the connection while the process ran; it was then killed. */
  connectionLost: boolean;
  stderr: string;
  stdout: Http2StreamReport;
  /** `start` is epoch ms at spawn; the others are ms after it. */
  timeline: { start: number; ping?: number; firstSolve?: number; returned?: number; exited?: number };
}

const DEFAULT_WORKERS: HarnessWorker[] = [{ id: 'moby', platforms: ['linux/amd64', 'linux/386'] }];

export function parsePlatform(s: string): HarnessPlatform {
  const [os = '', architecture = '', variant] = s.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: HarnessPlatform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function workersJSON(workers: HarnessWorker[]): string {
  return JSON.stringify(
    workers.map((w) => ({
      ID: w.id,
      Labels: w.labels ?? null,
      Platforms: w.platforms.map(parsePlatform),
      GCPolicy: null,
    })),
  );
}

function pbPlatform(p: HarnessPlatform): Platform {
  const out: Platform = { OS: p.os, Architecture: p.architecture };
  if (p.variant) out.Variant = p.variant;
  return out;
}

/** An opaque ref id, like BuildKit's identity.NewID (25 base-36 characters). */
function newRefId(): string {
  return BigInt(`0x${randomBytes(16).toString('hex')}`).toString(36).padStart(25, '0').slice(-25);
}

function sha256(b: Uint8Array): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

function parseJSONList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  try {
    const list = JSON.parse(v) as unknown;
    return Array.isArray(list) ? list.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/** What an offline dockerd says when an image is neither local nor reachable. */
function offlineResolveError(ref: string): string {
  const m = /^([^/]+)\/(.+?)(?:(?::([^:@/]+))?(?:@(sha256:[0-9a-f]+))?)$/.exec(ref);
  const host = m?.[1] === 'docker.io' ? 'registry-1.docker.io' : (m?.[1] ?? 'registry-1.docker.io');
  const reference = m?.[4] ?? m?.[3] ?? 'latest';
  return `${ref}: failed to do request: Head "https://${host}/v2/${m?.[2] ?? ref}/manifests/${reference}": dial tcp: lookup ${host}: no such host`;
}

/**
 * Validates a definition as BuildKit's `loadLLB` does, plus the metadata caps check. Returns the
 * decoded ops.
 */
function loadDefinition(def: Definition, llbCaps: ReadonlySet<string>, product: string): { digest: string; op: Op }[] {
  const ops = (def.def ?? []).map((bytes) => {
    let op: Op;
    try {
      op = decodeMessage<Op>('pb.Op', bytes);
    } catch (err) {
      throw new HarnessCallError(Code.Unknown, `failed to parse llb proto op: ${(err as Error).message}`);
    }
    return { digest: sha256(bytes), op };
  });
  const byDigest = new Map(ops.map((o) => [o.digest, o.op]));
  if (byDigest.size < 2) throw new HarnessCallError(Code.Unknown, `invalid LLB with ${byDigest.size} vertexes`);
  const terminal = ops[ops.length - 1]!;
  const edge = terminal.op.inputs?.[0];
  if (!edge) throw new HarnessCallError(Code.Unknown, 'invalid LLB with no inputs on last vertex');
  // An explicit stack, not recursion: a chain of thousands of stages is a graph this deep.
  const seen = new Set<string>();
  const pending = [edge.digest ?? ''];
  while (pending.length) {
    const dgst = pending.pop()!;
    if (seen.has(dgst)) continue;
    const op = byDigest.get(dgst);
    if (!op || dgst === terminal.digest) throw new HarnessCallError(Code.Unknown, `invalid missing input digest ${dgst}`);
    seen.add(dgst);
    for (const inp of op.inputs ?? []) pending.push(inp.digest ?? '');
  }
  for (const md of Object.values(def.metadata ?? {})) {
    for (const cap of Object.keys(md.caps ?? {})) {
      if (!llbCaps.has(cap)) {
        throw new HarnessCallError(Code.Unknown, `requested feature ${cap} is not supported by build server, please update ${product}`);
      }
    }
  }
  return ops;
}

/**
 * A Duplex over the child's pipes that also feeds every stdout byte to the HTTP/2 check.
 * `onServerClose` runs when the HTTP/2 server drops the connection while the child's stdout is
 * still open (BuildKit then cancels the process: "frontend grpc server closed unexpectedly").
 */
function childDuplex(child: ReturnType<typeof spawn>, check: Http2StreamCheck, onServerClose: () => void): Duplex {
  const stdout = child.stdout!;
  const stdin = child.stdin!;
  let stdoutEnded = false;
  stdin.on('error', () => {}); // EPIPE once the child is gone
  const duplex = new Duplex({
    read() {
      stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (stdin.destroyed || !stdin.writable) return cb();
      stdin.write(chunk, () => cb());
    },
    final(cb) {
      if (!stdoutEnded) onServerClose();
      cb();
    },
    destroy(err, cb) {
      if (!stdoutEnded) onServerClose();
      cb(err);
    },
  });
  stdout.on('data', (chunk: Buffer) => {
    check.feed(chunk);
    if (!duplex.push(chunk)) stdout.pause();
  });
  stdout.on('end', () => {
    stdoutEnded = true;
    duplex.push(null);
  });
  duplex.on('error', () => {});
  return duplex;
}

export async function runHarness(opts: HarnessOptions): Promise<HarnessRun> {
  const frontendCaps = new Set(opts.frontendCaps ?? harnessCapsDockerd2010.frontend);
  const llbCaps = new Set(opts.llbCaps ?? harnessCapsDockerd2010.llb);
  const workers = opts.workers ?? DEFAULT_WORKERS;
  const product = opts.exportedProduct ?? 'docker';
  const images = opts.images ?? {};
  const defaultPlatform = workers[0]?.platforms[0] ?? 'linux/amd64';

  const run: HarnessRun = {
    returnCount: 0,
    calls: [],
    solves: [],
    resolves: [],
    warnings: [],
    exitCode: -1,
    timedOut: false,
    connectionLost: false,
    stderr: '',
    stdout: { bytes: 0, frames: 0, clean: true },
    timeline: { start: 0 },
  };
  let t0 = 0;
  const since = () => Math.round((performance.now() - t0) * 100) / 100;

  // ref id → folder; null = scratch. Ids not in the map are opaque build results (empty).
  const refs = new Map<string, FolderRef | null>([['', null]]);
  const issued = new Set<string>();
  let mounts = 0;
  const folderRef = (dir: string, attrs: Record<string, string> = {}): string => {
    const id = newRefId();
    const ref: FolderRef = { dir: path.resolve(dir), daemonRoot: `/var/lib/docker/tmp/buildkit-mount${100000000 + ++mounts}` };
    const follow = parseJSONList(attrs['local.followpaths']);
    const include = parseJSONList(attrs['local.includepattern'] ?? attrs['local.includepatterns']);
    const exclude = parseJSONList(attrs['local.excludepatterns']);
    if (follow) ref.followPaths = follow;
    if (include) ref.includePatterns = include;
    if (exclude) ref.excludePatterns = exclude;
    refs.set(id, ref);
    return id;
  };
  const lookup = (id: string, p: string): FolderRef => {
    if (!refs.has(id)) {
      if (!issued.has(id)) throw new HarnessCallError(Code.Unknown, `no such ref: ${id}`);
      // an opaque build result: an empty filesystem as far as the harness knows
      return { dir: '/nonexistent-harness-ref', daemonRoot: `/var/lib/docker/tmp/buildkit-mount-${id}` };
    }
    const ref = refs.get(id);
    if (ref === null) throw new HarnessCallError(Code.Unknown, `${p} not found: file does not exist`);
    return ref!;
  };
  type Handler = (req: never) => unknown | Promise<unknown>;
  const handlers: Record<string, Handler> = {
    Ping: (): PongResponse => {
      run.timeline.ping ??= since();
      const caps = (ids: Iterable<string>) =>
        [...ids].sort().map((ID) => ({
          ID,
          Enabled: true,
          ...((harnessCapsDockerd2010.deprecated as readonly string[]).includes(ID) ? { Deprecated: true } : {}),
        }));
      return {
        FrontendAPICaps: caps(frontendCaps),
        LLBCaps: caps(llbCaps),
        Workers: workers.map((w) => ({
          ID: w.id,
          ...(w.labels ? { Labels: w.labels } : {}),
          platforms: w.platforms.map((p) => pbPlatform(parsePlatform(p))),
        })),
      };
    },

    Solve: async (req: SolveRequest): Promise<SolveResponse> => {
      run.timeline.firstSolve ??= since();
      const def = req.Definition ?? {};
      const solve: HarnessSolve = {
        definition: def,
        ops: [],
        cacheImports: (req.CacheImports ?? []).map((c) => ({ type: c.Type ?? '', attrs: { ...(c.Attrs ?? {}) } })),
        evaluate: req.Evaluate ?? false,
        ref: '',
      };
      if (req.Frontend) solve.frontend = req.Frontend;
      if (req.FrontendOpt) solve.frontendOpt = { ...req.FrontendOpt };
      run.solves.push(solve);
      const metadata: Record<string, Buffer> = {};
      try {
        const hasDef = (def.def?.length ?? 0) > 0;
        if (hasDef && req.Frontend) throw new HarnessCallError(Code.Unknown, 'cannot solve a definition and a frontend at once');
        if (hasDef) solve.ops = loadDefinition(def, llbCaps, product);
        const reply = await opts.onSolve?.(solve);
        if (reply && 'error' in reply) throw new HarnessCallError(reply.error.code ?? Code.Unknown, reply.error.message);
        if (reply && 'dir' in reply) solve.ref = folderRef(reply.dir);
        else if (!hasDef && !req.Frontend) solve.ref = '';
        else {
          const target = solve.ops.find((o) => o.digest === solve.ops[solve.ops.length - 1]?.op.inputs?.[0]?.digest);
          const source = target?.op.source;
          const local = source?.identifier?.startsWith('local://') ? source.identifier.slice('local://'.length) : undefined;
          if (local === 'context') solve.ref = folderRef(opts.contextDir, source!.attrs);
          else if (local === 'dockerfile') solve.ref = folderRef(opts.dockerfileDir ?? opts.contextDir, source!.attrs);
          else if (local !== undefined && opts.locals?.[local] !== undefined) solve.ref = folderRef(opts.locals[local]!, source!.attrs);
          else if (local !== undefined) throw new HarnessCallError(Code.Unknown, `no local directory ${local} for session`);
          else {
            solve.ref = newRefId();
            issued.add(solve.ref);
          }
        }
        if (reply && 'metadata' in reply) {
          for (const [k, v] of Object.entries(reply.metadata)) metadata[k] = Buffer.from(v);
        }
      } catch (err) {
        solve.error = (err as Error).message;
        throw err;
      }
      if (!req.allowResultReturn) return { ref: solve.ref };
      const result: Result = req.allowResultArrayRef ? { ref: { id: solve.ref } } : { refDeprecated: solve.ref };
      if (Object.keys(metadata).length > 0) result.metadata = metadata;
      return { result };
    },

    ReadFile: (req: ReadFileRequest) => ({
      Data: readFile(lookup(req.Ref ?? '', req.FilePath ?? ''), req.FilePath ?? '', req.Range),
    }),
    ReadDir: (req: ReadDirRequest) => ({
      entries: readDir(lookup(req.Ref ?? '', req.DirPath ?? ''), req.DirPath ?? '', req.IncludePattern),
    }),
    StatFile: (req: StatFileRequest) => ({ stat: statFile(lookup(req.Ref ?? '', req.Path ?? ''), req.Path ?? '') }),

    ResolveImageConfig: (req: ResolveImageConfigRequest) => {
      const ref = req.Ref ?? '';
      const rec: HarnessResolve = { ref, resolveMode: req.ResolveMode ?? '', logName: req.LogName ?? '' };
      if (req.ResolverType) rec.resolverType = req.ResolverType;
      if (req.SessionID) rec.sessionId = req.SessionID;
      if (req.StoreID) rec.storeId = req.StoreID;
      if (req.Platform) {
        rec.platform = { os: req.Platform.OS ?? '', architecture: req.Platform.Architecture ?? '' };
        if (req.Platform.Variant) rec.platform.variant = req.Platform.Variant;
      }
      run.resolves.push(rec);
      const img = images[ref];
      if (!img) throw new HarnessCallError(Code.Unknown, offlineResolveError(ref));
      const config = Buffer.from(JSON.stringify(img.config));
      const wanted = rec.platform ? formatPlatform(rec.platform) : defaultPlatform;
      if (img.platforms && !img.platforms.includes(wanted)) {
        throw new HarnessCallError(Code.Unknown, `no match for platform in manifest ${img.digest ?? sha256(config)}: not found`);
      }
      return { Digest: img.digest ?? '', Config: config };
    },

    Inputs: () => ({ Definitions: opts.inputs ?? {} }),

    Warn: (req: WarnRequest) => {
      if (!frontendCaps.has('gateway.warnings')) {
        throw new HarnessCallError(Code.Unimplemented, `unknown method Warn for service ${LLB_BRIDGE_SERVICE}`);
      }
      const w: HarnessWarning = {
        digest: req.digest ?? '',
        level: req.level ?? 0,
        short: Buffer.from(req.short ?? new Uint8Array()).toString('utf8'),
        detail: (req.detail ?? []).map((d) => Buffer.from(d).toString('utf8')),
        url: req.url ?? '',
        ranges: (req.ranges ?? []).map((r) => ({
          start: { line: r.start?.line ?? 0, character: r.start?.character ?? 0 },
          end: { line: r.end?.line ?? 0, character: r.end?.character ?? 0 },
        })),
      };
      if (req.info?.filename) w.filename = req.info.filename;
      run.warnings.push(w);
      return {};
    },

    Evaluate: (req: EvaluateRequest) => {
      if (!frontendCaps.has('gateway.evaluate')) {
        throw new HarnessCallError(Code.Unimplemented, `unknown method Evaluate for service ${LLB_BRIDGE_SERVICE}`);
      }
      lookup(req.Ref ?? '', '.');
      return {};
    },

    Return: (req: ReturnRequest) => {
      run.returnCount++;
      if (run.returned) throw new HarnessCallError(Code.Unknown, 'gateway result is already set');
      run.timeline.returned = since();
      const returned: HarnessReturned = {};
      if (req.error) returned.error = describeError(req.error);
      else {
        const r = req.result ?? {};
        const metadata: Record<string, Buffer> = {};
        for (const [k, v] of Object.entries(r.metadata ?? {})) metadata[k] = Buffer.from(v);
        const result: NonNullable<HarnessReturned['result']> = { metadata };
        if (r.ref) result.ref = r.ref.id ?? '';
        else if (r.refs) result.refs = Object.fromEntries(Object.entries(r.refs.refs ?? {}).map(([k, v]) => [k, v.id ?? '']));
        else if (r.refDeprecated !== undefined) result.ref = r.refDeprecated;
        returned.result = result;
      }
      run.returned = returned;
      return {};
    },
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxRequestBytes ?? 4 * 1024 * 1024,
    'grpc.max_send_message_length': -1,
  });
  const impl: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(llbBridgeServiceDefinition)) {
    impl[method] = ((call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      run.calls.push(method);
      Promise.resolve()
        .then(() => handlers[method]!(call.request as never))
        .then(
          (res) => cb(null, res),
          (err: unknown) => {
            const code = err instanceof HarnessCallError ? err.code : Code.Unknown;
            cb({ code, details: err instanceof Error ? err.message : String(err) }, null);
          },
        );
    }) as grpc.handleUnaryCall<unknown, unknown>;
  }
  server.addService(llbBridgeServiceDefinition, impl);
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/',
    ...(opts.env ?? {}),
    BUILDKIT_SESSION_ID: opts.sessionId ?? `harness-session-${newRefId()}`,
    BUILDKIT_WORKERS: workersJSON(workers),
    BUILDKIT_EXPORTEDPRODUCT: product,
  };
  Object.entries(opts.opts ?? {}).forEach(([k, v], i) => (env[`BUILDKIT_FRONTEND_OPT_${i}`] = `${k}=${v}`));

  const check = new Http2StreamCheck();
  run.timeline.start = Date.now();
  t0 = performance.now();
  const child = spawn(process.execPath, [path.resolve(opts.bundle)], { cwd: '/', env, stdio: ['pipe', 'pipe', 'pipe'] });
  let exited = false;
  const duplex = childDuplex(child, check, () => {
    if (exited) return;
    run.connectionLost = true;
    child.kill('SIGKILL');
  });
  injector.injectConnection(duplex);

  const stderrDone = new Promise<void>((resolve) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => (run.stderr += s));
    child.stderr!.on('end', resolve);
    child.stderr!.on('error', () => resolve());
  });
  const timer = setTimeout(() => {
    run.timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 30_000);

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    exited = true;
    clearTimeout(timer);
  });
  run.timeline.exited = since();
  run.exitCode = exit.code ?? -1;
  if (exit.signal) run.signal = exit.signal;
  await stderrDone;

  run.stdout = check.report();
  duplex.destroy();
  injector.destroy();
  server.forceShutdown();
  return run;
}
