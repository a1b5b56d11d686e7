/**
 * What the docker engine can do for wasm, read from `docker info --format '{{json .}}'`. Pure;
 * tested against output captured from Debian's docker 20.10 on this machine and against the
 * containerd-store shape buildx itself checks (util/dockerutil/client.go: a DriverStatus pair
 * ["driver-type", "io.containerd.snapshotter.v1"]).
 */

export type ImageStore = 'containerd' | 'classic' | 'unknown';

export interface EngineInfo {
  /** False when the daemon did not answer; the other fields are then empty. */
  reachable: boolean;
  /** The daemon's errors as the client reported them ("ServerErrors", or stderr). */
  errors: string[];
  serverVersion: string;
  /** Storage driver: "overlay2" (classic store), "overlayfs" (containerd snapshotter), ... */
  driver: string;
  imageStore: ImageStore;
  osType: string;
  architecture: string;
  /** Names of the runtimes the daemon knows ("runc", "io.containerd.wasmtime.v1", ...). */
  runtimes: string[];
  defaultRuntime: string;
}

/** The snapshotter type the containerd image store reports in DriverStatus. */
export const CONTAINERD_SNAPSHOTTER = 'io.containerd.snapshotter.v1';

/**
 * Reads `docker info --format '{{json .}}'`. When the daemon is down, docker 20.10 exits 0 with
 * {"ServerErrors": [...]} and docker 28 exits 1 with an all-empty document and the error on
 * stderr; both read as unreachable. Returns undefined when stdout holds no JSON object.
 */
export function parseDockerInfo(stdout: string, stderr = ''): EngineInfo | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout.trim());
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  const errors = Array.isArray(d.ServerErrors) ? d.ServerErrors.filter((e): e is string => typeof e === 'string') : [];
  const serverVersion = typeof d.ServerVersion === 'string' ? d.ServerVersion : '';
  if (errors.length === 0 && serverVersion === '' && stderr.trim() !== '') errors.push(stderr.trim());
  const reachable = errors.length === 0 && serverVersion !== '';
  const driverStatus = Array.isArray(d.DriverStatus) ? d.DriverStatus : [];
  const pairs = driverStatus.filter((p): p is [string, string] => Array.isArray(p) && p.length >= 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
  const containerd = pairs.some(([k, v]) => k === 'driver-type' && v === CONTAINERD_SNAPSHOTTER);
  const runtimes = typeof d.Runtimes === 'object' && d.Runtimes !== null ? Object.keys(d.Runtimes).sort() : [];
  return {
    reachable,
    errors,
    serverVersion,
    driver: typeof d.Driver === 'string' ? d.Driver : '',
    imageStore: !reachable ? 'unknown' : containerd ? 'containerd' : 'classic',
    osType: typeof d.OSType === 'string' ? d.OSType : '',
    architecture: typeof d.Architecture === 'string' ? d.Architecture : '',
    runtimes,
    defaultRuntime: typeof d.DefaultRuntime === 'string' ? d.DefaultRuntime : '',
  };
}

/**
 * The containerd wasm shims, by runtime name. containerd maps a runtime "io.containerd.NAME.vN"
 * to the binary "containerd-shim-NAME-vN" on its PATH (the error when it is missing: "runtime
 * \"io.containerd.wasmtime.v1\" binary not installed \"containerd-shim-wasmtime-v1\"").
 */
export const WASM_RUNTIMES = [
  'io.containerd.wasmtime.v1',
  'io.containerd.wasmedge.v1',
  'io.containerd.wasmer.v1',
  'io.containerd.wamr.v1',
  'io.containerd.spin.v2',
] as const;

export function shimBinary(runtime: string): string {
  const m = /^io\.containerd\.([a-z0-9_-]+)\.(v\d+)$/.exec(runtime);
  if (!m) throw new Error(`not a containerd runtime name: "${runtime}"`);
  return `containerd-shim-${m[1]}-${m[2]}`;
}

export function isWasmRuntime(runtime: string): boolean {
  return (WASM_RUNTIMES as readonly string[]).includes(runtime) || /^io\.containerd\.(wasm|spin|slight|lunatic|wws)/.test(runtime);
}
