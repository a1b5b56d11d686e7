/**
 * The wasm-frontend command line: buildx setup for wasi/wasm builds. Bundled to dist/cli.cjs
 * (npm run build:cli) and installed as the `wasm-frontend` bin.
 *
 *   wasm-frontend builder create [flags]   a builder that advertises wasi/wasm
 *   wasm-frontend doctor [flags]           checks, each problem with its fix
 *   wasm-frontend build [flags] [CONTEXT]  docker buildx build for wasi/wasm through the frontend
 *
 * Exit codes (src/cli/errors.ts): 0 ok, 1 failed, 2 usage, 3 docker/buildx missing or too old,
 * 4 daemon down, 5 builder conflict, 70 internal error. --json prints one JSON document on stdout.
 */
import { buildSpec, runBuild } from './build.js';
import { builderCreateSpec, runBuilderCreate } from './builder.js';
import { Docker, DOCKER_ENV, dockerBinary } from './docker.js';
import { doctorSpec, runDoctor } from './doctor.js';
import { ExitCode, UsageError } from './errors.js';
import { execaRunner, type Runner } from './exec.js';
import { type CommandSpec, formatHelp, type Parsed, parseCommandArgs } from './options.js';
import { envelope, type Io, processIo, toCliError, writeError, writeJson } from './output.js';
import { suggest } from '../dockerfile/suggest.js';

export const VERSION = '0.1.0';

/** A command: its declaration, and the handler that turns parsed flags into an exit code. */
interface Command {
  spec: CommandSpec;
  run(d: Docker, io: Io, parsed: Parsed, ctx: Context): Promise<number>;
}

export interface Context {
  env: NodeJS.ProcessEnv;
  cwd: string;
  runner: Runner;
  io: Io;
}

const COMMANDS: Record<string, Command> = {
  'builder create': {
    spec: builderCreateSpec,
    run: (d, io, p, ctx) => runBuilderCreate(d, io, p.values, ctx.env, ctx.cwd),
  },
  doctor: {
    spec: doctorSpec,
    run: (d, io, p, ctx) => runDoctor(d, io, p.values, ctx.env),
  },
  build: {
    spec: buildSpec,
    run: (d, io, p, ctx) => runBuild(d, io, p.values, p.positionals, ctx.env, ctx.cwd),
  },
};

function usage(): string {
  const rows = Object.values(COMMANDS).map((c) => `  ${c.spec.name.padEnd(16)}${c.spec.summary}`);
  return [
    'Usage: wasm-frontend COMMAND [flags]',
    '',
    'Set up buildx for WebAssembly (wasi/wasm) builds with the wasm-frontend Dockerfile frontend.',
    '',
    'Commands:',
    ...rows,
    '',
    'Every command takes --json (one JSON document on stdout) and --help.',
    `The docker binary is $${DOCKER_ENV}, or "docker" from PATH.`,
    '',
    'Exit codes: 0 ok, 1 check or build failed, 2 usage error, 3 docker or buildx missing or too old,',
    '4 docker daemon not answering, 5 builder exists without wasi/wasm (use --force), 70 internal error.',
    '',
  ].join('\n');
}

/**
 * Finds the command named by the first words of argv. Flags given before the command
 * ("--json doctor") are moved after it, so they reach the command's own parsing.
 */
function resolveCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  if (first < 0) return undefined;
  const lead = argv.slice(0, first);
  const words = argv.slice(first);
  for (const n of [2, 1]) {
    const name = words.slice(0, n).join(' ');
    if (COMMANDS[name]) return { command: COMMANDS[name], rest: [...words.slice(n), ...lead] };
  }
  return undefined;
}

export async function main(argv: readonly string[], ctx: Context): Promise<number> {
  const { io } = ctx;
  const json = argv.includes('--json');
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(usage());
    return argv.length === 0 ? ExitCode.Usage : ExitCode.Ok;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    if (json) writeJson(io, { version: VERSION });
    else io.stdout(`wasm-frontend ${VERSION}\n`);
    return ExitCode.Ok;
  }
  const d = new Docker(ctx.runner, dockerBinary(ctx.env));
  const found = resolveCommand(argv);
  let name = argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ');
  try {
    if (!found) {
      const words = argv.filter((a) => !a.startsWith('-'));
      if (words[0] === 'builder') {
        name = 'builder';
        throw new UsageError(words[1] ? `unknown command: builder ${words[1]}${hint(`builder ${words[1]}`)}` : 'builder: missing subcommand (create)', { fix: 'wasm-frontend builder create --help' });
      }
      name = words[0] ?? argv[0];
      throw new UsageError(`unknown command: ${name}${hint(name)}`, { fix: 'wasm-frontend --help' });
    }
    name = found.command.spec.name;
    const parsed = parseCommandArgs(found.command.spec, found.rest);
    if (parsed.values.help) {
      io.stdout(formatHelp(found.command.spec));
      return ExitCode.Ok;
    }
    return await found.command.run(d, io, parsed, ctx);
  } catch (err) {
    const e = toCliError(err);
    writeError(io, e);
    if (json) writeJson(io, { ...envelope(name, e.exitCode, [], d.commands()), error: { message: e.message, ...(e.fix ? { fix: e.fix } : {}) } });
    return e.exitCode;
  }
}

function hint(word: string): string {
  const s = suggest(word, Object.keys(COMMANDS));
  return s ? ` (did you mean ${s}?)` : '';
}

/** True in the CommonJS bundle (dist/cli.cjs) run as a program; false when tests import this module. */
function isEntry(): boolean {
  return typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module;
}

if (isEntry()) {
  main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), runner: execaRunner, io: processIo }).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      // main catches everything; this is the last line of defence, still without a stack.
      writeError(processIo, toCliError(err));
      process.exitCode = ExitCode.Internal;
    },
  );
}
