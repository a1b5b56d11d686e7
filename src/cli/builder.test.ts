import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builderProblem, createBuilder, createOptionsFromFlags, defaultConfigPath, type CreateOptions } from './builder.js';
import { Docker } from './docker.js';
import { CliError, ExitCode } from './errors.js';
import { parseInspect } from './inspect.js';
import { fakeRunner, loadFixture, missingDockerRunner, type Rule } from './testing.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-builder-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const VERSION = ['version', '--format', '{{json .}}'];
const BUILDX_VERSION = ['buildx', 'version'];
const INSPECT = ['buildx', 'inspect', 'wasm'];
const INSPECT_BOOT = ['buildx', 'inspect', '--bootstrap', 'wasm'];

/** A machine with the 28 client, the 20.10 engine (captured) and buildx `buildx`. */
function machine(extra: Rule[], buildx = 'buildx-version-v0.24.0'): Rule[] {
  return [
    { args: VERSION, replies: ['docker-28-client-20.10-engine-version'] },
    { args: BUILDX_VERSION, replies: [buildx] },
    ...extra,
  ];
}

function options(o: Partial<CreateOptions> = {}): CreateOptions {
  return { name: 'wasm', driver: 'docker-container', platforms: [], driverOpts: [], configPath: path.join(dir, 'buildkitd-wasm.toml'), use: false, force: false, ...o };
}

async function expectCliError(p: Promise<unknown>, code: number, message: RegExp): Promise<CliError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  expect((err as CliError).exitCode).toBe(code);
  expect((err as CliError).message).toMatch(message);
  return err as CliError;
}

function createCall(runner: ReturnType<typeof fakeRunner>) {
  return runner.calls.find((c) => c.argv[1] === 'buildx' && c.argv[2] === 'create');
}

