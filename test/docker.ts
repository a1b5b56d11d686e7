/**
 * The one way tests run docker: through execa with an argv array. A failed command resolves
 * with its output; callers assert on it.
 *
 * Two engines: the host's dockerd 20.10 (BuildKit v0.8, Debian's 20.10 client, `docker build`
 * with DOCKER_BUILDKIT=1) and the Docker 26 engine (BuildKit v0.13, containerd image store,
 * `docker buildx build` 0.13.1) that scripts/ci brings up beside it. `docker`/`dockerBuild` are
 * the first; `engines` has both behind one interface for the tests that run on each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export const DOCKER = process.env.DOCKER ?? '/usr/bin/docker';
export const FRONTEND_IMAGE = process.env.FRONTEND_IMAGE ?? 'local/wasm-frontend:dev';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], env: Record<string, string>, opts: { cwd?: string; timeoutMs?: number }): Promise<CommandResult> {
  const r = await execa(argv[0], argv.slice(1), {
    cwd: opts.cwd,
    env,
    reject: false,
    timeout: opts.timeoutMs ?? 10 * 60_000,
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function docker(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return run([DOCKER, ...args], { DOCKER_BUILDKIT: '1' }, opts);
}

/** `docker build` with plain progress; the build log is on stderr. */
export function dockerBuild(context: string, args: string[]): Promise<CommandResult> {
  return docker(['build', '--progress=plain', ...args, context]);
}

/** Which engine: the id is what args.json keys per-engine settings by. */
export type EngineId = 'v0.8' | 'v0.13';
export const engineIds: readonly EngineId[] = ['v0.8', 'v0.13'];

/**
 * One Docker engine as the tests drive it. Paths handed to `build` (context, `-f`, secret
 * sources, output destinations) are host paths: the engine maps them to what its client sees.
 */
export interface Engine {
  id: EngineId;
  /** For messages: `dockerd 20.10 (BuildKit v0.8)`. */
  label: string;
  /** Runs the engine's docker client with these arguments (`image inspect ...`). */
  docker(args: string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
  /**
   * Builds `context` with plain progress (log on stderr): `docker build` on 20.10, `docker
   * buildx build --provenance=false` on 26 (no attestation manifest beside the image).
   */
  build(context: string, args: string[]): Promise<CommandResult>;
  /** The build arguments that put the result in the image store as `tag`. */
  tagArgs(tag: string): string[];
  /**
   * A fresh host directory the engine's client can read and write (outputs, copied build
   * contexts); removed by the caller.
   */
  mkdtemp(prefix: string): string;
  /**
   * Whether the client sees `hostPath` under the same name. When not, the build context must
   * be copied into a `mkdtemp` directory first.
   */
  sees(hostPath: string): boolean;
  /** The name the client knows `hostPath` by (throws when it cannot see it). */
  clientPath(hostPath: string): string;
  /** What the build log says when a build resolved `ref` as its frontend image. */
  resolvedFrontend(log: string, ref: string): boolean;
}

/** dockerd 20.10 on /var/run/docker.sock: BuildKit v0.8, the oldest this frontend supports. */
export const dockerd20: Engine = {
  id: 'v0.8',
  label: 'dockerd 20.10 (BuildKit v0.8)',
  docker: (args, opts) => docker(args, opts),
  build: (context, args) => dockerBuild(context, args),
  tagArgs: (tag) => ['-t', tag],
  mkdtemp: (prefix) => fs.mkdtempSync(path.join(os.tmpdir(), prefix)),
  sees: () => true,
  clientPath: (p) => p,
  resolvedFrontend: (log, ref) => log.includes(`resolve image config for docker.io/${ref}`),
};

/**
 * The Docker 26 engine (BuildKit v0.13 built in, buildx 0.13.1, containerd image store).
 * `DOCKER26` is its client command as words (default: scripts/ci/docker26, the wrapper that
 * runs the client inside the engine's root with DOCKER_HOST set); `DOCKER26_ROOT` is the
 * directory that client sees as `/` when it runs chrooted (unset: it sees the host's paths).
 */
export function docker26(): Engine {
  const client = (process.env.DOCKER26 ?? path.resolve(__dirname, '../scripts/ci/docker26')).split(' ').filter(Boolean);
  const root = process.env.DOCKER26_ROOT ? path.resolve(process.env.DOCKER26_ROOT) : undefined;
  const toClient = (p: string) => {
    if (!root) return p;
    const rel = path.relative(root, path.resolve(p));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${p} is outside the Docker 26 engine's root ${root}`);
    return '/' + rel;
  };
  // build arguments that carry host paths: map them (`-f F`, `--secret id=..,src=F`, `-o ...,dest=F`)
  const mapArgs = (args: string[]) =>
    args.map((a, i) => {
      const flag = args[i - 1];
      if (flag === '-f' || flag === '--file') return toClient(a);
      if (flag === '--secret' || flag === '-o' || flag === '--output') return a.replace(/(^|,)(src|dest)=([^,]+)/g, (_, sep, k, v) => `${sep}${k}=${toClient(v)}`);
      return a;
    });
  const cli = (args: string[], opts: { timeoutMs?: number } = {}) => run([...client, ...args], {}, opts);
  return {
    id: 'v0.13',
    label: 'Docker 26 (BuildKit v0.13, buildx)',
    docker: cli,
    build: (context, args) => cli(['buildx', 'build', '--progress=plain', '--provenance=false', ...mapArgs(args), toClient(context)]),
    tagArgs: (tag) => ['--load', '-t', tag],
    mkdtemp: (prefix) => fs.mkdtempSync(path.join(root ? path.join(root, 'tmp') : os.tmpdir(), prefix)),
    sees: (p) => !root || !path.relative(root, path.resolve(p)).startsWith('..'),
    clientPath: toClient,
    resolvedFrontend: (log, ref) => log.includes(`resolve image config for docker.io/${ref}`),
  };
}

/** The engine with this id. */
export function engine(id: EngineId): Engine {
  return id === 'v0.8' ? dockerd20 : docker26();
}
