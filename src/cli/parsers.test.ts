import { describe, expect, it } from 'vitest';
import { parseDockerInfo } from './engine.js';
import { isNoSuchBuilder, parseInspect, platformNames } from './inspect.js';
import { parseLsJson, parseLsText } from './ls.js';
import { listFixtures, loadFixture } from './testing.js';
import { atLeast, isBuildxMissing, isDaemonUnreachable, parseBuildxVersion, parseDockerVersion, parseVersion } from './version.js';

describe('fixtures', () => {
  it.each(listFixtures())('%s says where it comes from and parses', (name) => {
    const f = loadFixture(name);
    const provenance = f.header.join(' ');
    expect(provenance).toMatch(/Captured on this machine|Not captured on this machine|not captured on this machine/);
    expect(f.command).toMatch(/docker/);
    expect(Number.isInteger(f.exit)).toBe(true);
  });
});

describe('docker version --format {{json .}}', () => {
  it('reads the 20.10 client and engine captured here', () => {
    const v = parseDockerVersion(loadFixture('docker-20.10-version').stdout)!;
    expect(v.client).toMatchObject({ rawVersion: '20.10.24+dfsg1', os: 'linux', arch: 'amd64', context: 'default' });
    expect(v.client!.version).toMatchObject({ major: 20, minor: 10, patch: 24 });
    expect(v.server).toMatchObject({ rawVersion: '20.10.24+dfsg1', os: 'linux', arch: 'amd64', apiVersion: '1.41' });
    expect(v.server!.components.map((c) => c.name)).toEqual(['Engine', 'containerd', 'runc', 'docker-init']);
  });

  it('reads Docker 26.1.5 (Debian trixie) captured on the engine26 stack', () => {
    const v = parseDockerVersion(loadFixture('docker-26-version').stdout)!;
    expect(v.client!.rawVersion).toBe('26.1.5+dfsg1');
    expect(v.server!.rawVersion).toBe('26.1.5+dfsg1');
    const e = parseDockerInfo(loadFixture('docker-26-info-containerd-crun').stdout)!;
    expect(e).toMatchObject({ reachable: true, imageStore: 'containerd', driver: 'overlayfs' });
    expect(e.runtimes).toEqual(['crun', 'io.containerd.runc.v2', 'runc']);
    expect(parseBuildxVersion(loadFixture('buildx-version-v0.13.1').stdout)!.version).toMatchObject({ major: 0, minor: 13, patch: 1 });
    // buildx 0.13.1 printed the default builder twice with --format json here; the reader keeps one.
    const json = parseLsJson(loadFixture('buildx-ls-json-v0.13.1').stdout);
    expect(json.map((b) => b.name)).toEqual(['default']);
    expect(parseLsText(loadFixture('buildx-ls-v0.13.1').stdout).map((b) => [b.name, b.driver, b.nodes.map((n) => n.platforms.length)])).toEqual([['default', 'docker', [3]]]);
  });

  it('reads a 28.x client talking to the 20.10 engine', () => {
    const v = parseDockerVersion(loadFixture('docker-28-client-20.10-engine-version').stdout)!;
    expect(v.client!.rawVersion).toBe('28.2.2');
    expect(v.server!.rawVersion).toBe('20.10.24+dfsg1');
  });

  it.each(['docker-20.10-version-no-daemon', 'docker-28-version-no-daemon'])('%s: the client answers, the server is missing', (name) => {
    const f = loadFixture(name);
    expect(f.exit).toBe(1);
    const v = parseDockerVersion(f.stdout)!;
    expect(v.client).toBeDefined();
    expect(v.server).toBeUndefined();
    expect(isDaemonUnreachable(f.stderr)).toBe(true);
  });

  it('returns undefined for output that is not JSON', () => {
    expect(parseDockerVersion("docker: 'version' is not a docker command.\n")).toBeUndefined();
    expect(parseDockerVersion('')).toBeUndefined();
  });
});

