/**
 * The one way engine26-tier tests run Docker 26: scripts/ci/docker26 (Docker 26's client with
 * buildx 0.13.1, inside the trixie root of scripts/ci/engine26.sh) through execa with an argv
 * array. Paths given to it must be under /tmp, /work or this checkout (bound into the root).
 * A failed command resolves with its output; callers assert on it.
 */
import path from 'node:path';
import { execa } from 'execa';
import { FRONTEND_IMAGE, type CommandResult } from './docker.js';

export { FRONTEND_IMAGE };
export const REPO = path.resolve(__dirname, '..');
export const DOCKER26 = path.join(REPO, 'scripts/ci/docker26');
export const ENGINE26 = path.join(REPO, 'scripts/ci/engine26.sh');
export const TOOLCHAIN_IMAGE = process.env.TOOLCHAIN_IMAGE ?? 'local/wasm-toolchain:bookworm';
/** The trixie toolchain image (scripts/images/toolchain-trixie.sh): the one with Go for wasip1. */
export const TOOLCHAIN_TRIXIE_IMAGE = process.env.TOOLCHAIN_TRIXIE_IMAGE ?? 'local/wasm-toolchain:trixie';
export const NODE_IMAGE = process.env.NODE_IMAGE ?? 'local/node:20';

/**
 * Runs `docker ARGS` on Docker 26 in `cwd` (default: the checkout). `env` adds variables (bake
 * reads its HCL variables from the environment); with `extendEnv: false` it is the whole
 * environment. Exit code 125 from the wrapper itself means
 * the engine is down or `cwd` is not visible in its root (the message says which).
 */
export async function docker26(args: string[], opts: { cwd?: string; env?: Record<string, string>; extendEnv?: boolean; timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
  const r = await execa(DOCKER26, args, {
    cwd: opts.cwd ?? REPO,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    reject: false,
    timeout: opts.timeoutMs ?? 15 * 60_000,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** `scripts/ci/engine26.sh ARGS` (start, status, load IMAGE...). */
export async function engine26(args: string[]): Promise<CommandResult> {
  const r = await execa('bash', [ENGINE26, ...args], { reject: false, timeout: 15 * 60_000, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * For a beforeAll: fails with the command to run when Docker 26 is down, then loads IMAGES from
 * the host dockerd into it (skipped for images loaded before with the same id).
 */
export async function requireEngine26(images: string[]): Promise<void> {
  const s = await engine26(['status']);
  if (s.exitCode !== 0) throw new Error(`Docker 26 is not running: run scripts/ci/engine26.sh start first\n${s.stdout}${s.stderr}`);
  if (images.length === 0) return;
  const l = await engine26(['load', ...images]);
  if (l.exitCode !== 0) throw new Error(`loading ${images.join(' ')} into Docker 26 failed (are they on the host dockerd?):\n${l.stderr}`);
}

/** The run command for a wasi/wasm image on this engine: crun's WasmEdge handler, no network. */
export function crunRunArgs(image: string): string[] {
  return ['run', '--rm', '--runtime', 'crun', '--platform', 'wasi/wasm', '--annotation', 'run.oci.handler=wasm', '--network', 'none', image];
}
