import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Docker } from './docker.js';
import { type Check, diagnose, doctorExitCode, type DoctorInputs, findShims, formatChecks, gatherDoctorInputs, hasRegistryHost, type ShimFinding } from './doctor.js';
import { parseDockerInfo } from './engine.js';
import { parseInspect } from './inspect.js';
import { parseLsJson, parseLsText } from './ls.js';
import { fakeRunner, loadFixture, missingDockerRunner } from './testing.js';
import { parseBuildxVersion, parseDockerVersion } from './version.js';

const NO_SHIMS: ShimFinding[] = findShims('', () => false);
const WASMTIME: ShimFinding[] = findShims('/opt/shims', (p) => p === '/opt/shims/containerd-shim-wasmtime-v1');

interface Machine {
  version?: string;
  buildx?: string;
  info?: string;
  inspect?: string;
  ls?: string;
  shims?: ShimFinding[];
  frontend?: string;
}

/** DoctorInputs from fixture names, as gatherDoctorInputs would build them. */
function inputs(m: Machine): DoctorInputs {
  const shims = m.shims ?? NO_SHIMS;
  const frontend = m.frontend ?? 'ghcr.io/example/wasm-frontend:edge';
  if (!m.version) return { docker: { found: false, message: 'docker not found ("docker": spawn docker ENOENT)' }, shims, frontend };
  const vf = loadFixture(m.version);
  const version = parseDockerVersion(vf.stdout)!;
  const i: DoctorInputs = { docker: { found: true, version, ...(version.server ? {} : { daemonError: vf.stderr.trim().replace(/\.$/, '') }) }, shims, frontend };
  const bf = loadFixture(m.buildx!);
  const bx = parseBuildxVersion(bf.stdout);
  i.buildx = bx ? { installed: true, version: bx } : { installed: false, message: 'docker buildx is not installed', tooling: true };
  const inf = loadFixture(m.info!);
  const info = parseDockerInfo(inf.stdout, inf.stderr)!;
  i.engine = info.reachable ? { info } : { error: info.errors[0] };
  if (bx && m.inspect) {
    const f = loadFixture(m.inspect);
    i.builder = f.exit === 0 ? { builder: parseInspect(f.stdout)! } : { error: 'no builder "(current)" found' };
  }
  if (bx && m.ls) {
    const f = loadFixture(m.ls);
    i.builders = f.command.includes('json') ? parseLsJson(f.stdout) : parseLsText(f.stdout);
  }
  return i;
}

function statuses(checks: Check[]): Record<string, string> {
  return Object.fromEntries(checks.map((c) => [c.id, c.status]));
}

const HEALTHY: Machine = {
  version: 'docker-28-client-20.10-engine-version',
  buildx: 'buildx-version-v0.24.0',
  info: 'docker-28-info-containerd',
  inspect: 'buildx-inspect-wasm',
  ls: 'buildx-ls-json',
  shims: WASMTIME,
};

