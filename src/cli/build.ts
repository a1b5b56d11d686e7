/**
 * `wasm-frontend build`: `docker buildx build` for wasi/wasm with the frontend selected through
 * BUILDKIT_SYNTAX and provenance off, then the command that runs the result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildxBuildArgs, dockerRunArgs, type BuildArgs } from './argv.js';
import { builderProblem } from './builder.js';
import { DEFAULT_FRONTEND, FRONTEND_ENV, hasRegistryHost } from './doctor.js';
import { type Docker, inspectBuilder, probeEngine } from './docker.js';
import { isWasmRuntime } from './engine.js';
import { CliError, ExitCode, UsageError } from './errors.js';
import { formatArgv } from './exec.js';
import { bool, type CommandSpec, list, str, type Values } from './options.js';
import { envelope, type Io, writeJson, writeWarnings } from './output.js';
import { isWasmPlatform, normalisePlatforms, WASI_WASM } from './platforms.js';
import { preflight } from './preflight.js';

// ---- declaration

export const DEFAULT_RUNTIME = 'io.containerd.wasmtime.v1';

export const buildSpec: CommandSpec = {
  name: 'build',
  summary: 'Build a Dockerfile for wasi/wasm through the frontend (docker buildx build) and print how to run the result.',
  args: '[CONTEXT]',
  maxPositionals: 1,
  options: {
    file: { type: 'string', short: 'f', valueName: 'PATH', description: 'Dockerfile (default CONTEXT/Dockerfile)' },
    tag: { type: 'string', short: 't', multiple: true, valueName: 'NAME', description: 'image name and tag' },
    platform: { type: 'string', multiple: true, valueName: 'PLATFORM', description: `target platforms (default ${WASI_WASM}; wasm spellings are normalised)` },
    frontend: { type: 'string', valueName: 'IMAGE', description: `frontend image, passed as BUILDKIT_SYNTAX (default $${FRONTEND_ENV} or ${DEFAULT_FRONTEND})` },
    builder: { type: 'string', valueName: 'NAME', description: 'buildx builder (default: the current one)' },
    'build-arg': { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'build argument' },
    target: { type: 'string', valueName: 'STAGE', description: 'stage to build' },
    output: { type: 'string', short: 'o', multiple: true, valueName: 'SPEC', description: 'buildx output, e.g. type=local,dest=out' },
    push: { type: 'boolean', description: 'push the image (--output type=registry)' },
    load: { type: 'boolean', description: 'load the image into docker (the default when no output is given; needs the containerd image store for wasi/wasm)' },
    provenance: { type: 'boolean', description: 'keep buildx\'s default provenance attestation (off by default: it turns the image into an index runtimes may not match)' },
    runtime: { type: 'string', valueName: 'RUNTIME', description: `runtime for the printed run command (default: crun when the engine registers it and no wasm shim, else ${DEFAULT_RUNTIME})` },
    progress: { type: 'string', valueName: 'MODE', description: 'buildx --progress (auto, plain, tty, quiet)' },
    'dry-run': { type: 'boolean', description: 'print the docker buildx build command and stop' },
  },
};

// ---- core

export interface BuildOptions extends BuildArgs {
  runtime: string;
  /** --runtime was not given: pick the engine's (engineRuntime) before printing the run command. */
  runtimeFromEngine?: boolean;
  dryRun: boolean;
  /** Where relative output paths are resolved, to find the built modules. */
  cwd: string;
}

export interface BuildResult {
  argv: string[];
  /** 0 when the build succeeded (or was not run: --dry-run). */
  buildExitCode: number;
  ran: boolean;
  /** How to run the result, when there is something to run. */
  runCommand?: string;
  /** .wasm files found in a local output. */
  modules: string[];
  warnings: string[];
  hint?: string;
}

