/**
 * `wasm-frontend doctor`: is this machine set up to build and run wasi/wasm images, and if not,
 * the exact fix for each problem. Gathering (docker calls, PATH) is separate from diagnosis: the
 * diagnosis is a pure function from parsed facts to checks, tested as a table over fixtures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { builderProblem } from './builder.js';
import { type Docker, firstLine, inspectBuilder, listBuilders, probeBuildx, probeDockerVersion, probeEngine } from './docker.js';
import { isWasmRuntime, shimBinary, WASM_RUNTIMES, type EngineInfo } from './engine.js';
import { ExitCode } from './errors.js';
import type { InspectedBuilder } from './inspect.js';
import { platformNames } from './inspect.js';
import type { ListedBuilder } from './ls.js';
import { type CommandSpec, str, type Values } from './options.js';
import { envelope, type Io, writeJson } from './output.js';
import { includesWasm, WASI_WASM } from './platforms.js';
import { FIX_INSTALL_BUILDX, FIX_INSTALL_DOCKER, FIX_START_DAEMON } from './preflight.js';
import { atLeast, BUILDX_BUILDKITD_CONFIG_FLAG, MIN_BUILDX, MIN_DOCKER, parseVersion, type BuildxVersion, type DockerVersionInfo } from './version.js';

// ---- declaration

export const DEFAULT_FRONTEND = 'local/wasm-frontend:dev';
/** The image --probe imports and removes again. */
export const PROBE_IMAGE = 'wasm-frontend-probe:doctor';
export const FRONTEND_ENV = 'WASM_FRONTEND_IMAGE';

export const doctorSpec: CommandSpec = {
  name: 'doctor',
  summary: 'Check docker, buildx, the builder, the image store and the wasm shims, and print the fix for each problem.',
  maxPositionals: 0,
  options: {
    builder: { type: 'string', valueName: 'NAME', description: 'check this builder instead of the current one' },
    frontend: { type: 'string', valueName: 'IMAGE', description: `the frontend image builds will use (default $${FRONTEND_ENV} or ${DEFAULT_FRONTEND})` },
    probe: { type: 'boolean', description: `run each wasm run command for real: import a ${PROBE_IMAGE} image (a 41-byte WASI module), docker run it, remove it` },
  },
  details: `Exit codes: 0 no check failed (warnings allowed), 1 a check failed, 3 docker or buildx missing
or too old, 4 the docker daemon does not answer.`,
};

// ---- diagnosis (pure)

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export type CheckId = 'docker' | 'daemon' | 'buildx' | 'builder' | 'image-store' | 'shims' | 'frontend';

export interface Check {
  id: CheckId;
  status: CheckStatus;
  summary: string;
  fix?: string;
}

export interface ShimFinding {
  runtime: string;
  binary: string;
  /** Where it was found on PATH. */
  path?: string;
}

export interface DoctorInputs {
  docker: { found: false; message: string } | { found: true; version: DockerVersionInfo; daemonError?: string };
  buildx?: { installed: false; message: string; tooling: boolean } | { installed: true; version: BuildxVersion };
  engine?: { info: EngineInfo } | { error: string };
  /** The builder checked: the current one or --builder. */
  builder?: { builder: InspectedBuilder } | { error: string };
  /** All builders, to point at one that advertises wasi/wasm. */
  builders?: ListedBuilder[];
  shims: ShimFinding[];
  frontend: string;
  /** --probe: each run command tried on a probe image, and what happened. */
  probes?: RunProbe[];
}

/** One run command tried by --probe: `command` with IMAGE for the image; `error` when it failed. */
export interface RunProbe {
  command: string;
  ok: boolean;
  error?: string;
}

export function diagnose(i: DoctorInputs): Check[] {
  return [checkDocker(i), checkDaemon(i), checkBuildx(i), checkBuilder(i), checkImageStore(i), checkShims(i), checkFrontend(i)];
}

