/**
 * The environment gateway.v0 gives a frontend process (doc §1.3). Parsing follows the Go client
 * (`frontend/gateway/grpcclient`): an option value without `=` is a key with an empty value,
 * unparsable BUILDKIT_WORKERS means no workers. Pure: no I/O, never throws.
 */

export interface WorkerPlatform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

export interface WorkerInfo {
  id: string;
  labels: Record<string, string>;
  platforms: WorkerPlatform[];
}

export interface FrontendEnv {
  /** Frontend options, in the order of their BUILDKIT_FRONTEND_OPT_<n> index. */
  opts: Map<string, string>;
  sessionId: string;
  workers: WorkerInfo[];
  /** `buildkit` for buildkitd, `docker` for dockerd; empty when unset. */
  exportedProduct: string;
}

const OPT_PREFIX = 'BUILDKIT_FRONTEND_OPT_';

export function readFrontendEnv(env: Record<string, string | undefined> = process.env): FrontendEnv {
  return {
    opts: readOpts(env),
    sessionId: env.BUILDKIT_SESSION_ID ?? '',
    workers: parseWorkers(env.BUILDKIT_WORKERS),
    exportedProduct: env.BUILDKIT_EXPORTEDPRODUCT ?? '',
  };
}

function readOpts(env: Record<string, string | undefined>): Map<string, string> {
  const numbered: { index: number; name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(OPT_PREFIX) || value === undefined) continue;
    const suffix = name.slice(OPT_PREFIX.length);
    const index = /^\d+$/.test(suffix) ? Number(suffix) : Number.MAX_SAFE_INTEGER;
    numbered.push({ index, name, value });
  }
  numbered.sort((a, b) => a.index - b.index || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const opts = new Map<string, string>();
  for (const { value } of numbered) {
    const eq = value.indexOf('=');
    if (eq < 0) opts.set(value, '');
    else opts.set(value.slice(0, eq), value.slice(eq + 1));
  }
  return opts;
}

/** Go's encoding/json matches keys case-insensitively; so do we. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function parseWorkers(json: string | undefined): WorkerInfo[] {
  if (!json) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((w) => {
    const labels: Record<string, string> = {};
    const rawLabels = field(w, 'Labels');
    if (isObject(rawLabels)) for (const [k, v] of Object.entries(rawLabels)) labels[k] = str(v);
    const rawPlatforms = field(w, 'Platforms');
    const platforms = Array.isArray(rawPlatforms) ? rawPlatforms.filter(isObject).map(toPlatform) : [];
    return { id: str(field(w, 'ID')), labels, platforms };
  });
}

function toPlatform(p: Record<string, unknown>): WorkerPlatform {
  const out: WorkerPlatform = { os: str(field(p, 'os')), architecture: str(field(p, 'architecture')) };
  const variant = str(field(p, 'variant'));
  if (variant) out.variant = variant;
  const osVersion = str(field(p, 'os.version'));
  if (osVersion) out.osVersion = osVersion;
  const features = field(p, 'os.features');
  if (Array.isArray(features) && features.length > 0) out.osFeatures = features.map(str);
  return out;
}
