/**
 * The one place that starts processes. Every call takes an argv array (never a shell string) and
 * resolves to a result; a non-zero exit or a missing program is data, not an exception, so the
 * callers (pure parsers and diagnosis) decide what it means.
 */
import { execa } from 'execa';

/**
 * capture: stdout and stderr are collected.
 * stream: the child's stdout and stderr go to ours as they come, and are also collected.
 * stream-stderr: as stream, but the child's stdout goes to our stderr, keeping our stdout free
 *   for the one JSON document of --json.
 */
export type OutputMode = 'capture' | 'stream' | 'stream-stderr';

export interface RunOptions {
  output?: OutputMode;
  /** Extra environment for the child; the rest of ours is passed through. */
  env?: Record<string, string>;
  /** Working directory of the child (default: ours). */
  cwd?: string;
  /** Bytes for the child's stdin (capture mode only; otherwise stdin is ignored or inherited). */
  input?: Uint8Array;
}

export interface RunResult {
  /** The argv that was run, program first. */
  argv: readonly string[];
  /** The process's exit code; 127 when the program could not be started. */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the program does not exist or cannot be executed (ENOENT, EACCES). */
  notFound?: boolean;
  /** The system error when the program could not be started. */
  spawnError?: string;
}

export type Runner = (argv: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** The real runner. Output is kept byte for byte (no final newline stripped) for the parsers. */
export const execaRunner: Runner = async (argv, options = {}) => {
  if (argv.length === 0) throw new Error('exec: empty argv');
  const [file, ...args] = argv;
  const mode = options.output ?? 'capture';
  const stdout = mode === 'capture' ? 'pipe' : mode === 'stream' ? (['pipe', 'inherit'] as const) : (['pipe', 2] as const);
  const stderr = mode === 'capture' ? 'pipe' : (['pipe', 'inherit'] as const);
  const result = await execa(file, args, {
    reject: false,
    ...(options.input && mode === 'capture' ? { input: options.input } : { stdin: mode === 'capture' ? ('ignore' as const) : ('inherit' as const) }),
    stdout,
    stderr,
    stripFinalNewline: false,
    env: options.env,
    extendEnv: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    windowsHide: true,
  });
  const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join('\n') : '');
  const code = (result as { code?: string }).code;
  if (code === 'ENOENT' || code === 'EACCES') {
    return { argv, exitCode: 127, stdout: '', stderr: '', notFound: true, spawnError: result.originalMessage || code };
  }
  if (result.exitCode === undefined) {
    // Killed by a signal or failed to spawn for another reason.
    return { argv, exitCode: 128, stdout: text(result.stdout), stderr: text(result.stderr), spawnError: result.originalMessage || result.shortMessage };
  }
  return { argv, exitCode: result.exitCode, stdout: text(result.stdout), stderr: text(result.stderr) };
};

/** Quotes an argv for display, as a POSIX shell would need it. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