describe('builder create', () => {
  it('creates a builder when none exists: config written, --buildkitd-config, --platform, --bootstrap, verified', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    const d = new Docker(runner);
    const r = await createBuilder(d, options());
    const configPath = path.join(dir, 'buildkitd-wasm.toml');
    expect(createCall(runner)!.argv).toEqual([
      'docker', 'buildx', 'create', '--name', 'wasm', '--driver', 'docker-container',
      '--buildkitd-config', configPath, '--platform', 'linux/amd64,wasi/wasm', '--bootstrap',
    ]);
    expect(createCall(runner)!.options).toEqual({ output: 'stream-stderr' });
    expect(r).toMatchObject({ name: 'wasm', driver: 'docker-container', action: 'created', configuredPlatforms: ['linux/amd64', 'wasi/wasm'], platforms: ['linux/amd64', 'wasi/wasm'], buildkitVersion: 'v0.22.0', configWritten: true });
    expect(r.verifiedBy).toHaveLength(2);
    expect(r.verifiedBy[1]).toMatch(/File#buildkitd.toml declares wasi\/wasm/);
    expect(fs.readFileSync(configPath, 'utf8')).toBe(r.config);
    expect(r.config).toContain('[worker.oci]\n  platforms = ["linux/amd64", "wasi/wasm"]');
    expect(d.commands().map((c) => c.slice(1, 3).join(' '))).toEqual(['version --format', 'buildx version', 'buildx inspect', 'buildx create', 'buildx inspect']);
  });

  it('reuses a builder that advertises wasi/wasm: no create, no config written', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    const r = await createBuilder(new Docker(runner), options());
    expect(r.action).toBe('reused');
    expect(r.configWritten).toBe(false);
    expect(createCall(runner)).toBeUndefined();
    expect(fs.existsSync(path.join(dir, 'buildkitd-wasm.toml'))).toBe(false);
  });

  it('reuses with --use: switches with buildx use', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-wasm'] },
      { args: ['buildx', 'use', 'wasm'], replies: ['buildx-use'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    const r = await createBuilder(new Docker(runner), options({ use: true }));
    expect(r.action).toBe('reused');
    expect(runner.calls.map((c) => c.argv.slice(1).join(' '))).toContain('buildx use wasm');
  });

  it('reuses a stopped wasm builder and boots it through inspect --bootstrap', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-wasm-inactive'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    const r = await createBuilder(new Docker(runner), options());
    expect(r.action).toBe('reused');
    expect(r.buildkitVersion).toBe('v0.22.0');
  });

  it('refuses a builder of that name without wasi/wasm (exit 5), touching nothing', async () => {
    const runner = fakeRunner(machine([{ args: INSPECT, replies: ['buildx-inspect-plain'] }]));
    const err = await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Conflict, /^builder "wasm" exists and does not advertise wasi\/wasm \(node wasm0 lists linux\/amd64, linux\/amd64\/v2/);
    expect(err.fix).toBe('wasm-frontend builder create --name wasm --force (removes and recreates it), or docker buildx rm wasm');
    expect(runner.calls.map((c) => c.argv[2])).toEqual(['--format', 'version', 'inspect']);
  });

  it('refuses a builder that lists wasi/wasm only in buildx\'s record', async () => {
    const runner = fakeRunner(machine([{ args: INSPECT, replies: ['buildx-inspect-record-only'] }]));
    await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Conflict, /lists wasi\/wasm only in buildx's record: its buildkitd.toml does not declare it/);
  });

  it('refuses a builder whose node fails', async () => {
    const runner = fakeRunner(machine([{ args: INSPECT, replies: ['buildx-inspect-node-error'] }]));
    await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Conflict, /has a node that fails: wasm0: Cannot connect/);
  });

  it('refuses a builder with another driver', async () => {
    const runner = fakeRunner(machine([{ args: INSPECT, replies: ['buildx-inspect-remote'] }]));
    await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Conflict, /uses the "remote" driver, not "docker-container"/);
  });

  it('recreates with --force: rm, create, verify', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-plain'] },
      { args: ['buildx', 'rm', 'wasm'], replies: ['buildx-rm-wasm'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    const r = await createBuilder(new Docker(runner), options({ force: true }));
    expect(r.action).toBe('recreated');
    expect(runner.calls.map((c) => c.argv.slice(1, 3).join(' '))).toEqual(['version --format', 'buildx version', 'buildx inspect', 'buildx rm', 'buildx create', 'buildx inspect']);
  });

  it('--force recreates a good builder too (to apply new platforms or config)', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-wasm'] },
      { args: ['buildx', 'rm', 'wasm'], replies: ['buildx-rm-wasm'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    expect((await createBuilder(new Docker(runner), options({ force: true }))).action).toBe('recreated');
  });

  it('fails (exit 1) when the created builder does not verify', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-plain'] },
    ]));
    const err = await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Failed, /^builder "wasm" does not advertise wasi\/wasm/);
    expect(err.fix).toMatch(/--force/);
  });

  it('reports buildx create\'s own error', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-existing'] },
    ]));
    const err = await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Failed, /^failed to create builder "wasm": existing instance for "wasm" but no append mode/);
    expect(err.fix).toMatch(/^check the command: docker buildx create --name wasm/);
  });

  it('spells the config flag --config for buildx before 0.13 and warns that inspect cannot show the file', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm-v0.17'] },
    ], 'buildx-version-v0.12.1'));
    const r = await createBuilder(new Docker(runner), options());
    expect(createCall(runner)!.argv).toContain('--config');
    expect(createCall(runner)!.argv).not.toContain('--buildkitd-config');
    expect(r.verifiedBy).toHaveLength(1);
    expect(r.warnings).toEqual(['buildx v0.12.1 does not show the builder\'s buildkitd.toml (0.18+ does); the check rests on the platforms it lists']);
  });

  it('uses --buildkitd-config for a buildx without a version, with a warning', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ], 'buildx-version-unknown'));
    const r = await createBuilder(new Docker(runner), options());
    expect(createCall(runner)!.argv).toContain('--buildkitd-config');
    expect(r.warnings[0]).toMatch(/reports no version \("0.0.0\+unknown"\)/);
  });

  it('takes the host platforms from --platform, wasm spellings normalised and kept last', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    const r = await createBuilder(new Docker(runner), options({ platforms: ['linux/arm64,wasi/wasm32', 'linux/amd64', 'linux/arm64'] }));
    expect(r.configuredPlatforms).toEqual(['linux/arm64', 'linux/amd64', 'wasi/wasm']);
    expect(createCall(runner)!.argv).toContain('linux/arm64,linux/amd64,wasi/wasm');
    expect(r.warnings).toEqual(['platform "wasi/wasm32" is read as "wasi/wasm"']);
  });

  it('adds the platforms to a user\'s buildkitd.toml', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    const r = await createBuilder(new Docker(runner), options({ baseConfig: '[registry."docker.io"]\n  mirrors = ["localhost:5000"]\n' }));
    expect(fs.readFileSync(r.configPath, 'utf8')).toContain('[registry."docker.io"]\n  mirrors = ["localhost:5000"]\n\n[worker.oci]');
  });

  it('passes driver options, --use and the endpoint', async () => {
    const runner = fakeRunner(machine([
      { args: INSPECT, replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: INSPECT_BOOT, replies: ['buildx-inspect-wasm'] },
    ]));
    await createBuilder(new Docker(runner), options({ driverOpts: ['network=host'], use: true, endpoint: 'my-context' }));
    expect(createCall(runner)!.argv.slice(7)).toEqual(['--driver-opt', 'network=host', '--buildkitd-config', path.join(dir, 'buildkitd-wasm.toml'), '--platform', 'linux/amd64,wasi/wasm', '--use', '--bootstrap', 'my-context']);
  });

  describe('remote driver', () => {
    it('passes no config and no --platform, and checks what the daemon reports', async () => {
      const runner = fakeRunner(machine([
        { args: INSPECT, replies: ['buildx-inspect-not-found'] },
        { args: ['buildx', 'create'], prefix: true, replies: [{ exit: 0, stdout: 'wasm\n' }] },
        { args: INSPECT_BOOT, replies: ['buildx-inspect-remote'] },
      ]));
      const r = await createBuilder(new Docker(runner), options({ driver: 'remote', endpoint: 'tcp://buildkitd:1234' }));
      expect(createCall(runner)!.argv).toEqual(['docker', 'buildx', 'create', '--name', 'wasm', '--driver', 'remote', '--bootstrap', 'tcp://buildkitd:1234']);
      expect(r).toMatchObject({ action: 'created', driver: 'remote', platforms: ['linux/amd64', 'wasi/wasm'], configWritten: true });
      expect(r.verifiedBy[0]).toMatch(/reported by the daemon/);
      expect(fs.readFileSync(r.configPath, 'utf8')).toContain('wasi/wasm');
      expect(r.warnings).toEqual(['assuming the remote BuildKit runs on linux/amd64, like the local docker engine; pass --platform if it does not']);
    });

    it('fails with the buildkitd --config fix when the daemon does not advertise wasi/wasm', async () => {
      const runner = fakeRunner(machine([
        { args: INSPECT, replies: ['buildx-inspect-not-found'] },
        { args: ['buildx', 'create'], prefix: true, replies: [{ exit: 0, stdout: 'wasm\n' }] },
        { args: INSPECT_BOOT, replies: ['buildx-inspect-remote-nowasm'] },
      ]));
      const err = await expectCliError(createBuilder(new Docker(runner), options({ driver: 'remote', endpoint: 'tcp://buildkitd:1234', platforms: ['linux/amd64'] })), ExitCode.Failed, /does not advertise wasi\/wasm/);
      expect(err.fix).toBe(`start the remote buildkitd with this config: buildkitd --config ${path.join(dir, 'buildkitd-wasm.toml')} (or add its [worker.oci] platforms to the daemon's config), then rerun`);
    });

    it('does not need the local daemon', async () => {
      const runner = fakeRunner([
        { args: VERSION, replies: ['docker-28-version-no-daemon'] },
        { args: BUILDX_VERSION, replies: ['buildx-version-v0.24.0'] },
        { args: INSPECT, replies: ['buildx-inspect-not-found'] },
        { args: ['buildx', 'create'], prefix: true, replies: [{ exit: 0, stdout: 'wasm\n' }] },
        { args: INSPECT_BOOT, replies: ['buildx-inspect-remote'] },
      ]);
      const r = await createBuilder(new Docker(runner), options({ driver: 'remote', endpoint: 'tcp://buildkitd:1234', platforms: ['linux/amd64'] }));
      expect(r.action).toBe('created');
    });
  });

  describe('preflight', () => {
    it('docker missing: exit 3', async () => {
      const err = await expectCliError(createBuilder(new Docker(missingDockerRunner), options()), ExitCode.Tooling, /^docker not found \("docker": spawn docker ENOENT\)/);
      expect(err.fix).toMatch(/install Docker Engine/);
    });

    it.each(['docker-20.10-buildx-missing', 'docker-28-buildx-missing'])('buildx missing (%s): exit 3', async (fixture) => {
      const runner = fakeRunner([
        { args: VERSION, replies: ['docker-20.10-version'] },
        { args: BUILDX_VERSION, replies: [fixture] },
      ]);
      const err = await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Tooling, /^docker buildx is not installed$/);
      expect(err.fix).toMatch(/docker-buildx-plugin/);
    });

    it('buildx too old: exit 3', async () => {
      const runner = fakeRunner(machine([], 'buildx-version-v0.9.1'));
      await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Tooling, /^docker buildx v0.9.1 is too old: this needs buildx 0.10.0 or newer$/);
    });

    it('daemon down: exit 4', async () => {
      const runner = fakeRunner([
        { args: VERSION, replies: ['docker-20.10-version-no-daemon'] },
        { args: BUILDX_VERSION, replies: ['buildx-version-v0.24.0'] },
      ]);
      const err = await expectCliError(createBuilder(new Docker(runner), options()), ExitCode.Daemon, /^Cannot connect to the Docker daemon at unix:\/\/\/tmp\/cap\/nonexistent.sock. Is the docker daemon running\?$/);
      expect(err.fix).toMatch(/start the docker daemon/);
    });
  });
});

