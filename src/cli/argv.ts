/**
 * The argv of every docker call the CLI makes, as pure functions (the docker binary is not part
 * of them; src/cli/docker.ts prepends it). Flags follow buildx's reference docs
 * (docs/reference/buildx_*.md in docker/buildx).
 */

export const JSON_FORMAT = '{{json .}}';

export function dockerVersionArgs(): string[] {
  return ['version', '--format', JSON_FORMAT];
}

export function dockerInfoArgs(): string[] {
  return ['info', '--format', JSON_FORMAT];
}

export function buildxVersionArgs(): string[] {
  return ['buildx', 'version'];
}

/** `docker buildx inspect [--bootstrap] [NAME]`; without a name, the current builder. */
export function buildxInspectArgs(options: { name?: string; bootstrap?: boolean } = {}): string[] {
  return ['buildx', 'inspect', ...(options.bootstrap ? ['--bootstrap'] : []), ...(options.name ? [options.name] : [])];
}

export function buildxLsArgs(options: { json?: boolean } = {}): string[] {
  return ['buildx', 'ls', ...(options.json ? ['--format', 'json'] : [])];
}

export function buildxRmArgs(name: string): string[] {
  return ['buildx', 'rm', name];
}

export function buildxUseArgs(name: string): string[] {
  return ['buildx', 'use', name];
}

export type Driver = 'docker-container' | 'remote';
export const DRIVERS: readonly Driver[] = ['docker-container', 'remote'];

export interface CreateArgs {
  name: string;
  driver: Driver;
  /** Docker context or endpoint (docker-container), BuildKit address (remote). */
  endpoint?: string;
  driverOpts?: readonly string[];
  /** Path of the buildkitd.toml to pass; omitted for the remote driver, which refuses it. */
  configPath?: string;
  /** `--buildkitd-config` (buildx 0.13+) or its older spelling `--config`. */
  configFlag?: '--buildkitd-config' | '--config';
  /** Platforms for buildx's node record (`--platform`, comma separated). */
  platforms?: readonly string[];
  use?: boolean;
  bootstrap?: boolean;
}

/** `docker buildx create --name N --driver D [--driver-opt O]... [--buildkitd-config F] [--platform P,...] [--use] [--bootstrap] [ENDPOINT]` */
export function buildxCreateArgs(a: CreateArgs): string[] {
  const argv = ['buildx', 'create', '--name', a.name, '--driver', a.driver];
  for (const opt of a.driverOpts ?? []) argv.push('--driver-opt', opt);
  if (a.configPath) argv.push(a.configFlag ?? '--buildkitd-config', a.configPath);
  if (a.platforms && a.platforms.length > 0) argv.push('--platform', a.platforms.join(','));
  if (a.use) argv.push('--use');
  if (a.bootstrap) argv.push('--bootstrap');
  if (a.endpoint) argv.push(a.endpoint);
  return argv;
}

export interface BuildArgs {
  context: string;
  /** Normalised platforms; wasi/wasm by default. */
  platforms: readonly string[];
  /** The frontend image, passed as BUILDKIT_SYNTAX. */
  frontend: string;
  builder?: string;
  file?: string;
  tags?: readonly string[];
  buildArgs?: readonly string[];
  target?: string;
  outputs?: readonly string[];
  push?: boolean;
  load?: boolean;
  /** Keep buildx's default provenance attestation (off by default: runtimes pull the image). */
  provenance?: boolean;
  progress?: string;
}

/**
 * `docker buildx build --platform P --build-arg BUILDKIT_SYNTAX=F --provenance=false ... CONTEXT`.
 * BUILDKIT_SYNTAX selects the frontend and wins over a `# syntax=` line. Provenance is off unless
 * asked for: buildx otherwise adds an attestation that turns the result into an index with an
 * unknown/unknown entry, which runtimes pulling wasm images have tripped over.
 */
export function buildxBuildArgs(b: BuildArgs): string[] {
  const argv = ['buildx', 'build'];
  if (b.builder) argv.push('--builder', b.builder);
  argv.push('--platform', b.platforms.join(','));
  argv.push('--build-arg', `BUILDKIT_SYNTAX=${b.frontend}`);
  for (const arg of b.buildArgs ?? []) argv.push('--build-arg', arg);
  if (!b.provenance) argv.push('--provenance=false');
  if (b.file) argv.push('--file', b.file);
  for (const tag of b.tags ?? []) argv.push('--tag', tag);
  if (b.target) argv.push('--target', b.target);
  for (const out of b.outputs ?? []) argv.push('--output', out);
  if (b.push) argv.push('--push');
  if (b.load) argv.push('--load');
  if (b.progress) argv.push('--progress', b.progress);
  argv.push(b.context);
  return argv;
}

/** The command that runs a built wasm image on a containerd wasm shim. */
export function dockerRunArgs(image: string, options: { runtime: string; platform?: string }): string[] {
  // crun runs a module only with its wasm handler, which the container annotation selects
  // (docker run does not pass the image's annotations on).
  const handler = options.runtime === 'crun' ? ['--annotation=run.oci.handler=wasm'] : [];
  return ['run', '--rm', `--runtime=${options.runtime}`, `--platform=${options.platform ?? 'wasi/wasm'}`, ...handler, image];
}
