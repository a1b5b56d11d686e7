/**
 * `wasm-frontend builder create`: a buildx builder whose BuildKit advertises wasi/wasm beside the
 * host platforms. Declaration (flags), handler (flags to options, result to text or JSON) and
 * core (the docker calls) are separate; the core is what the tests drive with a fake runner.
 *
 * Steps: preflight (docker, buildx, daemon) → platforms → buildkitd.toml → what exists under that
 * name (reuse / conflict / recreate) → create with --bootstrap → verify with inspect.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildxCreateArgs, buildxRmArgs, buildxUseArgs, DRIVERS, type Driver } from './argv.js';
import { BuildkitdConfigError, readWorkerPlatforms, renderBuildkitdToml } from './buildkitd.js';
import { type Docker, inspectBuilder } from './docker.js';
import { CliError, ExitCode, UsageError } from './errors.js';
import { formatArgv } from './exec.js';
import { buildxErrorMessage, type InspectedBuilder, platformNames } from './inspect.js';
import { bool, type CommandSpec, list, str, type Values } from './options.js';
import { envelope, type Io, writeJson, writeWarnings } from './output.js';
import { enginePlatform, includesWasm, isWasmPlatform, normalisePlatforms, WASI_WASM } from './platforms.js';
import { preflight } from './preflight.js';
import { atLeast, BUILDX_BUILDKITD_CONFIG_FLAG, BUILDX_INSPECT_FILES } from './version.js';

// ---- declaration

export const builderCreateSpec: CommandSpec = {
  name: 'builder create',
  summary: 'Create (or reuse) a buildx builder whose BuildKit advertises wasi/wasm beside the host platforms.',
  maxPositionals: 0,
  options: {
    name: { type: 'string', valueName: 'NAME', description: 'builder name (default "wasm")' },
    driver: { type: 'string', valueName: 'DRIVER', description: 'buildx driver: docker-container (default) or remote' },
    endpoint: { type: 'string', valueName: 'ENDPOINT', description: 'docker context/endpoint (docker-container) or BuildKit address, e.g. tcp://buildkitd:1234 (remote, required)' },
    platform: { type: 'string', multiple: true, valueName: 'PLATFORM', description: 'platforms listed before wasi/wasm (default: the docker engine\'s, e.g. linux/amd64); the list replaces what BuildKit detects, so name emulated ones here' },
    'driver-opt': { type: 'string', multiple: true, valueName: 'OPT', description: 'passed to docker buildx create --driver-opt, e.g. network=host' },
    'buildkitd-config': { type: 'string', valueName: 'FILE', description: 'a buildkitd.toml to start from (registry mirrors, GC, ...); the worker platforms are added to it' },
    'config-path': { type: 'string', valueName: 'FILE', description: 'where to write the generated buildkitd.toml (default $XDG_CONFIG_HOME/wasm-frontend/buildkitd-NAME.toml)' },
    use: { type: 'boolean', description: 'make it the current builder (docker buildx use)' },
    force: { type: 'boolean', description: 'remove and recreate a builder of that name if one exists' },
  },
  details: `An existing builder of that name that already advertises wasi/wasm is reused (bootstrapped
if stopped). One that does not is an error (exit 5) unless --force is given.

With --driver remote, buildx refuses a buildkitd config ("setting config file is not supported for
remote driver"): the file is written for you to start buildkitd with (buildkitd --config FILE),
and the check reads the platforms the daemon itself reports.`,
};

// ---- core

export interface CreateOptions {
  name: string;
  driver: Driver;
  endpoint?: string;
  /** Host platforms as typed; wasm spellings are dropped (wasi/wasm is always added last). */
  platforms: string[];
  driverOpts: string[];
  /** Text of a user's buildkitd.toml to start from. */
  baseConfig?: string;
  configPath: string;
  use: boolean;
  force: boolean;
}

export type CreateAction = 'created' | 'reused' | 'recreated';

export interface CreateResult {
  name: string;
  driver: string;
  action: CreateAction;
  /** The platforms written into the buildkitd.toml, in order. */
  configuredPlatforms: string[];
  configPath: string;
  config: string;
  /** False when an existing builder was reused: its own config stands and nothing was written. */
  configWritten: boolean;
  /** Platforms `docker buildx inspect` reports for the builder's nodes after bootstrap. */
  platforms: string[];
  /** How the wasi/wasm claim was checked. */
  verifiedBy: string[];
  buildkitVersion?: string;
  warnings: string[];
}

