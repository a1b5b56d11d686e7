/**
 * The frontend's side of the LLBBridge: a grpc-js client over the stdio bridge, shaped after
 * BuildKit's Go client (`frontend/gateway/grpcclient`).
 *
 * Invariants:
 * - one connection for the life of the process: no retries, no waitForReady, never idle;
 * - caps come only from Ping; an empty list means the frozen defaults Go assumes;
 * - a failed call rejects with a GatewayError that keeps BuildKit's status and details, so it
 *   can be handed to Return unchanged;
 * - Return is sent at most once.
 */
import * as grpc from '@grpc/grpc-js';
import type {
  Definition,
  EvaluateRequest,
  InputsResponse,
  Op,
  PingRequest,
  Platform,
  PongResponse,
  ReadDirRequest,
  ReadDirResponse,
  ReadFileRequest,
  ReadFileResponse,
  ResolveImageConfigRequest,
  ResolveImageConfigResponse,
  Result,
  ReturnRequest,
  SolveRequest,
  SolveResponse,
  SourceInfo,
  Stat,
  StatFileRequest,
  StatFileResponse,
  WarnRequest,
} from '../pb/index.js';
import type { SourceFile, SourceRange } from '../util/located.js';
import { claimStdio, openStdioBridge, type StdioBridge, type StdioStreams } from './bridge.js';
import { GatewayError, UnsupportedError, isServiceError, toStatus } from './errors.js';
import { readFrontendEnv, type FrontendEnv, type WorkerInfo, type WorkerPlatform } from './options.js';
import { decodeMessage, encodeMessage, llbBridgeServiceDefinition, type LLBBridgeMethod } from './service.js';

/** Gateway caps Go assumes when Ping lists none (`defaultCaps`, frozen). */
export const DEFAULT_FRONTEND_CAPS: readonly string[] = ['solve.base', 'solve.inlinereturn', 'resolveimage', 'readfile'];

/** LLB caps Go assumes when Ping lists none (`defaultLLBCaps`, frozen). */
export const DEFAULT_LLB_CAPS: readonly string[] = [
  'source.image', 'source.local', 'source.local.unique', 'source.local.sessionid',
  'source.local.includepatterns', 'source.local.followpaths', 'source.local.excludepatterns',
  'source.local.sharedkeyhint', 'source.git', 'source.git.keepgitdir', 'source.git.fullurl',
  'source.http', 'source.http.checksum', 'source.http.perm', 'soruce.http.uidgid',
  'source.buildop.llbfilename', 'exec.meta.base', 'exec.meta.proxyenv', 'exec.mount.bind',
  'exec.mount.cache', 'exec.mount.cache.sharing', 'exec.mount.selector', 'exec.mount.tmpfs',
  'exec.mount.secret', 'constraints', 'platform', 'meta.ignorecache', 'meta.description',
  'meta.exportcache',
];

const MiB = 1024 * 1024;

/** Channel options from doc §8.2. 2147483647 is the largest delay Node's timers accept. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 16 * MiB,
  'grpc.max_send_message_length': 16 * MiB,
  'grpc.client_idle_timeout_ms': 2147483647,
  'grpc.enable_retries': 0,
};

export const PING_TIMEOUT_MS = 15_000;

export type RefLike = string | { id: string };

export interface SolveOptions {
  /** LLB to solve; undefined or without ops means scratch. */
  definition?: Definition;
  frontend?: string;
  frontendOpt?: Record<string, string>;
  frontendInputs?: Record<string, Definition>;
  cacheImports?: { type: string; attrs: Record<string, string> }[];
  evaluate?: boolean;
}

export interface SolveResult {
  ref?: { id: string };
  refs?: Record<string, { id: string }>;
  metadata: Record<string, Uint8Array>;
}

/** What Return delivers; ref id "" is an empty filesystem, no ref at all a metadata-only result. */
export interface ReturnResult {
  ref?: string;
  refs?: Record<string, string>;
  metadata: Record<string, Uint8Array>;
}

export type ReturnOutcome = { result: ReturnResult } | { error: unknown };

export interface ResolveImageConfigOptions {
  platform?: WorkerPlatform;
  resolveMode?: string;
  logName?: string;
  /** 'oci-layout' resolves from a client-side OCI layout store (BuildKit v0.11+). */
  resolverType?: 'registry' | 'oci-layout';
  sessionId?: string;
  storeId?: string;
}

export interface ResolvedImageConfig {
  /** Manifest or index digest; empty when the daemon resolved from a local store. */
  digest: string;
  config: Uint8Array;
  /** The ref after source-policy rewriting, or the requested ref on older daemons. */
  ref: string;
}

