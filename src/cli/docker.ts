/**
 * Docker as the commands see it: the binary to run, every call recorded (for --json and error
 * messages), and probes that turn a call's result into parsed facts. Each probe is one call to
 * the runner and one pure parser; nothing here decides what a fact means for the user.
 */
import {
  buildxInspectArgs,
  buildxLsArgs,
  buildxVersionArgs,
  dockerInfoArgs,
  dockerVersionArgs,
} from './argv.js';
import { parseDockerInfo, type EngineInfo } from './engine.js';
import type { RunOptions, RunResult, Runner } from './exec.js';
import { buildxErrorMessage, isNoSuchBuilder, parseInspect, type InspectedBuilder } from './inspect.js';
import { parseLsJson, parseLsText, type ListedBuilder } from './ls.js';
import {
  atLeast,
  BUILDX_LS_JSON,
  isBuildxMissing,
  isDaemonUnreachable,
  parseBuildxVersion,
  parseDockerVersion,
  type BuildxVersion,
  type DockerVersionInfo,
} from './version.js';

/** The environment variable naming the docker binary; "docker" from PATH otherwise. */
export const DOCKER_ENV = 'WASM_FRONTEND_DOCKER';

export function dockerBinary(env: NodeJS.ProcessEnv): string {
  const v = env[DOCKER_ENV];
  return v && v.trim() !== '' ? v : 'docker';
}

export class Docker {
  readonly bin: string;
  readonly calls: RunResult[] = [];
  private readonly runner: Runner;

  constructor(runner: Runner, bin = 'docker') {
    this.runner = runner;
    this.bin = bin;
  }

  async run(args: readonly string[], options?: RunOptions): Promise<RunResult> {
    const result = await this.runner([this.bin, ...args], options);
    this.calls.push(result);
    return result;
  }

  /** The argv of every call so far, docker binary first. */
  commands(): string[][] {
    return this.calls.map((c) => [...c.argv]);
  }
}

export type Probe<T> =
  | { ok: true; value: T; result: RunResult }
  | { ok: false; reason: 'not-found' | 'daemon' | 'missing' | 'failed' | 'unparsable'; message: string; result: RunResult };

/** `docker version`: the client always answers; the server part is missing when the daemon is down. */
export async function probeDockerVersion(d: Docker): Promise<Probe<DockerVersionInfo>> {
  const result = await d.run(dockerVersionArgs());
  if (result.notFound) return { ok: false, reason: 'not-found', message: `docker not found ("${d.bin}": ${result.spawnError ?? 'not found'})`, result };
  const parsed = parseDockerVersion(result.stdout);
  if (!parsed || !parsed.client) {
    return { ok: false, reason: 'unparsable', message: `failed to read "docker version" output: ${firstLine(result.stderr || result.stdout) || `exit code ${result.exitCode}`}`, result };
  }
  return { ok: true, value: parsed, result };
}

export async function probeBuildx(d: Docker): Promise<Probe<BuildxVersion>> {
  const result = await d.run(buildxVersionArgs());
  if (result.notFound) return { ok: false, reason: 'not-found', message: `docker not found ("${d.bin}")`, result };
  if (result.exitCode !== 0) {
    if (isBuildxMissing(result.stderr)) return { ok: false, reason: 'missing', message: 'docker buildx is not installed', result };
    return { ok: false, reason: 'failed', message: `docker buildx version failed: ${buildxErrorMessage(result.stderr) || `exit code ${result.exitCode}`}`, result };
  }
  const parsed = parseBuildxVersion(result.stdout);
  if (!parsed) return { ok: false, reason: 'unparsable', message: `failed to read "docker buildx version" output: ${JSON.stringify(firstLine(result.stdout))}`, result };
  return { ok: true, value: parsed, result };
}

export async function probeEngine(d: Docker): Promise<Probe<EngineInfo>> {
  const result = await d.run(dockerInfoArgs());
  if (result.notFound) return { ok: false, reason: 'not-found', message: `docker not found ("${d.bin}")`, result };
  const info = parseDockerInfo(result.stdout, result.stderr);
  if (!info) {
    if (isDaemonUnreachable(result.stderr)) return { ok: false, reason: 'daemon', message: firstLine(result.stderr), result };
    return { ok: false, reason: 'unparsable', message: `failed to read "docker info" output: ${firstLine(result.stderr || result.stdout) || `exit code ${result.exitCode}`}`, result };
  }
  if (!info.reachable) return { ok: false, reason: 'daemon', message: info.errors[0] ?? 'the docker daemon does not answer', result };
  return { ok: true, value: info, result };
}

export type InspectOutcome =
  | { found: true; builder: InspectedBuilder; result: RunResult }
  | { found: false; missing: true; result: RunResult }
  | { found: false; missing: false; message: string; result: RunResult };

/** `docker buildx inspect [--bootstrap] [NAME]`; a missing builder is an outcome, not an error. */
export async function inspectBuilder(d: Docker, name?: string, bootstrap = false): Promise<InspectOutcome> {
  const result = await d.run(buildxInspectArgs({ name, bootstrap }));
  if (result.exitCode !== 0) {
    if (isNoSuchBuilder(result.stderr)) return { found: false, missing: true, result };
    return { found: false, missing: false, message: buildxErrorMessage(result.stderr) || `exit code ${result.exitCode}`, result };
  }
  const builder = parseInspect(result.stdout);
  if (!builder) return { found: false, missing: false, message: `failed to read "docker buildx inspect" output: ${JSON.stringify(firstLine(result.stdout))}`, result };
  return { found: true, builder, result };
}

/** `docker buildx ls`, as JSON where buildx has it (0.13+), else the table. */
export async function listBuilders(d: Docker, buildx: BuildxVersion | undefined): Promise<Probe<ListedBuilder[]>> {
  const json = buildx?.version === undefined || atLeast(buildx.version, BUILDX_LS_JSON);
  const result = await d.run(buildxLsArgs({ json }));
  if (result.exitCode !== 0) return { ok: false, reason: 'failed', message: buildxErrorMessage(result.stderr) || `exit code ${result.exitCode}`, result };
  return { ok: true, value: json ? parseLsJson(result.stdout) : parseLsText(result.stdout), result };
}

export function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
}