export async function createBuilder(d: Docker, o: CreateOptions): Promise<CreateResult> {
  const tooling = await preflight(d, { needDaemon: o.driver === 'docker-container' });
  const warnings = [...tooling.warnings];

  // Platforms: the host's (or the user's) first, wasi/wasm last.
  const typed = normalisePlatforms(o.platforms);
  warnings.push(...typed.warnings);
  let host = typed.platforms.filter((p) => !isWasmPlatform(p));
  if (host.length === 0) {
    const engine = tooling.docker.server ? enginePlatform(tooling.docker.server.os, tooling.docker.server.arch) : undefined;
    if (!engine) throw new UsageError('cannot tell the builder\'s host platform: the docker engine did not say; pass it with --platform (e.g. --platform linux/amd64)');
    if (o.driver === 'remote') warnings.push(`assuming the remote BuildKit runs on ${engine}, like the local docker engine; pass --platform if it does not`);
    host = [engine];
  }
  const configured = [...host, WASI_WASM];
  let config: string;
  try {
    config = renderBuildkitdToml({ platforms: configured, base: o.baseConfig, builder: o.name });
  } catch (err) {
    if (err instanceof BuildkitdConfigError) throw new UsageError(`--buildkitd-config: ${err.message}`);
    throw err;
  }

  // What exists under that name decides between reuse, conflict and (re)creation.
  const existing = await inspectBuilder(d, o.name);
  let action: CreateAction = 'created';
  if (!existing.found && !existing.missing) {
    throw new CliError(ExitCode.Failed, `failed to inspect builder "${o.name}": ${existing.message}`);
  }
  if (existing.found) {
    const problem = builderProblem(existing.builder, o.driver);
    if (!problem && !o.force) {
      action = 'reused';
    } else if (!o.force) {
      throw new CliError(ExitCode.Conflict, `builder "${o.name}" exists and ${problem}`, {
        fix: `wasm-frontend builder create --name ${o.name} --force (removes and recreates it), or docker buildx rm ${o.name}`,
      });
    } else {
      const rm = await d.run(buildxRmArgs(o.name));
      if (rm.exitCode !== 0) throw new CliError(ExitCode.Failed, `failed to remove builder "${o.name}": ${buildxErrorMessage(rm.stderr) || `exit code ${rm.exitCode}`}`);
      action = 'recreated';
    }
  }

  if (action !== 'reused') {
    fs.mkdirSync(path.dirname(o.configPath), { recursive: true });
    fs.writeFileSync(o.configPath, config);
    const remote = o.driver === 'remote';
    const argv = buildxCreateArgs({
      name: o.name,
      driver: o.driver,
      endpoint: o.endpoint,
      driverOpts: o.driverOpts,
      // remote: buildx refuses a config file, and a --platform record would make the check below
      // report buildx's record instead of what the daemon advertises.
      configPath: remote ? undefined : o.configPath,
      configFlag: tooling.buildx.version === undefined || atLeast(tooling.buildx.version, BUILDX_BUILDKITD_CONFIG_FLAG) ? '--buildkitd-config' : '--config',
      platforms: remote ? undefined : configured,
      use: o.use,
      bootstrap: true,
    });
    const created = await d.run(argv, { output: 'stream-stderr' });
    if (created.exitCode !== 0) {
      throw new CliError(ExitCode.Failed, `failed to create builder "${o.name}": ${buildxErrorMessage(created.stderr) || `exit code ${created.exitCode}`}`, {
        fix: `check the command: ${formatArgv(created.argv)}`,
      });
    }
  } else if (o.use) {
    const use = await d.run(buildxUseArgs(o.name));
    if (use.exitCode !== 0) throw new CliError(ExitCode.Failed, `failed to switch to builder "${o.name}": ${buildxErrorMessage(use.stderr)}`);
  }

  // Verify: the builder is up and lists wasi/wasm; where buildx shows its config, that says so too.
  const after = await inspectBuilder(d, o.name, true);
  if (!after.found) {
    throw new CliError(ExitCode.Failed, `builder "${o.name}" cannot be inspected after creation: ${after.missing ? 'it does not exist' : after.message}`);
  }
  const verifiedBy: string[] = [];
  const problem = builderProblem(after.builder, o.driver);
  if (problem) {
    throw new CliError(ExitCode.Failed, `builder "${o.name}" ${problem}`, {
      fix: o.driver === 'remote'
        ? `start the remote buildkitd with this config: buildkitd --config ${o.configPath} (or add its [worker.oci] platforms to the daemon's config), then rerun`
        : `docker buildx inspect --bootstrap ${o.name}; then wasm-frontend builder create --name ${o.name} --force`,
    });
  }
  verifiedBy.push(`docker buildx inspect ${o.name}: platforms include ${WASI_WASM}${o.driver === 'remote' ? ' (reported by the daemon)' : ''}`);
  const files = after.builder.nodes.map((n) => n.files['buildkitd.toml']).filter((f): f is string => f !== undefined);
  if (files.length > 0) verifiedBy.push(`docker buildx inspect ${o.name}: File#buildkitd.toml declares ${WASI_WASM} in the worker platforms`);
  else if (o.driver !== 'remote' && tooling.buildx.version && !atLeast(tooling.buildx.version, BUILDX_INSPECT_FILES)) {
    warnings.push(`buildx ${tooling.buildx.rawVersion} does not show the builder's buildkitd.toml (0.18+ does); the check rests on the platforms it lists`);
  }

  return {
    name: o.name,
    driver: after.builder.driver || o.driver,
    action,
    configuredPlatforms: configured,
    configPath: o.configPath,
    config,
    configWritten: action !== 'reused',
    platforms: [...new Set(after.builder.nodes.flatMap((n) => platformNames(n.platforms)))],
    verifiedBy,
    buildkitVersion: after.builder.nodes.find((n) => n.buildkitVersion)?.buildkitVersion,
    warnings,
  };
}