function checkDocker(i: DoctorInputs): Check {
  if (!i.docker.found) return { id: 'docker', status: 'fail', summary: i.docker.message, fix: FIX_INSTALL_DOCKER };
  const c = i.docker.version.client!;
  if (c.version && !atLeast(c.version, MIN_DOCKER)) {
    return { id: 'docker', status: 'fail', summary: `docker ${c.rawVersion} is older than ${MIN_DOCKER}, the first to run CLI plugins such as buildx`, fix: FIX_INSTALL_DOCKER };
  }
  return { id: 'docker', status: 'ok', summary: `docker client ${c.rawVersion}${c.context ? ` (context "${c.context}")` : ''}` };
}

function checkDaemon(i: DoctorInputs): Check {
  if (!i.docker.found) return { id: 'daemon', status: 'skip', summary: 'no docker client' };
  const s = i.docker.version.server;
  if (!s) return { id: 'daemon', status: 'fail', summary: i.docker.daemonError || 'the docker daemon does not answer', fix: FIX_START_DAEMON };
  return { id: 'daemon', status: 'ok', summary: `Docker Engine ${s.rawVersion} on ${s.os}/${s.arch}` };
}

function checkBuildx(i: DoctorInputs): Check {
  if (!i.buildx) return { id: 'buildx', status: 'skip', summary: 'no docker client' };
  if (!i.buildx.installed) return { id: 'buildx', status: 'fail', summary: i.buildx.message, fix: FIX_INSTALL_BUILDX };
  const v = i.buildx.version;
  if (!v.version) return { id: 'buildx', status: 'warn', summary: `buildx ${v.rawVersion} reports no usable version; assuming a recent one`, fix: FIX_INSTALL_BUILDX };
  if (!atLeast(v.version, MIN_BUILDX)) {
    return { id: 'buildx', status: 'fail', summary: `buildx ${v.rawVersion} is older than ${MIN_BUILDX} (needed for --provenance and create --bootstrap)`, fix: FIX_INSTALL_BUILDX };
  }
  if (!atLeast(v.version, BUILDX_BUILDKITD_CONFIG_FLAG)) {
    return { id: 'buildx', status: 'warn', summary: `buildx ${v.rawVersion} works, but ${BUILDX_BUILDKITD_CONFIG_FLAG}+ is recommended (create --buildkitd-config, ls --format json)`, fix: FIX_INSTALL_BUILDX };
  }
  return { id: 'buildx', status: 'ok', summary: `buildx ${v.rawVersion}` };
}

function checkBuilder(i: DoctorInputs): Check {
  if (!i.buildx || !i.buildx.installed) return { id: 'builder', status: 'skip', summary: 'no buildx' };
  if (!i.builder) return { id: 'builder', status: 'skip', summary: 'not checked' };
  const create = 'wasm-frontend builder create --use';
  if ('error' in i.builder) return { id: 'builder', status: 'fail', summary: `cannot inspect the builder: ${i.builder.error}`, fix: create };
  const b = i.builder.builder;
  const problem = builderProblem(b);
  if (!problem) {
    const platforms = [...new Set(b.nodes.flatMap((n) => platformNames(n.platforms)))];
    return { id: 'builder', status: 'ok', summary: `builder "${b.name}" (${b.driver}) advertises ${WASI_WASM}: ${platforms.join(', ')}` };
  }
  if (b.driver === 'docker') {
    // The docker driver builds wasi/wasm without listing it (tested on Docker 26.1 / BuildKit
    // v0.13): the frontend runs RUN steps on the build platform and writes the module image itself.
    return { id: 'builder', status: 'ok', summary: `builder "${b.name}" (docker) builds ${WASI_WASM} through the frontend (it ${problem}, which the docker driver does not need)` };
  }
  const other = (i.builders ?? []).find((x) => x.name !== b.name && !x.error && x.nodes.length > 0 && x.nodes.every((n) => !n.error && includesWasm(n.platforms)));
  if (other) {
    return { id: 'builder', status: 'warn', summary: `builder "${b.name}" (${b.driver}) ${problem}; builder "${other.name}" does`, fix: `docker buildx use ${other.name} (or pass --builder ${other.name} to builds)` };
  }
  return { id: 'builder', status: 'fail', summary: `builder "${b.name}" (${b.driver}) ${problem}, and no other builder does`, fix: create };
}

