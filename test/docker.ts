/**
 * The one way tests run docker: through execa with an argv array. A failed command resolves
 * with its output; callers assert on it.
 * This is the host's dockerd 20.10 (Debian's 20.10 client, BuildKit without buildx); Docker 26
 * is test/engine26.ts, and test/engines.ts puts both behind one interface.
 */
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