export async function runWasmBuild(d: Docker, o: BuildOptions, json: boolean): Promise<BuildResult> {
  const warnings: string[] = [];
  const argv = buildxBuildArgs(o);
  const full = [d.bin, ...argv];
  if (o.dryRun) return { argv: full, buildExitCode: 0, ran: false, modules: [], warnings, runCommand: runCommandFor(d.bin, o, []) };

  const tooling = await preflight(d, { needDaemon: false });
  warnings.push(...tooling.warnings);
  const b = await inspectBuilder(d, o.builder);
  if (!b.found) {
    if (b.missing) throw new CliError(ExitCode.Failed, `no builder "${o.builder ?? '(current)'}" found`, { fix: 'wasm-frontend builder create --use, or docker buildx ls to pick one' });
    warnings.push(`cannot inspect the builder: ${b.message}`);
  } else {
    const problem = builderProblem(b.builder);
    // The docker driver builds wasi/wasm without listing it (doctor's builder check).
    if (problem && b.builder.driver !== 'docker' && o.platforms.some(isWasmPlatform)) warnings.push(`builder "${b.builder.name}" ${problem} (run wasm-frontend doctor)`);
    if (b.builder.driver !== 'docker' && !hasRegistryHost(o.frontend)) {
      warnings.push(`frontend "${o.frontend}" is pulled from docker.io by builder "${b.builder.name}" (${b.builder.driver}), not taken from the engine's image store; pass --frontend REGISTRY/wasm-frontend:TAG`);
    }
  }

  const result = await d.run(argv, { output: json ? 'stream-stderr' : 'stream' });
  if (result.exitCode === 0 && o.runtimeFromEngine && !(o.outputs ?? []).some((s) => localDest(s) !== undefined)) {
    o = { ...o, runtime: await engineRuntime(d, o.runtime) };
  }
  const modules = result.exitCode === 0 ? findModules(o) : [];
  let hint: string | undefined;
  if (/operating system is not supported/.test(result.stderr)) {
    hint = 'this docker engine\'s image store cannot hold wasi/wasm images: export with -o type=local,dest=out, push with --push, or enable the containerd image store (wasm-frontend doctor)';
  }
  return {
    argv: full,
    buildExitCode: result.exitCode,
    ran: true,
    modules,
    warnings,
    ...(hint ? { hint } : {}),
    ...(result.exitCode === 0 ? { runCommand: runCommandFor(d.bin, o, modules) } : {}),
  };
}

/**
 * The runtime for the printed run command when --runtime was not given: "crun" when the engine
 * registers a runtime of that name and no wasm shim (Debian trixie's Docker 26 with crun
 * +WASM:wasmedge, as scripts/ci/engine26.sh sets it up), else `fallback`.
 */
async function engineRuntime(d: Docker, fallback: string): Promise<string> {
  const e = await probeEngine(d).catch(() => undefined);
  if (!e?.ok) return fallback;
  const runtimes = e.value.runtimes;
  return runtimes.includes('crun') && !runtimes.some(isWasmRuntime) ? 'crun' : fallback;
}

/** The command that runs the result: docker run on a wasm shim for images, wasmtime for files. */
export function runCommandFor(bin: string, o: Pick<BuildOptions, 'platforms' | 'tags' | 'outputs' | 'push' | 'load' | 'runtime'>, modules: readonly string[]): string | undefined {
  const wasm = o.platforms.some(isWasmPlatform);
  const image = o.tags?.[0];
  const local = (o.outputs ?? []).find((s) => localDest(s) !== undefined);
  if (local !== undefined) {
    if (modules.length > 0) return formatArgv(['wasmtime', 'run', modules[0]]);
    return undefined;
  }
  const imageOutput = o.push || o.load || (o.outputs ?? []).length === 0 || (o.outputs ?? []).some((s) => /(^|,)type=(image|registry|docker)(,|$)/.test(s));
  if (!imageOutput) return undefined;
  const ref = image ?? 'IMAGE';
  if (!wasm) return formatArgv([bin, 'run', '--rm', ref]);
  return formatArgv([bin, ...dockerRunArgs(ref, { runtime: o.runtime, platform: WASI_WASM })]);
}