describe('diagnose', () => {
  it.each<[string, Machine, Record<string, string>, number]>([
    ['a set-up machine', HEALTHY, { docker: 'ok', daemon: 'ok', buildx: 'ok', builder: 'ok', 'image-store': 'ok', shims: 'ok', frontend: 'ok' }, 0],
    [
      'this machine today: docker 20.10, no buildx, classic store, no shims',
      { version: 'docker-20.10-version', buildx: 'docker-20.10-buildx-missing', info: 'docker-20.10-info', frontend: 'local/wasm-frontend:dev' },
      { docker: 'ok', daemon: 'ok', buildx: 'fail', builder: 'skip', 'image-store': 'warn', shims: 'warn', frontend: 'skip' },
      3,
    ],
    ['no docker', {}, { docker: 'fail', daemon: 'skip', buildx: 'skip', builder: 'skip', 'image-store': 'skip', shims: 'warn', frontend: 'skip' }, 3],
    [
      'daemon down (docker 20.10 info exits 0 with ServerErrors)',
      { ...HEALTHY, version: 'docker-20.10-version-no-daemon', info: 'docker-20.10-info-no-daemon', inspect: 'buildx-inspect-node-error', ls: undefined },
      { docker: 'ok', daemon: 'fail', buildx: 'ok', builder: 'fail', 'image-store': 'skip', shims: 'ok', frontend: 'ok' },
      4,
    ],
    ['buildx too old', { ...HEALTHY, buildx: 'buildx-version-v0.9.1' }, { buildx: 'fail' }, 3],
    ['buildx before 0.13', { ...HEALTHY, buildx: 'buildx-version-v0.12.1' }, { buildx: 'warn' }, 0],
    ['buildx without a version', { ...HEALTHY, buildx: 'buildx-version-unknown' }, { buildx: 'warn' }, 0],
    ['current builder is the docker driver: it builds wasi/wasm without listing it', { ...HEALTHY, inspect: 'buildx-inspect-docker-driver' }, { builder: 'ok', frontend: 'ok' }, 0],
    [
      'Docker 26.1.5, buildx 0.13.1, containerd store, crun registered (captured on the engine26 stack)',
      { version: 'docker-26-version', buildx: 'buildx-version-v0.13.1', info: 'docker-26-info-containerd-crun', inspect: 'buildx-inspect-docker-driver-v0.13.1', ls: 'buildx-ls-json-v0.13.1', shims: NO_SHIMS, frontend: 'local/wasm-frontend:dev' },
      { docker: 'ok', daemon: 'ok', buildx: 'ok', builder: 'ok', 'image-store': 'ok', shims: 'ok', frontend: 'ok' },
      0,
    ],
    ['no builder has wasi/wasm', { ...HEALTHY, inspect: 'buildx-inspect-plain', ls: 'buildx-ls-docs' }, { builder: 'fail' }, 1],
    ['wasi/wasm only in buildx\'s record', { ...HEALTHY, inspect: 'buildx-inspect-record-only', ls: 'buildx-ls-docs' }, { builder: 'fail' }, 1],
    ['--builder names a missing builder', { ...HEALTHY, inspect: 'buildx-inspect-not-found' }, { builder: 'fail', frontend: 'skip' }, 1],
    ['classic image store', { ...HEALTHY, info: 'docker-20.10-info' }, { 'image-store': 'warn', shims: 'warn' }, 0],
    ['shim registered with the engine but not on PATH', { ...HEALTHY, shims: NO_SHIMS }, { shims: 'ok' }, 0],
    ['no shim anywhere', { ...HEALTHY, info: 'docker-20.10-info', shims: NO_SHIMS }, { shims: 'warn' }, 0],
    ['local frontend with a docker-container builder', { ...HEALTHY, frontend: 'local/wasm-frontend:dev' }, { frontend: 'warn' }, 0],
    ['registry frontend on localhost', { ...HEALTHY, frontend: 'localhost:5000/local/wasm-frontend:dev' }, { frontend: 'ok' }, 0],
  ])('%s', (_, machine, expected, code) => {
    const checks = diagnose(inputs(machine));
    expect(checks.map((c) => c.id)).toEqual(['docker', 'daemon', 'buildx', 'builder', 'image-store', 'shims', 'frontend']);
    expect(statuses(checks)).toMatchObject(expected);
    expect(doctorExitCode(checks)).toBe(code);
    for (const c of checks) if (c.status === 'fail') expect(c.fix, `${c.id} has a fix`).toBeTruthy();
  });

  it('names the exact fixes', () => {
    const today = diagnose(inputs({ version: 'docker-20.10-version', buildx: 'docker-20.10-buildx-missing', info: 'docker-20.10-info', frontend: 'local/wasm-frontend:dev' }));
    const by = Object.fromEntries(today.map((c) => [c.id, c]));
    expect(by.buildx.fix).toMatch(/~\/\.docker\/cli-plugins\/docker-buildx/);
    expect(by['image-store'].summary).toBe('classic image store (overlay2): --load and docker run of wasi/wasm images fail with "operating system is not supported"; export with -o type=local,dest=out or push instead');
    expect(by['image-store'].fix).toMatch(/^upgrade Docker Engine 20.10.24\+dfsg1 to 24 or newer, then set \{ "features": \{ "containerd-snapshotter": true \} \} in \/etc\/docker\/daemon.json/);
    expect(by.shims.summary).toMatch(/takes --runtime=io\.containerd\.\* names only from 23\.0 on/);
    expect(by.shims.fix).toMatch(/containerd\/runwasi\/releases/);

    const docker = Object.fromEntries(diagnose(inputs({ ...HEALTHY, inspect: 'buildx-inspect-docker-driver' })).map((c) => [c.id, c]));
    expect(docker.builder.summary).toMatch(/^builder "docker2010" \(docker\) builds wasi\/wasm through the frontend \(it does not advertise wasi\/wasm .*, which the docker driver does not need\)$/);
    expect(docker.builder.fix).toBeUndefined();

    const d26 = Object.fromEntries(
      diagnose(inputs({ version: 'docker-26-version', buildx: 'buildx-version-v0.13.1', info: 'docker-26-info-containerd-crun', inspect: 'buildx-inspect-docker-driver-v0.13.1', shims: NO_SHIMS })).map((c) => [c.id, c]),
    );
    expect(d26.shims.summary).toMatch(/^runtime "crun" is registered: docker run --rm --runtime crun --platform wasi\/wasm --annotation run\.oci\.handler=wasm IMAGE runs core modules/);
    const probed = diagnose({ ...inputs({ version: 'docker-26-version', buildx: 'buildx-version-v0.13.1', info: 'docker-26-info-containerd-crun', shims: NO_SHIMS }), probes: [{ command: 'docker run --rm --runtime crun X', ok: false, error: 'boom' }] });
    expect(probed.find((c) => c.id === 'shims')).toMatchObject({ status: 'fail', summary: 'no run command worked: docker run --rm --runtime crun X: boom' });

    const none = Object.fromEntries(diagnose(inputs({ ...HEALTHY, inspect: 'buildx-inspect-plain', ls: 'buildx-ls-docs' })).map((c) => [c.id, c]));
    expect(none.builder.fix).toBe('wasm-frontend builder create --use');

    const local = Object.fromEntries(diagnose(inputs({ ...HEALTHY, frontend: 'local/wasm-frontend:dev' })).map((c) => [c.id, c]));
    expect(local.frontend.summary).toBe('frontend "local/wasm-frontend:dev" means docker.io/local/wasm-frontend:dev; builder "wasm" (docker-container) pulls it from there, not from the engine\'s image store');
  });

  it('formats a report', () => {
    const checks = diagnose(inputs({ version: 'docker-20.10-version', buildx: 'docker-20.10-buildx-missing', info: 'docker-20.10-info' }));
    const text = formatChecks(checks, doctorExitCode(checks));
    expect(text).toMatch(/^ok {4}docker {6}docker client 20\.10\.24\+dfsg1 \(context "default"\)\n/);
    expect(text).toContain('FAIL  buildx      docker buildx is not installed\n                  fix: install the buildx plugin');
    expect(text).toMatch(/\n1 problem, 2 warnings \(exit 3\)\n$/);
  });
});