function checkImageStore(i: DoctorInputs): Check {
  if (!i.engine) return { id: 'image-store', status: 'skip', summary: 'no docker client' };
  if ('error' in i.engine) return { id: 'image-store', status: 'skip', summary: `docker info failed: ${i.engine.error}` };
  const e = i.engine.info;
  if (e.imageStore === 'containerd') return { id: 'image-store', status: 'ok', summary: `containerd image store (${e.driver}): wasi/wasm images can be loaded (--load) and run` };
  const engine = parseVersion(e.serverVersion);
  const enable = 'set { "features": { "containerd-snapshotter": true } } in /etc/docker/daemon.json and restart dockerd (Docker Desktop: Settings > General > "Use containerd for pulling and storing images")';
  return {
    id: 'image-store',
    status: 'warn',
    summary: `classic image store (${e.driver || 'unknown driver'}): --load and docker run of wasi/wasm images fail with "operating system is not supported"; export with -o type=local,dest=out or push instead`,
    fix: engine && !atLeast(engine, '24.0.0') ? `upgrade Docker Engine ${e.serverVersion} to 24 or newer, then ${enable}` : enable,
  };
}

function checkShims(i: DoctorInputs): Check {
  const found = i.shims.filter((s) => s.path);
  const runtimes = i.engine && 'info' in i.engine ? i.engine.info.runtimes : [];
  const registered = runtimes.filter(isWasmRuntime);
  if (i.probes && i.probes.length > 0) {
    const ok = i.probes.filter((p) => p.ok);
    const failed = i.probes.filter((p) => !p.ok).map((p) => `${p.command}: ${p.error}`);
    if (ok.length > 0) {
      return { id: 'shims', status: 'ok', summary: `ran a wasi/wasm image with: ${ok.map((p) => p.command).join('; ')}${failed.length ? ` (failed: ${failed.join('; ')})` : ''}` };
    }
    return { id: 'shims', status: 'fail', summary: `no run command worked: ${failed.join('; ')}`, fix: CRUN_FIX };
  }
  if (runtimes.includes('crun') && found.length === 0 && registered.length === 0) {
    return {
      id: 'shims',
      status: 'ok',
      summary: `runtime "crun" is registered: ${CRUN_COMMAND} runs core modules when crun has a wasm handler (\`crun --version\` on the engine's host shows +WASM:...); --probe tries it`,
    };
  }
  const engine = i.engine && 'info' in i.engine ? parseVersion(i.engine.info.serverVersion) : undefined;
  const old = engine && !atLeast(engine, '23.0.0') ? ` (Docker Engine ${engine.raw} takes --runtime=io.containerd.* names only from 23.0 on)` : '';
  if (found.length > 0 || registered.length > 0) {
    const parts = [
      ...found.map((s) => `${s.runtime} (${s.path})`),
      ...registered.filter((r) => !found.some((s) => s.runtime === r)).map((r) => `${r} (registered with the engine)`),
    ];
    return { id: 'shims', status: old ? 'warn' : 'ok', summary: `wasm shims: ${parts.join(', ')}${old}`, ...(old ? { fix: 'upgrade Docker Engine to 23 or newer' } : {}) };
  }
  return {
    id: 'shims',
    status: 'warn',
    summary: `no wasm shim on PATH (${i.shims.map((s) => s.binary).join(', ')}): images build, but docker run --runtime=io.containerd.wasmtime.v1 cannot start them here${old}`,
    fix: 'install containerd-shim-wasmtime-v1 from https://github.com/containerd/runwasi/releases into a directory on dockerd\'s PATH (e.g. /usr/local/bin), then: docker run --rm --runtime=io.containerd.wasmtime.v1 --platform=wasi/wasm IMAGE',
  };
}

/** The crun command of the run hints (src/wasm/runhints.ts), with IMAGE for the image. */
export const CRUN_COMMAND = 'docker run --rm --runtime crun --platform wasi/wasm --annotation run.oci.handler=wasm IMAGE';
const CRUN_FIX = 'register a crun built with a wasm handler in /etc/docker/daemon.json ("runtimes": {"crun": {"path": "/usr/bin/crun"}}; Debian trixie\'s crun has +WASM:wasmedge) and restart dockerd, or install a runwasi shim';