/**
 * Where a warning points. Without `digest` the warning attaches to the output vertex of the
 * first definition solved (for a Dockerfile frontend: "load build definition", as BuildKit's
 * Dockerfile frontend does); without `source` it uses the first SourceInfo a solved definition
 * carried.
 */
export interface WarnDetail {
  range?: SourceRange;
  ranges?: SourceRange[];
  digest?: string;
  source?: SourceFile;
  detail?: string[];
  url?: string;
  /** Defaults to 1, as the Dockerfile frontend uses. */
  level?: number;
}

export interface Caps {
  frontend: ReadonlySet<string>;
  llb: ReadonlySet<string>;
}

export interface ConnectOptions {
  env?: FrontendEnv;
  /** Defaults to the process's own stdin/stdout, claimed for the protocol. */
  stdio?: StdioStreams;
  pingTimeoutMs?: number;
}

type UnaryMethod = (
  req: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => grpc.ClientUnaryCall;

const LLBBridgeClient = grpc.makeGenericClientConstructor(llbBridgeServiceDefinition, 'LLBBridge');

const idOf = (ref: RefLike): string => (typeof ref === 'string' ? ref : ref.id);

const toBuffer = (v: Uint8Array | string | undefined): Buffer =>
  v === undefined ? Buffer.alloc(0) : typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function enabledCaps(list: PongResponse['FrontendAPICaps'], defaults: readonly string[]): ReadonlySet<string> {
  if (!list || list.length === 0) return new Set(defaults);
  return new Set(list.filter((c) => c.Enabled && c.ID).map((c) => c.ID as string));
}

function toPbPlatform(p: WorkerPlatform): Platform {
  const out: Platform = { OS: p.os, Architecture: p.architecture };
  if (p.variant) out.Variant = p.variant;
  if (p.osVersion) out.OSVersion = p.osVersion;
  if (p.osFeatures?.length) out.OSFeatures = p.osFeatures;
  return out;
}

function fromPbPlatform(p: Platform): WorkerPlatform {
  const out: WorkerPlatform = { os: p.OS ?? '', architecture: p.Architecture ?? '' };
  if (p.Variant) out.variant = p.Variant;
  if (p.OSVersion) out.osVersion = p.OSVersion;
  if (p.OSFeatures?.length) out.osFeatures = p.OSFeatures;
  return out;
}

function metadataOf(m: Record<string, Uint8Array> | undefined): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(m ?? {})) out[k] = toBuffer(v);
  return out;
}

function solveResultOf(res: SolveResponse): SolveResult {
  const r: Result = res.result ?? {};
  const out: SolveResult = { metadata: metadataOf(r.metadata) };
  if (r.ref) out.ref = { id: r.ref.id ?? '' };
  else if (r.refs) {
    out.refs = {};
    for (const [k, v] of Object.entries(r.refs.refs ?? {})) out.refs[k] = { id: v.id ?? '' };
  } else if (r.refDeprecated !== undefined) out.ref = { id: r.refDeprecated };
  else if (r.refsDeprecated) {
    out.refs = {};
    for (const [k, v] of Object.entries(r.refsDeprecated.refs ?? {})) out.refs[k] = { id: v };
  } else if (res.ref !== undefined) out.ref = { id: res.ref };
  return out;
}

export class GatewayClient {
  readonly caps: Caps;
  /** Workers from Ping, or from BUILDKIT_WORKERS when Ping lists none. */
  readonly workers: readonly WorkerInfo[];
  readonly env: FrontendEnv;
  private readonly grpcClient: grpc.Client;
  private readonly bridge: StdioBridge;
  private returnSent = false;
  private readonly warnAnchor: { digest?: string; info?: SourceInfo } = {};

  private constructor(grpcClient: grpc.Client, bridge: StdioBridge, env: FrontendEnv, pong: PongResponse) {
    this.grpcClient = grpcClient;
    this.bridge = bridge;
    this.env = env;
    this.caps = {
      frontend: enabledCaps(pong.FrontendAPICaps, DEFAULT_FRONTEND_CAPS),
      llb: enabledCaps(pong.LLBCaps, DEFAULT_LLB_CAPS),
    };
    const pinged = (pong.Workers ?? []).map((w) => ({
      id: w.ID ?? '',
      labels: { ...(w.Labels ?? {}) },
      platforms: (w.platforms ?? []).map(fromPbPlatform),
    }));
    this.workers = pinged.length > 0 ? pinged : env.workers;
  }

