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
 * sources, output destinations) are host paths the engine's client sees under the same name.
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
  /** A fresh directory the engine's client can read and write (outputs); removed by the caller. */
  mkdtemp(prefix: string): string;
  /**
   * Makes images of the host's dockerd (by tag) available to this engine's builds: nothing to
   * do on the host's dockerd itself; `engine26.sh load` for Docker 26 (skips an image loaded
   * before with the same id). Throws with the tool's output.
   */
  provide(images: string[]): Promise<void>;
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
  provide: async () => {},
  resolvedFrontend: (log, ref) => log.includes(`resolve image config for docker.io/${ref}`),
};

/**
 * The Docker 26 engine (BuildKit v0.13 built in, buildx 0.13.1, containerd image store) of
 * scripts/ci/engine26.sh. `DOCKER26` is its client command (default scripts/ci/docker26: the
 * client run inside the engine's root, which binds /tmp and /work at the same paths, so host
 * paths under them are the client's too). `ENGINE26` is the script that loads host images
 * into it.
 */
export function docker26(): Engine {
  const client = process.env.DOCKER26 ?? path.resolve(__dirname, '../scripts/ci/docker26');
  const cli = (args: string[], opts: { timeoutMs?: number } = {}) => run([client, ...args], {}, opts);
  return {
    id: 'v0.13',
    label: 'Docker 26 (BuildKit v0.13, buildx)',
    docker: cli,
    build: (context, args) => cli(['buildx', 'build', '--progress=plain', '--provenance=false', ...args, context]),
    tagArgs: (tag) => ['--load', '-t', tag],
    mkdtemp: (prefix) => fs.mkdtempSync(path.join(os.tmpdir(), prefix)),
    resolvedFrontend: (log, ref) => log.includes(`resolve image config for docker-image://docker.io/${ref}`),
    provide: async (images) => {
      const script = process.env.ENGINE26 ?? path.resolve(__dirname, '../scripts/ci/engine26.sh');
      const r = await run(['bash', script, 'load', ...images], {}, { timeoutMs: 15 * 60_000 });
      if (r.exitCode !== 0) throw new Error(`loading ${images.join(' ')} into Docker 26 failed:\n${r.stdout}${r.stderr}`);
    },
  };
}

/** The engine with this id. */
export function engine(id: EngineId): Engine {
  return id === 'v0.8' ? dockerd20 : docker26();
}