describe('findShims', () => {
  it('looks for each runtime\'s containerd-shim-NAME-vN binary on PATH', () => {
    const found = findShims(['/a', '/b'].join(path.delimiter), (p) => p === '/b/containerd-shim-wasmedge-v1' || p === '/a/containerd-shim-spin-v2');
    expect(found).toEqual([
      { runtime: 'io.containerd.wasmtime.v1', binary: 'containerd-shim-wasmtime-v1' },
      { runtime: 'io.containerd.wasmedge.v1', binary: 'containerd-shim-wasmedge-v1', path: '/b/containerd-shim-wasmedge-v1' },
      { runtime: 'io.containerd.wasmer.v1', binary: 'containerd-shim-wasmer-v1' },
      { runtime: 'io.containerd.wamr.v1', binary: 'containerd-shim-wamr-v1' },
      { runtime: 'io.containerd.spin.v2', binary: 'containerd-shim-spin-v2', path: '/a/containerd-shim-spin-v2' },
    ]);
  });
});

describe('hasRegistryHost', () => {
  it.each([
    ['local/wasm-frontend:dev', false],
    ['wasm-frontend', false],
    ['docker.io/local/wasm-frontend:dev', true],
    ['ghcr.io/o/wasm-frontend:1', true],
    ['localhost:5000/local/wasm-frontend:dev', true],
    ['localhost/x', true],
  ])('%s', (ref, expected) => {
    expect(hasRegistryHost(ref)).toBe(expected);
  });
});