describe('builderProblem', () => {
  it.each([
    ['buildx-inspect-wasm', undefined],
    ['buildx-inspect-wasm-inactive', undefined],
    ['buildx-inspect-wasm-v0.17', undefined],
    ['buildx-inspect-remote', undefined],
    ['buildx-inspect-plain', /^does not advertise wasi\/wasm/],
    ['buildx-inspect-record-only', /only in buildx's record/],
    ['buildx-inspect-node-error', /has a node that fails/],
    ['buildx-inspect-docker-driver', /^does not advertise wasi\/wasm \(node docker2010 lists linux\/amd64, linux\/arm64/],
    ['buildx-inspect-docs', /^does not advertise wasi\/wasm/],
  ])('%s', (fixture, expected) => {
    const problem = builderProblem(parseInspect(loadFixture(fixture).stdout)!);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('flags', () => {
  const env = { HOME: '/home/u' };
  it('defaults', () => {
    expect(createOptionsFromFlags({}, env, '/w')).toEqual({
      name: 'wasm', driver: 'docker-container', endpoint: undefined, platforms: [], driverOpts: [], baseConfig: undefined,
      configPath: '/home/u/.config/wasm-frontend/buildkitd-wasm.toml', use: false, force: false,
    });
  });

  it('XDG_CONFIG_HOME and a relative --config-path', () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' }, 'b')).toBe('/xdg/wasm-frontend/buildkitd-b.toml');
    expect(createOptionsFromFlags({ 'config-path': 'c.toml' }, env, '/w').configPath).toBe('/w/c.toml');
  });

  it('repeated flags', () => {
    const o = createOptionsFromFlags({ platform: ['linux/amd64', 'linux/arm64'], 'driver-opt': ['network=host'], use: true, force: true, name: 'b1' }, env, '/w');
    expect(o).toMatchObject({ name: 'b1', platforms: ['linux/amd64', 'linux/arm64'], driverOpts: ['network=host'], use: true, force: true });
  });

  it.each([
    [{ driver: 'kubernetes' }, /^--driver: unsupported driver "kubernetes" \(use docker-container or remote\)$/],
    [{ driver: 'remote' }, /^--driver remote needs --endpoint/],
    [{ name: 'default' }, /reserved/],
    [{ name: 'a b' }, /invalid builder name "a b"/],
    [{ 'buildkitd-config': '/nonexistent/x.toml' }, /^--buildkitd-config: cannot read "\/nonexistent\/x.toml": ENOENT$/],
  ])('usage error for %j', (values, message) => {
    let err: unknown;
    try {
      createOptionsFromFlags(values, env, '/w');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(ExitCode.Usage);
    expect((err as CliError).message).toMatch(message);
  });
});