describe('docker buildx version', () => {
  it.each([
    ['buildx-version-v0.11.2', 'github.com/docker/buildx', 'v0.11.2', [0, 11, 2], '9872040b6626fb7d87ef7296fd5b832e8cc2ad17'],
    ['buildx-version-desktop', 'github.com/docker/buildx', 'v0.12.1-desktop.4', [0, 12, 1], '6996841df2f61988c2794d84d33205368f96c317'],
    ['buildx-version-v0.9.1', 'github.com/docker/buildx', 'v0.9.1', [0, 9, 1], 'ed00243a0ce2a0aee75311b06e32d33b44729689'],
    ['buildx-version-v0.12.1', 'github.com/docker/buildx', 'v0.12.1', [0, 12, 1], '30feaa1a915b869ebc2eea6328624b49facd4bfb'],
    ['buildx-version-v0.17.1', 'github.com/docker/buildx', 'v0.17.1', [0, 17, 1], '257815a6fbaee88976808020bf04274388275ae8'],
  ])('%s', (name, pkg, raw, [major, minor, patch], revision) => {
    const v = parseBuildxVersion(loadFixture(name as string).stdout)!;
    expect(v).toMatchObject({ pkg, rawVersion: raw, revision });
    expect(v.version).toMatchObject({ major, minor, patch });
  });

  it('reads a build without a version or revision as version unknown', () => {
    const v = parseBuildxVersion(loadFixture('buildx-version-unknown').stdout)!;
    expect(v).toMatchObject({ pkg: 'github.com/docker/buildx', rawVersion: '0.0.0+unknown', revision: '' });
    expect(v.version).toBeUndefined();
  });

  it.each(['docker-20.10-buildx-missing', 'docker-28-buildx-missing'])('%s: docker says buildx is not installed', (name) => {
    const f = loadFixture(name);
    expect(f.exit).toBe(1);
    expect(parseBuildxVersion(f.stdout)).toBeUndefined();
    expect(isBuildxMissing(f.stderr)).toBe(true);
  });

  it('does not take other failures for a missing plugin', () => {
    expect(isBuildxMissing('ERROR: failed to read current commit information with git rev-parse --is-inside-work-tree\n')).toBe(false);
  });

  it('compares versions', () => {
    expect(atLeast(parseVersion('v0.10.0'), '0.10.0')).toBe(true);
    expect(atLeast(parseVersion('v0.9.1'), '0.10.0')).toBe(false);
    expect(atLeast(parseVersion('20.10.24+dfsg1'), '19.03.0')).toBe(true);
    expect(atLeast(parseVersion('v0.12.1-desktop.4'), '0.13.0')).toBe(false);
    expect(atLeast(undefined, '0.1.0')).toBe(false);
    expect(parseVersion('1.2')).toMatchObject({ major: 1, minor: 2, patch: 0 });
    expect(parseVersion('abc')).toBeUndefined();
  });
});

describe('docker info --format {{json .}}', () => {
  it('reads the classic image store of the 20.10 engine captured here', () => {
    const f = loadFixture('docker-20.10-info');
    const e = parseDockerInfo(f.stdout, f.stderr)!;
    expect(e).toMatchObject({ reachable: true, serverVersion: '20.10.24+dfsg1', driver: 'overlay2', imageStore: 'classic', osType: 'linux', architecture: 'x86_64', defaultRuntime: 'runc' });
    expect(e.runtimes).toEqual(['io.containerd.runc.v2', 'io.containerd.runtime.v1.linux', 'runc']);
  });

  it('reads the containerd image store from DriverStatus driver-type', () => {
    const e = parseDockerInfo(loadFixture('docker-28-info-containerd').stdout)!;
    expect(e).toMatchObject({ reachable: true, driver: 'overlayfs', imageStore: 'containerd' });
    expect(e.runtimes).toContain('io.containerd.wasmtime.v1');
  });

  it('reads 20.10 without a daemon (exit 0, ServerErrors) as unreachable', () => {
    const f = loadFixture('docker-20.10-info-no-daemon');
    expect(f.exit).toBe(0);
    const e = parseDockerInfo(f.stdout, f.stderr)!;
    expect(e.reachable).toBe(false);
    expect(e.imageStore).toBe('unknown');
    expect(e.errors[0]).toMatch(/^Cannot connect to the Docker daemon/);
  });

  it('reads 28.x without a daemon (exit 1, empty document, stderr) as unreachable', () => {
    const f = loadFixture('docker-28-info-no-daemon');
    const e = parseDockerInfo(f.stdout, f.stderr)!;
    expect(e.reachable).toBe(false);
    expect(e.errors[0]).toMatch(/^Cannot connect to the Docker daemon/);
  });
});