describe('gatherDoctorInputs', () => {
  it('asks docker, buildx, the engine, the builder and the builder list, in that order', async () => {
    const runner = fakeRunner([
      { args: ['version', '--format', '{{json .}}'], replies: ['docker-28-client-20.10-engine-version'] },
      { args: ['buildx', 'version'], replies: ['buildx-version-v0.24.0'] },
      { args: ['info', '--format', '{{json .}}'], replies: ['docker-28-info-containerd'] },
      { args: ['buildx', 'inspect'], replies: ['buildx-inspect-wasm'] },
      { args: ['buildx', 'ls', '--format', 'json'], replies: ['buildx-ls-json'] },
    ]);
    const i = await gatherDoctorInputs(new Docker(runner), { frontend: 'f', pathEnv: '' });
    expect(runner.calls.map((c) => c.argv.slice(1))).toEqual([
      ['version', '--format', '{{json .}}'],
      ['buildx', 'version'],
      ['info', '--format', '{{json .}}'],
      ['buildx', 'inspect'],
      ['buildx', 'ls', '--format', 'json'],
    ]);
    expect(statuses(diagnose(i))).toMatchObject({ docker: 'ok', buildx: 'ok', builder: 'ok', 'image-store': 'ok' });
    expect(i.builders!.map((b) => b.name)).toEqual(['wasm', 'multi', 'default']);
  });

  it('uses the ls table before buildx 0.13 and inspects --builder', async () => {
    const runner = fakeRunner([
      { args: ['version', '--format', '{{json .}}'], replies: ['docker-28-client-20.10-engine-version'] },
      { args: ['buildx', 'version'], replies: ['buildx-version-v0.12.1'] },
      { args: ['info', '--format', '{{json .}}'], replies: ['docker-20.10-info'] },
      { args: ['buildx', 'inspect', 'elated_tesla'], replies: ['buildx-inspect-docs'] },
      { args: ['buildx', 'ls'], replies: ['buildx-ls-docs'] },
    ]);
    const i = await gatherDoctorInputs(new Docker(runner), { builder: 'elated_tesla', frontend: 'f', pathEnv: '' });
    expect(i.builders!.map((b) => b.name)).toEqual(['elated_tesla', 'default']);
    expect(statuses(diagnose(i))).toMatchObject({ buildx: 'warn', builder: 'fail' });
  });

  it('stops after docker when docker is missing', async () => {
    const i = await gatherDoctorInputs(new Docker(missingDockerRunner), { frontend: 'f', pathEnv: '' });
    expect(i.docker.found).toBe(false);
    expect(doctorExitCode(diagnose(i))).toBe(3);
  });

  it('skips the builder when buildx is missing', async () => {
    const runner = fakeRunner([
      { args: ['version', '--format', '{{json .}}'], replies: ['docker-20.10-version'] },
      { args: ['buildx', 'version'], replies: ['docker-20.10-buildx-missing'] },
      { args: ['info', '--format', '{{json .}}'], replies: ['docker-20.10-info'] },
    ]);
    const i = await gatherDoctorInputs(new Docker(runner), { frontend: 'f', pathEnv: '' });
    expect(runner.calls).toHaveLength(3);
    expect(i.builder).toBeUndefined();
  });
});
