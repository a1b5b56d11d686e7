/**
 * The one way tests run docker: Debian's 20.10 client (BuildKit without buildx) through execa
 * with an argv array. A failed command resolves with its output; callers assert on it.
 */
import { execa } from 'execa';

export const DOCKER = process.env.DOCKER ?? '/usr/bin/docker';
export const FRONTEND_IMAGE = process.env.FRONTEND_IMAGE ?? 'local/wasm-frontend:dev';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function docker(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const r = await execa(DOCKER, args, {
    cwd: opts.cwd,
    env: { DOCKER_BUILDKIT: '1' },
    reject: false,
    timeout: opts.timeoutMs ?? 10 * 60_000,
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** `docker build` with plain progress; the build log is on stderr. */
export function dockerBuild(context: string, args: string[]): Promise<CommandResult> {
  return docker(['build', '--progress=plain', ...args, context]);
}