/** dest of "type=local,dest=D", or a bare "D" (buildx reads a plain path as a local output). */
export function localDest(spec: string): string | undefined {
  if (!spec.includes('=')) return spec === '-' ? undefined : spec;
  const fields = Object.fromEntries(spec.split(',').map((kv) => { const i = kv.indexOf('='); return [kv.slice(0, i), kv.slice(i + 1)]; }));
  return fields.type === 'local' ? fields.dest : undefined;
}

function findModules(o: Pick<BuildOptions, 'outputs' | 'cwd'>): string[] {
  const out: string[] = [];
  for (const spec of o.outputs ?? []) {
    const dest = localDest(spec);
    if (!dest) continue;
    const root = path.resolve(o.cwd, dest);
    const walk = (dir: string, depth: number) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(dir, e.name);
        if (e.isFile() && e.name.endsWith('.wasm')) out.push(path.relative(o.cwd, p) || p);
        else if (e.isDirectory() && depth < 3) walk(p, depth + 1);
      }
    };
    walk(root, 0);
  }
  return out;
}

// ---- handler

export function buildOptionsFromFlags(values: Values, positionals: string[], env: NodeJS.ProcessEnv, cwd: string): { options: BuildOptions; warnings: string[] } {
  const requested = list(values.platform);
  const { platforms, warnings } = normalisePlatforms(requested.length > 0 ? requested : [WASI_WASM]);
  const outputs = list(values.output);
  const push = bool(values.push);
  let load = bool(values.load);
  if (!push && !load && outputs.length === 0) load = true;
  for (const a of list(values['build-arg'])) {
    if (!a.includes('=')) throw new UsageError(`--build-arg: "${a}" is not KEY=VALUE`);
    if (a.startsWith('BUILDKIT_SYNTAX=')) throw new UsageError('--build-arg BUILDKIT_SYNTAX: use --frontend to choose the frontend');
  }
  const frontend = str(values.frontend) ?? (env[FRONTEND_ENV] || DEFAULT_FRONTEND);
  if (frontend.trim() === '') throw new UsageError('--frontend: empty image reference');
  return {
    options: {
      context: positionals[0] ?? '.',
      platforms,
      frontend,
      builder: str(values.builder),
      file: str(values.file),
      tags: list(values.tag),
      buildArgs: list(values['build-arg']),
      target: str(values.target),
      outputs,
      push,
      load,
      provenance: bool(values.provenance),
      progress: str(values.progress),
      runtime: str(values.runtime) ?? DEFAULT_RUNTIME,
      runtimeFromEngine: str(values.runtime) === undefined,
      dryRun: bool(values['dry-run']),
      cwd,
    },
    warnings,
  };
}

export async function runBuild(d: Docker, io: Io, values: Values, positionals: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const { options, warnings } = buildOptionsFromFlags(values, positionals, env, cwd);
  const json = bool(values.json);
  const result = await runWasmBuild(d, options, json);
  const all = [...warnings, ...result.warnings];
  const code = result.buildExitCode === 0 ? ExitCode.Ok : ExitCode.Failed;
  if (json) {
    const doc = { ...envelope(buildSpec.name, code, all, d.commands()), build: { ...result, warnings: undefined } };
    if (code !== ExitCode.Ok) doc.error = { message: `docker buildx build failed with exit code ${result.buildExitCode}`, ...(result.hint ? { fix: result.hint } : {}) };
    writeJson(io, doc);
    return code;
  }
  writeWarnings(io, all);
  if (!result.ran) {
    io.stdout(`${formatArgv(result.argv)}\n`);
    return ExitCode.Ok;
  }
  if (code !== ExitCode.Ok) {
    io.stderr(`wasm-frontend: docker buildx build failed with exit code ${result.buildExitCode}\n`);
    if (result.hint) io.stderr(`  fix: ${result.hint}\n`);
    return code;
  }
  if (result.modules.length > 0) io.stdout(`modules: ${result.modules.join(', ')}\n`);
  if (result.runCommand) io.stdout(`run it:  ${result.runCommand}\n`);
  return code;
}
