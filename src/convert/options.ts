import { isIP } from 'node:net';
import type { Platform } from '../llb/index.js';
import { parsePlatformList, type ParsedPlatform } from './platform.js';

/**
 * The build options the standard Dockerfile frontend reads from BUILDKIT_FRONTEND_OPT_*, typed.
 * Pure: no I/O, so every option is tested without a daemon.
 */
export interface BuildOptions {
  filename: string;
  target?: string;
  buildArgs: Map<string, string>;
  labels: Map<string, string>;
  platforms: ParsedPlatform[];
  multiPlatform: boolean;
  imageResolveMode: 'default' | 'pull' | 'local';
  /** undefined: caching on; empty set: no cache for every stage; else those stage names. */
  noCache?: Set<string>;
  extraHosts: { host: string; ip: string }[];
  shmSize: number;
  ulimits: { name: string; soft: number; hard: number }[];
  networkMode: 'sandbox' | 'host' | 'none';
  hostname?: string;
  cgroupParent?: string;
  cacheImports: { type: string; attrs: Record<string, string> }[];
  /** The `source` option: the image reference this frontend was started as. */
  source?: string;
  /** `requestid`: a subrequest (outline, targets, ...) instead of a build. */
  requestId?: string;
  /** The option that may hold a remote context URL (`contextkey`, default `context`). */
  contextKey: string;
  /** `dockerfilekey`: read the Dockerfile from this local, even when inputs carry one. */
  dockerfileKey?: string;
  /** `contextsubdir`: scope a remote or input context to this directory. */
  contextSubdir?: string;
  /** BUILDKIT_CONTEXT_KEEP_GIT_DIR for a git context. */
  keepGitDir?: boolean;
}

export class OptionError extends Error {}

export function readBuildOptions(opts: ReadonlyMap<string, string>): BuildOptions {
  const buildArgs = new Map<string, string>();
  const labels = new Map<string, string>();
  for (const [k, v] of opts) {
    if (k.startsWith('build-arg:')) buildArgs.set(k.slice('build-arg:'.length), v);
    else if (k.startsWith('label:')) labels.set(k.slice('label:'.length), v);
  }
  const platforms = parsePlatformList(opts.get('platform'));
  const multi = opts.get('multi-platform');
  const multiPlatform = multi === 'true' || buildArgs.get('BUILDKIT_MULTI_PLATFORM') === '1' || buildArgs.get('BUILDKIT_MULTI_PLATFORM') === 'true';
  if (multi === 'false' && platforms.length > 1) {
    throw new OptionError('multiple target platforms are not supported when multi-platform is false');
  }
  return {
    filename: opts.get('filename') || 'Dockerfile',
    target: opts.get('target') || undefined,
    buildArgs,
    labels,
    platforms,
    multiPlatform: multiPlatform || platforms.length > 1,
    imageResolveMode: readResolveMode(opts.get('image-resolve-mode')),
    // stage names are lowercase and matched without case, as IsNoCache's EqualFold
    noCache: opts.has('no-cache') ? new Set((opts.get('no-cache') ?? '').split(',').filter(Boolean).map((n) => n.toLowerCase())) : undefined,
    extraHosts: readExtraHosts(opts.get('add-hosts')),
    shmSize: readShmSize(opts.get('shm-size')),
    ulimits: readUlimits(opts.get('ulimit')),
    networkMode: readNetworkMode(opts.get('force-network-mode')),
    // the build arg wins over the option, as dockerui's init
    hostname: buildArgs.get('BUILDKIT_SANDBOX_HOSTNAME') || opts.get('hostname') || undefined,
    cgroupParent: opts.get('cgroup-parent') || undefined,
    cacheImports: readCacheImports(opts.get('cache-imports'), opts.get('cache-from')),
    source: opts.get('source') || undefined,
    requestId: opts.get('requestid'),
    contextKey: opts.get('contextkey') ?? 'context',
    dockerfileKey: opts.get('dockerfilekey'),
    contextSubdir: opts.get('contextsubdir'),
    keepGitDir: readGoBool(buildArgs.get('BUILDKIT_CONTEXT_KEEP_GIT_DIR')),
  };
}

