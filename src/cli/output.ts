/**
 * Where the CLI writes. stdout carries the result (one JSON document with --json, text
 * otherwise); stderr carries progress, warnings and errors. Errors never carry stack traces.
 */
import { CliError, ExitCode, exitCodeName } from './errors.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/** The fields every --json document has; commands add theirs. */
export interface JsonEnvelope {
  command: string;
  ok: boolean;
  exitCode: number;
  /** "ok", "failed", "usage", "tooling", "daemon", "conflict", "internal". */
  status: string;
  warnings: string[];
  /** The docker calls made, argv arrays, in order. */
  commands: string[][];
  error?: { message: string; fix?: string };
}

export function envelope(command: string, exitCode: number, warnings: string[], commands: string[][]): JsonEnvelope {
  return { command, ok: exitCode === ExitCode.Ok, exitCode, status: exitCodeName(exitCode), warnings, commands };
}

export function writeJson(io: Io, doc: unknown): void {
  io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
}

export function writeWarnings(io: Io, warnings: readonly string[]): void {
  for (const w of warnings) io.stderr(`warning: ${w}\n`);
}

/** Prints an error: "wasm-frontend: <message>" and the fix on stderr. */
export function writeError(io: Io, err: { message: string; fix?: string }): void {
  io.stderr(`wasm-frontend: ${err.message}\n`);
  if (err.fix) io.stderr(`  fix: ${err.fix}\n`);
}

/** Turns anything thrown into a CliError; unexpected exceptions become exit code 70. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(ExitCode.Internal, `internal error: ${message}`, {
    fix: 'this is a bug in wasm-frontend; please report it with the command line you ran',
    cause: err,
  });
}