/**
 * Why an inspected builder is not a wasm builder, or undefined when it is: every node up and
 * listing wasi/wasm, and where buildx shows a node's buildkitd.toml, its worker platforms
 * include wasi/wasm (a `--platform wasi/wasm` record alone is not enough).
 */
export function builderProblem(b: InspectedBuilder, driver?: Driver): string | undefined {
  if (driver && b.driver && b.driver !== driver) return `uses the "${b.driver}" driver, not "${driver}"`;
  if (b.error) return `cannot be loaded: ${b.error}`;
  if (b.nodes.length === 0) return 'has no nodes';
  for (const n of b.nodes) {
    if (n.error) return `has a node that fails: ${n.name}: ${n.error}`;
    if (!includesWasm(n.platforms)) {
      const listed = platformNames(n.platforms);
      return `does not advertise ${WASI_WASM} (node ${n.name} lists ${listed.length > 0 ? listed.join(', ') : 'no platforms'}${n.status && n.status !== 'running' ? `, status ${n.status}` : ''})`;
    }
    const toml = n.files['buildkitd.toml'];
    if (toml !== undefined) {
      const workers = readWorkerPlatforms(toml);
      const declared = [...(workers['worker.oci'] ?? []), ...(workers['worker.containerd'] ?? [])];
      if (!includesWasm(declared)) return `lists ${WASI_WASM} only in buildx's record: its buildkitd.toml does not declare it in the worker platforms`;
    }
  }
  return undefined;
}

// ---- handler

export function defaultConfigPath(env: NodeJS.ProcessEnv, name: string): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'wasm-frontend', `buildkitd-${name}.toml`);
}

/** Flags to CreateOptions; usage errors for bad values. */
export function createOptionsFromFlags(values: Values, env: NodeJS.ProcessEnv, cwd: string): CreateOptions {
  const name = str(values.name) ?? 'wasm';
  if (name === 'default') throw new UsageError('--name: "default" is reserved by buildx for the docker driver\'s builder');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new UsageError(`--name: invalid builder name "${name}" (letters, digits, "_", "." and "-")`);
  const driverFlag = str(values.driver) ?? 'docker-container';
  if (!(DRIVERS as readonly string[]).includes(driverFlag)) {
    throw new UsageError(`--driver: unsupported driver "${driverFlag}" (use ${DRIVERS.join(' or ')})`);
  }
  const driver = driverFlag as Driver;
  const endpoint = str(values.endpoint);
  if (driver === 'remote' && !endpoint) throw new UsageError('--driver remote needs --endpoint (the BuildKit address, e.g. tcp://buildkitd:1234)');
  let baseConfig: string | undefined;
  const basePath = str(values['buildkitd-config']);
  if (basePath) {
    try {
      baseConfig = fs.readFileSync(path.resolve(cwd, basePath), 'utf8');
    } catch (err) {
      throw new UsageError(`--buildkitd-config: cannot read "${basePath}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const configPath = str(values['config-path']);
  return {
    name,
    driver,
    endpoint,
    platforms: list(values.platform),
    driverOpts: list(values['driver-opt']),
    baseConfig,
    configPath: configPath ? path.resolve(cwd, configPath) : defaultConfigPath(env, name),
    use: bool(values.use),
    force: bool(values.force),
  };
}

export async function runBuilderCreate(d: Docker, io: Io, values: Values, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const options = createOptionsFromFlags(values, env, cwd);
  const result = await createBuilder(d, options);
  if (values.json) {
    writeJson(io, { ...envelope(builderCreateSpec.name, ExitCode.Ok, result.warnings, d.commands()), builder: { ...result, warnings: undefined } });
    return ExitCode.Ok;
  }
  writeWarnings(io, result.warnings);
  io.stdout(
    [
      `${result.action} builder "${result.name}" (${result.driver}${result.buildkitVersion ? `, BuildKit ${result.buildkitVersion}` : ''})`,
      `  platforms:      ${result.platforms.join(', ')}`,
      `  buildkitd.toml: ${result.configWritten ? result.configPath : '(the existing builder\'s own; nothing written)'}`,
      ...result.verifiedBy.map((v) => `  verified:       ${v}`),
      `  build with:     docker buildx build --builder ${result.name} --platform ${WASI_WASM} --build-arg BUILDKIT_SYNTAX=<frontend image> .`,
      '',
    ].join('\n'),
  );
  return ExitCode.Ok;
}
