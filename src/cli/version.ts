/**
 * Versions of docker and buildx: parsers for `docker version --format '{{json .}}'` and
 * `docker buildx version`, and the minimums this tool needs. Pure; tested against captured output
 * (test/cli/fixtures).
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** As printed, e.g. "v0.12.1-desktop.4", "20.10.24+dfsg1". */
  raw: string;
}

/** Reads the first "MAJOR.MINOR[.PATCH]" in a version string; undefined when there is none. */
export function parseVersion(raw: string): Version | undefined {
  const m = /(?:^|[^0-9.])v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(` ${raw.trim()}`);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: raw.trim() };
}

export function compareVersions(a: Pick<Version, 'major' | 'minor' | 'patch'>, b: Pick<Version, 'major' | 'minor' | 'patch'>): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function atLeast(v: Version | undefined, min: string): boolean {
  const m = parseVersion(min);
  if (!v || !m) return false;
  return compareVersions(v, m) >= 0;
}

/**
 * Minimums, and why:
 * - docker 19.03: the first client that runs CLI plugins (buildx is one).
 * - buildx 0.10.0: `--provenance` (build turns provenance off) and `create --bootstrap`.
 * - buildx 0.13.0: `create --buildkitd-config` (older spell it `--config`) and `ls --format json`.
 * - buildx 0.18.0: `inspect` shows the builder's buildkitd.toml ("File#buildkitd.toml:").
 */
export const MIN_DOCKER = '19.03.0';
export const MIN_BUILDX = '0.10.0';
export const BUILDX_BUILDKITD_CONFIG_FLAG = '0.13.0';
export const BUILDX_LS_JSON = '0.13.0';
export const BUILDX_INSPECT_FILES = '0.18.0';

export interface DockerVersionInfo {
  client?: { version: Version | undefined; rawVersion: string; os: string; arch: string; context?: string };
  /** Missing when the daemon did not answer ("Server": null). */
  server?: { version: Version | undefined; rawVersion: string; os: string; arch: string; apiVersion?: string; components: { name: string; version: string }[] };
}

/**
 * Reads `docker version --format '{{json .}}'`. Its stdout is one JSON object even when the
 * daemon is down (then "Server" is null and the exit code is 1), so the exit code alone does not
 * tell a missing daemon from other failures. Returns undefined when stdout holds no JSON.
 */
export function parseDockerVersion(stdout: string): DockerVersionInfo | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout.trim());
  } catch {
    return undefined;
  }
  if (!isObject(doc)) return undefined;
  const out: DockerVersionInfo = {};
  const c = doc.Client;
  if (isObject(c)) {
    const rawVersion = str(c.Version);
    out.client = { version: parseVersion(rawVersion), rawVersion, os: str(c.Os), arch: str(c.Arch), context: str(c.Context) || undefined };
  }
  const s = doc.Server;
  if (isObject(s)) {
    const components = Array.isArray(s.Components)
      ? s.Components.filter(isObject).map((x) => ({ name: str(x.Name), version: str(x.Version) }))
      : [];
    const rawVersion = str(s.Version) || components.find((x) => x.name === 'Engine')?.version || '';
    out.server = {
      version: parseVersion(rawVersion),
      rawVersion,
      os: str(s.Os),
      arch: str(s.Arch),
      apiVersion: str(s.ApiVersion) || undefined,
      components,
    };
  }
  return out;
}

export interface BuildxVersion {
  /** "github.com/docker/buildx" for upstream builds. */
  pkg: string;
  version: Version | undefined;
  rawVersion: string;
  revision: string;
}

/**
 * Reads `docker buildx version`: "PACKAGE VERSION REVISION" on one line (buildx
 * commands/version.go), e.g. "github.com/docker/buildx v0.11.2 9872040b...". Distribution builds
 * vary the version ("v0.12.1-desktop.4", "v0.8.2-docker") and may omit the revision
 * ("github.com/docker/buildx 0.0.0+unknown"). Returns undefined when the line is not that shape,
 * e.g. docker's "'buildx' is not a docker command".
 */
export function parseBuildxVersion(stdout: string): BuildxVersion | undefined {
  const line = stdout.split('\n').map((l) => l.trim()).find((l) => l !== '');
  if (!line) return undefined;
  const fields = line.split(/\s+/);
  if (fields.length < 2 || !/buildx/.test(fields[0])) return undefined;
  const rawVersion = fields[1];
  let version = parseVersion(rawVersion);
  // "0.0.0+unknown" and "v0.0.0+unknown" are builds whose version was not set at link time.
  if (version && version.major === 0 && version.minor === 0 && version.patch === 0) version = undefined;
  return { pkg: fields[0], version, rawVersion, revision: fields[2] ?? '' };
}

/**
 * Tells whether a failed `docker buildx ...` failed because the plugin is not installed, from
 * docker's own messages: 20.10 prints "docker: 'buildx' is not a docker command.", 28.x prints
 * "docker: unknown command: docker buildx" (both captured on this machine, test/cli/fixtures).
 */
export function isBuildxMissing(stderr: string): boolean {
  return /'buildx' is not a docker command|unknown command:? "?docker buildx"?/.test(stderr);
}

/** Tells whether docker's stderr says the daemon did not answer. */
export function isDaemonUnreachable(stderr: string): boolean {
  return /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|connect: connection refused|dial unix .*: connect:/.test(stderr);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