describe('docker buildx inspect', () => {
  it('reads the builder builder create makes, with its buildkitd.toml', () => {
    const b = parseInspect(loadFixture('buildx-inspect-wasm').stdout)!;
    expect(b).toMatchObject({ name: 'wasm', driver: 'docker-container', lastActivity: '2025-06-02 09:41:07 +0000 UTC' });
    expect(b.nodes).toHaveLength(1);
    const n = b.nodes[0];
    expect(n).toMatchObject({
      name: 'wasm0',
      endpoint: 'unix:///var/run/docker.sock',
      status: 'running',
      buildkitdFlags: '--allow-insecure-entitlement=network.host',
      buildkitVersion: 'v0.22.0',
      platforms: ['linux/amd64*', 'wasi/wasm*'],
    });
    expect(platformNames(n.platforms)).toEqual(['linux/amd64', 'wasi/wasm']);
    expect(n.labels['org.mobyproject.buildkit.worker.executor']).toBe('oci');
    expect(n.labels['org.mobyproject.buildkit.worker.oci.process-mode']).toBe('sandbox');
    expect(Object.keys(n.labels)).toHaveLength(6);
    expect(n.files['buildkitd.toml']).toBe("[worker]\n[worker.containerd]\nplatforms = ['linux/amd64', 'wasi/wasm']\n\n[worker.oci]\nplatforms = ['linux/amd64', 'wasi/wasm']\n");
  });

  it('reads the docs example (older keys, driver options, GC rules)', () => {
    const b = parseInspect(loadFixture('buildx-inspect-docs').stdout)!;
    expect(b).toMatchObject({ name: 'elated_tesla', driver: 'docker-container', lastActivity: '2022-11-30 12:42:47 +0100 CET' });
    expect(b.nodes[0]).toMatchObject({
      name: 'elated_tesla0',
      status: 'running',
      buildkitVersion: 'v0.10.6',
      buildkitdFlags: '--debug --allow-insecure-entitlement security.insecure --allow-insecure-entitlement network.host',
      platforms: ['linux/arm64*', 'linux/arm/v7', 'linux/arm/v6'],
    });
    expect(b.nodes[0].driverOptions).toContain('image="moby/buildkit:latest"');
    expect(b.nodes[0].labels['org.mobyproject.buildkit.worker.snapshotter']).toBe('overlayfs');
    expect(b.nodes[0].files).toEqual({});
  });

  it('reads the docker driver of a 20.10 engine with features', () => {
    const b = parseInspect(loadFixture('buildx-inspect-docker-driver').stdout)!;
    expect(b).toMatchObject({ name: 'docker2010', driver: 'docker' });
    expect(b.nodes[0]).toMatchObject({ name: 'docker2010', endpoint: 'docker2010', buildkitVersion: 'v0.8.2+eeb7b65' });
    expect(b.nodes[0].platforms).toHaveLength(8);
    expect(b.nodes[0].labels).toEqual({});
  });

  it('reads an inactive node: buildx record platforms only, no version', () => {
    const n = parseInspect(loadFixture('buildx-inspect-wasm-inactive').stdout)!.nodes[0];
    expect(n).toMatchObject({ status: 'inactive', buildkitVersion: '', platforms: ['linux/amd64*', 'wasi/wasm*'] });
    expect(n.files['buildkitd.toml']).toContain('wasi/wasm');
  });

  it('reads a node error', () => {
    const n = parseInspect(loadFixture('buildx-inspect-node-error').stdout)!.nodes[0];
    expect(n.error).toMatch(/^Cannot connect to the Docker daemon/);
    expect(n.status).toBe('error');
    expect(n.platforms).toEqual([]);
  });

  it('reads a remote node (no File#, no "*")', () => {
    const n = parseInspect(loadFixture('buildx-inspect-remote').stdout)!.nodes[0];
    expect(n).toMatchObject({ endpoint: 'tcp://buildkitd:1234', platforms: ['linux/amd64', 'wasi/wasm'], files: {} });
  });

  it('knows buildx\'s missing-builder error', () => {
    const f = loadFixture('buildx-inspect-not-found');
    expect(isNoSuchBuilder(f.stderr)).toBe(true);
    expect(isNoSuchBuilder(loadFixture('buildx-create-existing').stderr)).toBe(false);
  });

  it('returns undefined for text that is not inspect output', () => {
    expect(parseInspect('')).toBeUndefined();
    expect(parseInspect('hello\n')).toBeUndefined();
  });
});

