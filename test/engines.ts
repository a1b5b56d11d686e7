/**
 * The engines the differential suite runs on, behind one interface: the host's dockerd 20.10
 * (BuildKit v0.8, `docker build` with DOCKER_BUILDKIT=1; test/docker.ts) and Docker 26
 * (BuildKit v0.13, containerd image store, `docker buildx build` 0.13.1; test/engine26.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker, dockerBuild, type CommandResult } from './docker.js';
import { docker26, requireEngine26 } from './engine26.js';

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
 * scripts/ci/engine26.sh, through test/engine26.ts: its client runs inside the engine's root,
 * which binds /tmp and /work at the same paths, so host paths under them are the client's too.
 */
export const docker26Engine: Engine = {
  id: 'v0.13',
  label: 'Docker 26 (BuildKit v0.13, buildx)',
  docker: (args, opts) => docker26(args, opts),
  build: (context, args) => docker26(['buildx', 'build', '--progress=plain', '--provenance=false', ...args, context]),
  tagArgs: (tag) => ['--load', '-t', tag],
  mkdtemp: (prefix) => fs.mkdtempSync(path.join(os.tmpdir(), prefix)),
  resolvedFrontend: (log, ref) => log.includes(`resolve image config for docker-image://docker.io/${ref}`),
  provide: (images) => requireEngine26(images),
};

/** The engine with this id. */
export function engine(id: EngineId): Engine {
  return id === 'v0.8' ? dockerd20 : docker26Engine;
}
