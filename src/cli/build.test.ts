import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOptionsFromFlags, localDest, runCommandFor, runWasmBuild } from './build.js';
import { Docker } from './docker.js';
import { CliError, ExitCode } from './errors.js';
import { fakeRunner, type Rule } from './testing.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-build-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function opts(values: Record<string, unknown>, positionals: string[] = ['testdata/c-hello'], env: NodeJS.ProcessEnv = {}) {
  return buildOptionsFromFlags(values as never, positionals, env, dir);
}

function machine(inspect: string, build: Rule['replies'][number]): Rule[] {
  return [
    { args: ['version', '--format', '{{json .}}'], replies: ['docker-28-client-20.10-engine-version'] },
    { args: ['buildx', 'version'], replies: ['buildx-version-v0.24.0'] },
    { args: ['buildx', 'inspect'], prefix: true, replies: [inspect] },
    { args: ['buildx', 'build'], prefix: true, replies: [build] },
  ];
}

describe('build flags', () => {
  it('defaults: wasi/wasm, the dev frontend, --load, context "."', () => {
    const { options, warnings } = opts({}, []);
    expect(options).toMatchObject({ context: '.', platforms: ['wasi/wasm'], frontend: 'local/wasm-frontend:dev', load: true, push: false, outputs: [], provenance: false, runtime: 'io.containerd.wasmtime.v1', dryRun: false });
    expect(warnings).toEqual([]);
  });

  it('the frontend from $WASM_FRONTEND_IMAGE, --frontend over it', () => {
    expect(opts({}, [], { WASM_FRONTEND_IMAGE: 'ghcr.io/o/wasm-frontend:1' }).options.frontend).toBe('ghcr.io/o/wasm-frontend:1');
    expect(opts({ frontend: 'x/y:z' }, [], { WASM_FRONTEND_IMAGE: 'ghcr.io/o/wasm-frontend:1' }).options.frontend).toBe('x/y:z');
  });

  it('normalises platform spellings with warnings', () => {
    const { options, warnings } = opts({ platform: ['wasip1/wasm32', 'linux/amd64,wasi/wasm'] });
    expect(options.platforms).toEqual(['wasi/wasm', 'linux/amd64']);
    expect(warnings).toEqual(['platform "wasip1/wasm32" is read as "wasi/wasm"']);
  });

  it('an output, --push or --load replaces the default --load', () => {
    expect(opts({ output: ['type=local,dest=out'] }).options).toMatchObject({ load: false, outputs: ['type=local,dest=out'] });
    expect(opts({ push: true }).options).toMatchObject({ load: false, push: true });
  });

  it.each([
    [{ 'build-arg': ['NOVALUE'] }, /^--build-arg: "NOVALUE" is not KEY=VALUE$/],
    [{ 'build-arg': ['BUILDKIT_SYNTAX=x'] }, /use --frontend/],
    [{ platform: ['linux/amd64/v2/x'] }, /^--platform: "linux\/amd64\/v2\/x": unknown operating system or architecture/],
    [{ frontend: ' ' }, /empty image reference/],
  ])('usage error for %j', (values, message) => {
    let err: unknown;
    try {
      opts(values);
    } catch (e) {
      err = e;
    }
    expect((err as CliError).exitCode).toBe(ExitCode.Usage);
    expect((err as CliError).message).toMatch(message);
  });
});

