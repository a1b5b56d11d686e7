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
    noCache: opts.has('no-cache') ? new Set((opts.get('no-cache') ?? '').split(',').filter(Boolean)) : undefined,
    extraHosts: readExtraHosts(opts.get('add-hosts')),
    shmSize: readInt(opts.get('shm-size'), 'shm-size'),
    ulimits: readUlimits(opts.get('ulimit')),
    networkMode: readNetworkMode(opts.get('force-network-mode')),
    hostname: opts.get('hostname') || buildArgs.get('BUILDKIT_SANDBOX_HOSTNAME') || undefined,
    cgroupParent: opts.get('cgroup-parent') || undefined,
    cacheImports: readCacheImports(opts.get('cache-imports'), opts.get('cache-from')),
    source: opts.get('source') || undefined,
  };
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

function readInt(v: string | undefined, name: string): number {
  if (!v) return 0;
  if (!/^\d+$/.test(v)) throw new OptionError(`invalid ${name}: ${v}`);
  return Number(v);
}

/** `host=ip` pairs separated by commas (a `:` separator is accepted too, as the CLI does). */
function readExtraHosts(v: string | undefined): { host: string; ip: string }[] {
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^([^=:]+)[=:](.+)$/.exec(entry);
      if (!m) throw new OptionError(`invalid host ${entry}`);
      return { host: m[1], ip: m[2] };
    });
}

/** Docker ulimit specs `name=soft[:hard]`, comma-separated. */
function readUlimits(v: string | undefined): BuildOptions['ulimits'] {
  if (!v) return [];
  return v
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(entry.trim());
      if (!m) throw new OptionError(`invalid ulimit argument: ${entry}`);
      const soft = Number(m[2]);
      return { name: m[1], soft, hard: m[3] === undefined ? soft : Number(m[3]) };
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