function checkFrontend(i: DoctorInputs): Check {
  if (!i.builder || 'error' in i.builder) return { id: 'frontend', status: 'skip', summary: `frontend "${i.frontend}": builder not known` };
  const b = i.builder.builder;
  if (b.driver === 'docker') return { id: 'frontend', status: 'ok', summary: `frontend "${i.frontend}": the docker driver resolves it from the engine's image store or a registry` };
  if (!hasRegistryHost(i.frontend)) {
    return {
      id: 'frontend',
      status: 'warn',
      summary: `frontend "${i.frontend}" means docker.io/${i.frontend.includes('/') ? i.frontend : `library/${i.frontend}`}; builder "${b.name}" (${b.driver}) pulls it from there, not from the engine's image store`,
      fix: 'push the frontend to a registry the builder can reach (REGISTRY=ghcr.io/OWNER docker buildx bake frontend --push) and build with --frontend / BUILDKIT_SYNTAX set to that image',
    };
  }
  return { id: 'frontend', status: 'ok', summary: `frontend "${i.frontend}" is pulled from its registry by builder "${b.name}"` };
}

/** Whether an image reference names its registry ("ghcr.io/x/y", "localhost:5000/y"), as docker's reference parsing decides it. */
export function hasRegistryHost(ref: string): boolean {
  const first = ref.split('/')[0];
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/** The exit code for a list of checks: tooling (3) before daemon (4) before any failure (1). */
export function doctorExitCode(checks: readonly Check[]): number {
  const failed = (id: CheckId) => checks.some((c) => c.id === id && c.status === 'fail');
  if (failed('docker') || failed('buildx')) return ExitCode.Tooling;
  if (failed('daemon')) return ExitCode.Daemon;
  if (checks.some((c) => c.status === 'fail')) return ExitCode.Failed;
  return ExitCode.Ok;
}

// ---- gathering

/** Finds each wasm shim binary on a PATH string. */
export function findShims(pathEnv: string, isExecutable: (p: string) => boolean = defaultIsExecutable): ShimFinding[] {
  const dirs = pathEnv.split(path.delimiter).filter((p) => p !== '');
  return WASM_RUNTIMES.map((runtime) => {
    const binary = shimBinary(runtime);
    const hit = dirs.map((dir) => path.join(dir, binary)).find((p) => isExecutable(p));
    return hit ? { runtime, binary, path: hit } : { runtime, binary };
  });
}

function defaultIsExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export async function gatherDoctorInputs(d: Docker, o: { builder?: string; frontend: string; pathEnv: string; probe?: boolean }): Promise<DoctorInputs> {
  const shims = findShims(o.pathEnv);
  const dv = await probeDockerVersion(d);
  if (!dv.ok) return { docker: { found: false, message: dv.message }, shims, frontend: o.frontend };
  const inputs: DoctorInputs = {
    docker: { found: true, version: dv.value, ...(dv.value.server ? {} : { daemonError: dv.result.stderr.trim().split('\n')[0]?.replace(/\.$/, '') }) },
    shims,
    frontend: o.frontend,
  };
  const bx = await probeBuildx(d);
  inputs.buildx = bx.ok ? { installed: true, version: bx.value } : { installed: false, message: bx.message, tooling: true };
  const engine = await probeEngine(d);
  inputs.engine = engine.ok ? { info: engine.value } : { error: engine.message };
  if (bx.ok) {
    const current = await inspectBuilder(d, o.builder);
    inputs.builder = current.found
      ? { builder: current.builder }
      : { error: current.missing ? `no builder "${o.builder ?? '(current)'}" found` : current.message };
    const ls = await listBuilders(d, bx.value);
    if (ls.ok) inputs.builders = ls.value;
  }
  if (o.probe && engine.ok && engine.value.reachable && engine.value.imageStore === 'containerd') {
    inputs.probes = await probeRunCommands(d, engine.value.runtimes, shims);
  }
  return inputs;
}

/**
 * The smallest WASI command: a core module whose `_start` returns at once (41 bytes), so a run
 * exits 0 with no output when the runtime can start wasm at all.
 */
const PROBE_MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, // export "_start" func 0
  0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code section: empty body
]);