  /** Opens the stdio bridge and pings BuildKit (15 s deadline, as the Go client). */
  static async connect(opts: ConnectOptions = {}): Promise<GatewayClient> {
    const env = opts.env ?? readFrontendEnv();
    const bridge = await openStdioBridge(opts.stdio ?? claimStdio());
    const grpcClient = new LLBBridgeClient(bridge.target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    try {
      const pong = await unary<PongResponse>(grpcClient, 'Ping', {} satisfies PingRequest, {
        deadline: Date.now() + (opts.pingTimeoutMs ?? PING_TIMEOUT_MS),
      });
      return new GatewayClient(grpcClient, bridge, env, pong);
    } catch (err) {
      grpcClient.close();
      bridge.dispose();
      throw err;
    }
  }

  /** True once Return has been put on the wire (whatever its outcome). */
  get returned(): boolean {
    return this.returnSent;
  }

  /** Resolves when the connection to BuildKit has gone. */
  get closed(): Promise<void> {
    return this.bridge.closed;
  }

  async solve(req: SolveOptions): Promise<SolveResult> {
    const def = req.definition;
    for (const md of Object.values(def?.metadata ?? {})) {
      for (const cap of Object.keys(md.caps ?? {})) {
        if (!this.caps.llb.has(cap)) {
          const product = this.env.exportedProduct || 'buildkit';
          throw new UnsupportedError(`requested feature ${cap} is not supported by build server, please update ${product}`);
        }
      }
    }
    const frontendOpt = { ...(req.frontendOpt ?? {}) };
    if (req.frontend) {
      // Go copies the caller's cache imports when it calls another frontend.
      for (const key of ['cache-imports', 'cache-from']) {
        const v = this.env.opts.get(key);
        if (v !== undefined && !(key in frontendOpt)) frontendOpt[key] = v;
      }
    }
    const pbReq: SolveRequest = {
      allowResultReturn: true,
      allowResultArrayRef: true,
    };
    if (def?.def && def.def.length > 0) {
      pbReq.Definition = def;
      this.noteWarnAnchor(def);
    }
    if (req.frontend) pbReq.Frontend = req.frontend;
    if (Object.keys(frontendOpt).length > 0) pbReq.FrontendOpt = frontendOpt;
    if (req.frontendInputs && Object.keys(req.frontendInputs).length > 0) pbReq.FrontendInputs = req.frontendInputs;
    if (req.cacheImports?.length) pbReq.CacheImports = req.cacheImports.map((c) => ({ Type: c.type, Attrs: c.attrs }));
    if (req.evaluate) pbReq.Evaluate = true;
    try {
      return solveResultOf(await this.call<SolveResponse>('Solve', pbReq));
    } catch (err) {
      throw tooLarge(err, def?.def?.length ?? 0);
    }
  }

  async readFile(ref: RefLike, path: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const req: ReadFileRequest = { Ref: idOf(ref), FilePath: path };
    if (range) req.Range = { Offset: range.offset, Length: range.length };
    const res = await this.call<ReadFileResponse>('ReadFile', req);
    return toBuffer(res.Data);
  }

  async readDir(ref: RefLike, path: string, include?: string): Promise<Stat[]> {
    const req: ReadDirRequest = { Ref: idOf(ref), DirPath: path };
    if (include) req.IncludePattern = include;
    const res = await this.call<ReadDirResponse>('ReadDir', req);
    return res.entries ?? [];
  }

  async statFile(ref: RefLike, path: string): Promise<Stat> {
    const res = await this.call<StatFileResponse>('StatFile', { Ref: idOf(ref), Path: path } satisfies StatFileRequest);
    return res.stat ?? {};
  }

  async resolveImageConfig(ref: string, opts: ResolveImageConfigOptions = {}): Promise<ResolvedImageConfig> {
    const req: ResolveImageConfigRequest = { Ref: ref };
    if (opts.platform) req.Platform = toPbPlatform(opts.platform);
    if (opts.resolveMode) req.ResolveMode = opts.resolveMode;
    if (opts.logName) req.LogName = opts.logName;
    if (opts.resolverType === 'oci-layout') req.ResolverType = 1;
    if (opts.sessionId) req.SessionID = opts.sessionId;
    if (opts.storeId) req.StoreID = opts.storeId;
    const res = await this.call<ResolveImageConfigResponse>('ResolveImageConfig', req);
    return { digest: res.Digest ?? '', config: toBuffer(res.Config), ref: res.Ref || ref };
  }

  /** Definitions the caller passed in (`context`, `dockerfile`, named inputs). */
  async inputs(): Promise<Record<string, Definition>> {
    if (!this.caps.frontend.has('frontend.inputs')) {
      throw new UnsupportedError('frontend inputs are not supported by build server');
    }
    const res = await this.call<InputsResponse>('Inputs', {});
    return res.Definitions ?? {};
  }

  /** Sends a warning; silently dropped when the daemon lacks `gateway.warnings`. */
  async warn(message: string, detail: WarnDetail = {}): Promise<void> {
    if (!this.caps.frontend.has('gateway.warnings')) return;
    const req: WarnRequest = {
      digest: detail.digest ?? this.warnAnchor.digest ?? '',
      level: detail.level ?? 1,
      short: Buffer.from(message, 'utf8'),
    };
    if (detail.detail?.length) req.detail = detail.detail.map((d) => Buffer.from(d, 'utf8'));
    if (detail.url) req.url = detail.url;
    if (detail.source) {
      req.info = { filename: detail.source.filename, data: detail.source.data };
      if (detail.source.language) req.info.language = detail.source.language;
    } else if (this.warnAnchor.info) {
      req.info = this.warnAnchor.info;
    }
    const ranges = [...(detail.range ? [detail.range] : []), ...(detail.ranges ?? [])];
    if (ranges.length > 0) {
      req.ranges = ranges.map((r) => ({
        start: { line: r.start.line, character: r.start.character },
        end: { line: r.end.line, character: r.end.character },
      }));
    }
    await this.call('Warn', req);
  }

  /** Forces evaluation: the Evaluate RPC when available, else StatFile(".") as Go does. */
  async evaluate(ref: RefLike): Promise<void> {
    const id = idOf(ref);
    if (id === '') return;
    if (this.caps.frontend.has('gateway.evaluate')) await this.call('Evaluate', { Ref: id } satisfies EvaluateRequest);
    else await this.statFile(id, '.');
  }

  /** Delivers the build's outcome. Call once; a second call fails without touching the wire. */
  async return(outcome: ReturnOutcome): Promise<void> {
    if (this.returnSent) throw new Error('gateway result is already set');
    let req: ReturnRequest;
    if ('error' in outcome) {
      req = { error: toStatus(outcome.error) };
    } else {
      const { ref, refs, metadata } = outcome.result;
      const result: Result = { metadata: metadataOf(metadata) };
      if (refs) {
        result.refs = { refs: Object.fromEntries(Object.entries(refs).map(([k, id]) => [k, { id }])) };
      } else if (ref !== undefined) {
        result.ref = { id: ref };
      }
      // neither: metadata alone, as a subrequest answers
      req = { result };
    }
    encodeMessage('moby.buildkit.v1.frontend.ReturnRequest', req); // fail here, not half-sent
    this.returnSent = true;
    await this.call('Return', req);
  }

  /** Closes the channel. The process normally exits instead. */
  close(): void {
    this.grpcClient.close();
    this.bridge.dispose();
  }

  private noteWarnAnchor(def: Definition): void {
    if (this.warnAnchor.digest === undefined) {
      try {
        const terminal = decodeMessage<Op>('pb.Op', def.def![def.def!.length - 1]!);
        const digest = terminal.inputs?.[0]?.digest;
        if (digest) this.warnAnchor.digest = digest;
      } catch {
        // not our business here: the daemon reports a malformed definition
      }
    }
    const info = def.Source?.infos?.[0];
    if (this.warnAnchor.info === undefined && info?.filename) {
      this.warnAnchor.info = { filename: info.filename, data: info.data ?? new Uint8Array() };
      if (info.language) this.warnAnchor.info.language = info.language;
    }
  }

  private call<T>(method: LLBBridgeMethod, req: object, options: grpc.CallOptions = {}): Promise<T> {
    return unary<T>(this.grpcClient, method, req, options);
  }
}

function unary<T>(client: grpc.Client, method: LLBBridgeMethod, req: object, options: grpc.CallOptions): Promise<T> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method]!;
  return new Promise<T>((resolve, reject) => {
    fn.call(client, req, new grpc.Metadata(), options, (err, res) => {
      if (err) reject(isServiceError(err) ? new GatewayError(method, err) : err);
      else resolve(res as T);
    });
  });
}

/**
 * A Solve the daemon refused as larger than its gRPC message limit (ResourceExhausted; dockerd
 * 20.10 takes 4 MiB): the message names that limit and the size of the build, and keeps the
 * daemon's text and code. The limit concerns the whole Dockerfile, not one line.
 */
function tooLarge(err: unknown, ops: number): unknown {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== 8 || !/larger than max|size larger than/i.test(err.message)) return err;
  return new Error(`the build definition (${ops} LLB ops) is larger than the daemon accepts in one gRPC message: ${err.message}; split the Dockerfile or build a target with fewer steps`, { cause: err });
}
