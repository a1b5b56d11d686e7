/**
 * The checks every command that drives buildx makes first: docker is there and new enough,
 * buildx is installed and new enough, and (when asked) the daemon answers. Failures are
 * CliErrors with exit code 3 (tooling) or 4 (daemon) and the command that fixes them.
 */
import { type Docker, probeBuildx, probeDockerVersion } from './docker.js';
import { CliError, ExitCode } from './errors.js';
import { atLeast, MIN_BUILDX, MIN_DOCKER, type BuildxVersion, type DockerVersionInfo } from './version.js';

export const FIX_INSTALL_DOCKER = 'install Docker Engine 20.10 or newer (https://docs.docker.com/engine/install/), or set WASM_FRONTEND_DOCKER to the docker binary';
export const FIX_INSTALL_BUILDX =
  'install the buildx plugin: the docker-buildx-plugin package (Docker\'s apt/yum repositories), docker-buildx (Debian/Ubuntu), or a release binary from https://github.com/docker/buildx/releases saved as ~/.docker/cli-plugins/docker-buildx (chmod +x)';
export const FIX_START_DAEMON = 'start the docker daemon (e.g. sudo systemctl start docker), or point DOCKER_HOST / the docker context at a running one';

export interface Tooling {
  docker: DockerVersionInfo;
  buildx: BuildxVersion;
  /** Warnings that do not stop the command (an unknown buildx version, ...). */
  warnings: string[];
}

export async function preflight(d: Docker, options: { needDaemon: boolean }): Promise<Tooling> {
  const warnings: string[] = [];
  const dv = await probeDockerVersion(d);
  if (!dv.ok) throw new CliError(ExitCode.Tooling, dv.message, { fix: FIX_INSTALL_DOCKER });
  const client = dv.value.client!;
  if (client.version && !atLeast(client.version, MIN_DOCKER)) {
    throw new CliError(ExitCode.Tooling, `docker ${client.rawVersion} is too old: buildx needs docker ${MIN_DOCKER} or newer`, { fix: FIX_INSTALL_DOCKER });
  }
  const bx = await probeBuildx(d);
  if (!bx.ok) {
    throw new CliError(ExitCode.Tooling, bx.message, { fix: FIX_INSTALL_BUILDX });
  }
  if (bx.value.version === undefined) {
    warnings.push(`buildx reports no version ("${bx.value.rawVersion}"); assuming a recent one`);
  } else if (!atLeast(bx.value.version, MIN_BUILDX)) {
    throw new CliError(ExitCode.Tooling, `docker buildx ${bx.value.rawVersion} is too old: this needs buildx ${MIN_BUILDX} or newer`, { fix: FIX_INSTALL_BUILDX });
  }
  if (options.needDaemon && !dv.value.server) {
    const why = dv.result.stderr.trim().split('\n')[0] || 'the docker daemon does not answer';
    throw new CliError(ExitCode.Daemon, why.replace(/\.$/, ''), { fix: FIX_START_DAEMON });
  }
  return { docker: dv.value, buildx: bx.value, warnings };
}