describe('runWasmBuild', () => {
  it('--dry-run prints the command and runs nothing', async () => {
    const runner = fakeRunner([]);
    const r = await runWasmBuild(new Docker(runner), { ...opts({ tag: ['hello:wasm'], 'dry-run': true }).options }, false);
    expect(runner.calls).toEqual([]);
    expect(r).toMatchObject({ ran: false, buildExitCode: 0 });
    expect(r.argv).toEqual(['docker', 'buildx', 'build', '--platform', 'wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=local/wasm-frontend:dev', '--provenance=false', '--tag', 'hello:wasm', '--load', 'testdata/c-hello']);
    expect(r.runCommand).toBe('docker run --rm --runtime=io.containerd.wasmtime.v1 --platform=wasi/wasm hello:wasm');
  });

  it('builds on a wasm builder and prints the run command', async () => {
    const runner = fakeRunner(machine('buildx-inspect-wasm', 'buildx-build-wasm'));
    const { options } = opts({ builder: 'wasm', tag: ['hello:wasm'], frontend: 'ghcr.io/example/wasm-frontend:edge' });
    const r = await runWasmBuild(new Docker(runner), options, false);
    const build = runner.calls.find((c) => c.argv[2] === 'build')!;
    expect(build.argv).toEqual(['docker', 'buildx', 'build', '--builder', 'wasm', '--platform', 'wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=ghcr.io/example/wasm-frontend:edge', '--provenance=false', '--tag', 'hello:wasm', '--load', 'testdata/c-hello']);
    expect(build.options).toEqual({ output: 'stream' });
    expect(runner.calls.find((c) => c.argv[2] === 'inspect')!.argv).toEqual(['docker', 'buildx', 'inspect', 'wasm']);
    expect(r).toMatchObject({ ran: true, buildExitCode: 0, warnings: [], runCommand: 'docker run --rm --runtime=io.containerd.wasmtime.v1 --platform=wasi/wasm hello:wasm' });
  });

  it('with --json the child\'s stdout goes to stderr', async () => {
    const runner = fakeRunner(machine('buildx-inspect-wasm', 'buildx-build-wasm'));
    await runWasmBuild(new Docker(runner), opts({ frontend: 'ghcr.io/o/f:1' }).options, true);
    expect(runner.calls.find((c) => c.argv[2] === 'build')!.options).toEqual({ output: 'stream-stderr' });
  });

  it('warns about a builder without wasi/wasm and a local frontend on a container builder', async () => {
    const runner = fakeRunner(machine('buildx-inspect-plain', 'buildx-build-wasm'));
    const r = await runWasmBuild(new Docker(runner), opts({}).options, false);
    expect(r.warnings).toEqual([
      expect.stringMatching(/^builder "wasm" does not advertise wasi\/wasm .*\(run wasm-frontend doctor\)$/),
      'frontend "local/wasm-frontend:dev" is pulled from docker.io by builder "wasm" (docker-container), not taken from the engine\'s image store; pass --frontend REGISTRY/wasm-frontend:TAG',
    ]);
  });

  it('explains a classic image store refusing the image', async () => {
    const runner = fakeRunner(machine('buildx-inspect-docker-driver', 'buildx-build-classic-store'));
    const r = await runWasmBuild(new Docker(runner), opts({}).options, false);
    expect(r.buildExitCode).toBe(1);
    expect(r.runCommand).toBeUndefined();
    expect(r.hint).toMatch(/^this docker engine's image store cannot hold wasi\/wasm images: export with -o type=local,dest=out/);
  });

  it('finds the modules of a local output and prints a wasmtime command', async () => {
    const out = path.join(dir, 'out');
    const runner = fakeRunner(machine('buildx-inspect-wasm', 'buildx-build-wasm'));
    fs.mkdirSync(path.join(out, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(out, 'hello.wasm'), '\0asm');
    fs.writeFileSync(path.join(out, 'sub', 'b.wasm'), '\0asm');
    fs.writeFileSync(path.join(out, 'notes.txt'), '');
    const r = await runWasmBuild(new Docker(runner), opts({ output: ['type=local,dest=out'], frontend: 'ghcr.io/o/f:1' }).options, false);
    expect(r.modules).toEqual(['out/hello.wasm', 'out/sub/b.wasm']);
    expect(r.runCommand).toBe('wasmtime run out/hello.wasm');
  });

  it('fails early without buildx (exit 3)', async () => {
    const runner = fakeRunner([
      { args: ['version', '--format', '{{json .}}'], replies: ['docker-20.10-version'] },
      { args: ['buildx', 'version'], replies: ['docker-20.10-buildx-missing'] },
    ]);
    await expect(runWasmBuild(new Docker(runner), opts({}).options, false)).rejects.toMatchObject({ exitCode: ExitCode.Tooling });
  });

  it('fails on a missing --builder (exit 1)', async () => {
    const runner = fakeRunner(machine('buildx-inspect-not-found', 'buildx-build-wasm'));
    await expect(runWasmBuild(new Docker(runner), opts({ builder: 'wasm' }).options, false)).rejects.toMatchObject({ exitCode: ExitCode.Failed, message: 'no builder "wasm" found' });
  });
});

describe('runCommandFor', () => {
  const base = { platforms: ['wasi/wasm'], runtime: 'io.containerd.wasmtime.v1' };
  it.each([
    ['loaded image', { tags: ['a:1'], load: true }, 'docker run --rm --runtime=io.containerd.wasmtime.v1 --platform=wasi/wasm a:1'],
    ['pushed image', { tags: ['ghcr.io/o/a:1'], push: true }, 'docker run --rm --runtime=io.containerd.wasmtime.v1 --platform=wasi/wasm ghcr.io/o/a:1'],
    ['no tag', { load: true }, 'docker run --rm --runtime=io.containerd.wasmtime.v1 --platform=wasi/wasm IMAGE'],
    ['another runtime', { tags: ['a:1'], load: true, runtime: 'io.containerd.wasmedge.v1' }, 'docker run --rm --runtime=io.containerd.wasmedge.v1 --platform=wasi/wasm a:1'],
    ['a linux image', { tags: ['a:1'], load: true, platforms: ['linux/amd64'] }, 'docker run --rm a:1'],
    ['an oci tarball', { outputs: ['type=oci,dest=a.tar'] }, undefined],
    ['a local output without modules', { outputs: ['out'] }, undefined],
  ])('%s', (_, o, expected) => {
    expect(runCommandFor('docker', { ...base, ...o }, [])).toBe(expected);
  });

  it('reads local destinations', () => {
    expect(localDest('type=local,dest=out')).toBe('out');
    expect(localDest('out')).toBe('out');
    expect(localDest('type=tar,dest=a.tar')).toBeUndefined();
    expect(localDest('-')).toBeUndefined();
  });
});
