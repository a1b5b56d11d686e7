/**
 * Exit codes and the one error type the CLI's commands throw. Scripts and CI branch on the exit
 * code, so a code's meaning never changes; new situations get new codes.
 */

export const ExitCode = {
  /** Everything asked for was done, or every check passed (warnings allowed). */
  Ok: 0,
  /** A check failed, verification failed, the build failed, or doctor found problems. */
  Failed: 1,
  /** The command line was wrong: unknown command or flag, missing or bad value. */
  Usage: 2,
  /** docker or docker buildx is missing, or older than the minimum. */
  Tooling: 3,
  /** The docker daemon does not answer. */
  Daemon: 4,
  /** A builder with that name exists and does not advertise wasi/wasm (rerun with --force). */
  Conflict: 5,
  /** A bug in this tool: an unexpected exception. */
  Internal: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeName(code: number): string {
  for (const [name, value] of Object.entries(ExitCode)) if (value === code) return name.toLowerCase();
  return 'unknown';
}

/**
 * An error meant for the user: a message in BuildKit's voice (lowercase, no trailing period,
 * user values quoted), the exit code, and where there is one, the exact command that fixes it.
 * The cause is kept for --json and debugging but never printed as a stack trace.
 */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly fix?: string;

  constructor(exitCode: ExitCodeValue, message: string, options?: { fix?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.fix = options?.fix;
  }
}

export class UsageError extends CliError {
  constructor(message: string, options?: { fix?: string }) {
    super(ExitCode.Usage, message, options);
    this.name = 'UsageError';
  }
}