describe('docker buildx ls', () => {
  it('reads the docs table (0.13+ layout)', () => {
    const ls = parseLsText(loadFixture('buildx-ls-docs').stdout);
    expect(ls.map((b) => [b.name, b.driver, b.current])).toEqual([
      ['elated_tesla', 'docker-container', true],
      ['default', 'docker', false],
    ]);
    expect(ls[0].nodes).toEqual([
      { name: 'elated_tesla0', endpoint: 'unix:///var/run/docker.sock', status: 'running', buildkit: 'v0.10.3', platforms: ['linux/amd64'], truncated: false },
      { name: 'elated_tesla1', endpoint: 'ssh://ubuntu@1.2.3.4', status: 'running', buildkit: 'v0.10.3', platforms: ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'], truncated: false },
    ]);
    expect(ls[1].nodes[0]).toMatchObject({ name: 'default', endpoint: 'default', buildkit: 'v0.8.2' });
  });

  it('reads a real --no-trunc table from a user', () => {
    const ls = parseLsText(loadFixture('buildx-ls-no-trunc-issue-3079').stdout);
    expect(ls.map((b) => b.name)).toEqual(['multi-arch', 'default']);
    expect(ls[0].current).toBe(true);
    expect(ls[0].nodes[0]).toMatchObject({ name: 'multi-arch0', buildkit: '009d0ce', truncated: false });
    expect(ls[0].nodes[0].platforms).toHaveLength(23);
    expect(ls[0].nodes[0].platforms[0]).toBe('linux/386');
    expect(ls[1].nodes[0]).toMatchObject({ buildkit: 'v0.26.2' });
    expect(ls[1].nodes[0].platforms).toHaveLength(14);
  });

  it('reads the 0.9-era layout (two-space nodes, " *" current)', () => {
    const ls = parseLsText(loadFixture('buildx-ls-v0.9-pr-998').stdout);
    expect(ls.map((b) => [b.name, b.current])).toEqual([
      ['builder2', false],
      ['builder3', false],
      ['builder4', true],
    ]);
    expect(ls[0].nodes[0]).toMatchObject({ name: 'builder20', endpoint: 'unix:///var/run/docker.sock', status: 'running', buildkit: 'N/A' });
    expect(ls[2].nodes[0].buildkit).toBe('v0.10.0-91-g86c33b66');
    expect(ls[2].nodes[0].platforms).toHaveLength(12);
  });

  it('marks truncated platform cells, where wasi/wasm can hide', () => {
    const ls = parseLsText(loadFixture('buildx-ls-wasm').stdout);
    expect(ls.map((b) => [b.name, b.current])).toEqual([
      ['wasm', true],
      ['multi', false],
      ['default', false],
    ]);
    expect(ls[0].nodes[0]).toMatchObject({ platforms: ['linux/amd64', 'wasi/wasm'], truncated: false });
    expect(ls[1].nodes[0]).toMatchObject({ platforms: ['linux/amd64', 'linux/arm64', 'linux/arm', 'linux/ppc64le'], truncated: true });
    expect(ls[2].nodes[0]).toMatchObject({ platforms: ['linux/amd64', 'linux/386'], truncated: true });
  });

  it('reads --format json (0.24+: Current)', () => {
    const ls = parseLsJson(loadFixture('buildx-ls-json').stdout);
    expect(ls.map((b) => [b.name, b.driver, b.current])).toEqual([
      ['wasm', 'docker-container', true],
      ['multi', 'docker-container', false],
      ['default', 'docker', false],
    ]);
    expect(ls[0].nodes[0]).toMatchObject({ name: 'wasm0', status: 'running', buildkit: 'v0.22.0', platforms: ['linux/amd64', 'wasi/wasm'] });
    expect(ls[1].nodes[0].platforms).toContain('wasi/wasm');
  });

  it('reads --format json of 0.13 to 0.20 (repeated builders, no Current)', () => {
    const ls = parseLsJson(loadFixture('buildx-ls-json-v0.13').stdout);
    expect(ls.map((b) => [b.name, b.current])).toEqual([
      ['wasm', undefined],
      ['default', undefined],
    ]);
  });
});