/** A ustar archive holding one regular file at the root, mode 0644 (what docker import reads). */
export function singleFileTar(name: string, data: Uint8Array): Uint8Array {
  const header = new Uint8Array(512);
  const put = (offset: number, text: string) => header.set(new TextEncoder().encode(text), offset);
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(data.length, 12));
  put(136, octal(0, 12));
  put(148, '        '); // checksum field counts as spaces while summing
  put(156, '0');
  put(257, 'ustar\0');
  put(263, '00');
  const sum = header.reduce((a, b) => a + b, 0);
  put(148, sum.toString(8).padStart(6, '0') + '\0 ');
  const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
  body.set(data);
  const out = new Uint8Array(512 + body.length + 1024);
  out.set(header, 0);
  out.set(body, 512);
  return out;
}

/**
 * --probe: imports PROBE_IMAGE (os wasi, architecture wasm, ENTRYPOINT the module) and runs it
 * with crun's wasm handler when a "crun" runtime is registered and with each wasm shim that is
 * registered or on PATH; removes the image afterwards. Needs the containerd image store.
 */
async function probeRunCommands(d: Docker, runtimes: readonly string[], shims: readonly ShimFinding[]): Promise<RunProbe[]> {
  const commands: string[] = [];
  if (runtimes.includes('crun')) commands.push(CRUN_COMMAND);
  const shimRuntimes = new Set([...runtimes.filter(isWasmRuntime), ...shims.filter((s) => s.path).map((s) => s.runtime)]);
  for (const r of [...shimRuntimes].sort()) commands.push(`docker run --rm --runtime ${r} --platform wasi/wasm IMAGE`);
  if (commands.length === 0) return [];
  const tar = singleFileTar('probe.wasm', PROBE_MODULE);
  const imp = await d.run(['import', '--platform', 'wasi/wasm', '--change', 'ENTRYPOINT ["/probe.wasm"]', '-', PROBE_IMAGE], { input: tar });
  if (imp.exitCode !== 0) return commands.map((command) => ({ command, ok: false, error: `docker import of the probe image failed: ${firstLine(imp.stderr)}` }));
  const probes: RunProbe[] = [];
  for (const command of commands) {
    const argv = command.split(' ').slice(1).map((a) => (a === 'IMAGE' ? PROBE_IMAGE : a));
    const r = await d.run(argv);
    probes.push(r.exitCode === 0 ? { command, ok: true } : { command, ok: false, error: firstLine(r.stderr.replace(/^docker: /, '')) || `exit code ${r.exitCode}` });
  }
  await d.run(['image', 'rm', PROBE_IMAGE]);
  return probes;
}

// ---- handler

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

export function formatChecks(checks: readonly Check[], exitCode: number): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${MARK[c.status]}  ${c.id.padEnd(11)} ${c.summary}`);
    if (c.fix && (c.status === 'fail' || c.status === 'warn')) lines.push(`      ${''.padEnd(11)} fix: ${c.fix}`);
  }
  const fails = checks.filter((c) => c.status === 'fail').length;
  const warns = checks.filter((c) => c.status === 'warn').length;
  lines.push('', `${fails} problem${fails === 1 ? '' : 's'}, ${warns} warning${warns === 1 ? '' : 's'} (exit ${exitCode})`);
  return lines.join('\n') + '\n';
}

export async function runDoctor(d: Docker, io: Io, values: Values, env: NodeJS.ProcessEnv): Promise<number> {
  const frontend = str(values.frontend) ?? (env[FRONTEND_ENV] || DEFAULT_FRONTEND);
  const inputs = await gatherDoctorInputs(d, { builder: str(values.builder), frontend, pathEnv: env.PATH ?? '', probe: values.probe === true });
  const checks = diagnose(inputs);
  const code = doctorExitCode(checks);
  if (values.json) {
    writeJson(io, { ...envelope(doctorSpec.name, code, [], d.commands()), checks });
  } else {
    io.stdout(formatChecks(checks, code));
  }
  return code;
}