/** strconv.ParseBool; undefined for anything else, which BuildKit ignores here. */
function readGoBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (/^(1|t|T|TRUE|true|True)$/.test(v)) return true;
  if (/^(0|f|F|FALSE|false|False)$/.test(v)) return false;
  return undefined;
}

function readResolveMode(v: string | undefined): BuildOptions['imageResolveMode'] {
  switch (v ?? '') {
    case '':
    case 'default':
      return 'default';
    case 'pull':
      return 'pull';
    case 'local':
      return 'local';
    default:
      throw new OptionError(`invalid image-resolve-mode: ${v}`);
  }
}

function readNetworkMode(v: string | undefined): BuildOptions['networkMode'] {
  switch (v ?? '') {
    case '':
    case 'sandbox':
    case 'default':
      return 'sandbox';
    case 'host':
      return 'host';
    case 'none':
      return 'none';
    default:
      throw new OptionError(`invalid force-network-mode: ${v}`);
  }
}

/** Bytes, as a decimal int64 (the client converts `64m`). */
function readShmSize(v: string | undefined): number {
  if (!v) return 0;
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new OptionError(`failed to parse shm size: strconv.ParseInt: parsing "${v}": invalid syntax`);
  }
  return Number(v);
}

/** `host=ip` CSV fields, lowercased, the IP validated, as dockerui's parseExtraHosts. */
function readExtraHosts(v: string | undefined): { host: string; ip: string }[] {
  if (!v) return [];
  return v.split(',').map((field) => {
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    if (eq < 0) throw new OptionError(`failed to parse additional hosts: invalid key-value pair ${field}`);
    const ip = lower.slice(eq + 1);
    if (isIP(ip) === 0) throw new OptionError(`failed to parse additional hosts: failed to parse IP ${ip}`);
    return { host: lower.slice(0, eq), ip };
  });
}

/** The names go-units' ParseUlimit knows. */
const ULIMIT_NAMES = new Set([
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime',
  'sigpending', 'stack',
]);

/** Docker ulimit specs `name=soft[:hard]`, CSV fields, as go-units' ParseUlimit. */
function readUlimits(v: string | undefined): BuildOptions['ulimits'] {
  if (!v) return [];
  return v.split(',').map((entry) => {
    const fail = (why: string) => new OptionError(`failed to parse ulimit: ${why}`);
    const eq = entry.indexOf('=');
    if (eq < 0) throw fail(`invalid ulimit argument: ${entry}`);
    const name = entry.slice(0, eq);
    if (!ULIMIT_NAMES.has(name)) throw fail(`invalid ulimit type: ${name}`);
    const [softText, hardText, extra] = entry.slice(eq + 1).split(':');
    if (extra !== undefined) throw fail(`too many limit value arguments - ${entry.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
    const int = (t: string) => {
      if (!/^[+-]?\d+$/.test(t) || !Number.isSafeInteger(Number(t))) throw fail(`strconv.ParseInt: parsing "${t}": invalid syntax`);
      return Number(t);
    };
    const soft = int(softText!);
    const hard = hardText === undefined ? soft : int(hardText);
    if (soft > hard) throw fail(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    return { name, soft, hard };
  });
}

/** Cache imports from `cache-imports` (JSON) and `cache-from` (comma list of registry refs). */
function readCacheImports(json: string | undefined, from: string | undefined): BuildOptions['cacheImports'] {
  const out: BuildOptions['cacheImports'] = [];
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new OptionError('failed to parse cache-imports: invalid JSON');
    }
    if (!Array.isArray(parsed)) throw new OptionError('failed to parse cache-imports: expected a list');
    for (const e of parsed as { Type?: string; Attrs?: Record<string, string> }[]) {
      if (e && typeof e.Type === 'string') out.push({ type: e.Type, attrs: { ...(e.Attrs ?? {}) } });
    }
  }
  for (const ref of (from ?? '').split(',')) {
    if (ref.trim()) out.push({ type: 'registry', attrs: { ref: ref.trim() } });
  }
  return out;
}

export function buildPlatformFromWorkers(workers: { platforms: Platform[] }[]): Platform | undefined {
  return workers[0]?.platforms[0];
}
