// WASM_AOT=wasmedge for real on dockerd 20.10 (BuildKit v0.8), with WasmEdge 0.14.1 from Debian
// trixie (scripts/images/wasmedge.sh -> local/wasmedge:0.14.1, passed as WASM_WASMEDGE_IMAGE):
// - portable: exported with -o type=local; still a valid module with a `wasmedge` custom
//   section, prints the expected line under node:wasi and under the wasmedge CLI (AOT code);
// - bundled: built for linux/amd64 with -t and run with a plain `docker run`;
// - a rebuild with an unchanged module does not recompile (the step is CACHED).
// The Docker 26 runs (crun's WasmEdge handler, bundled image) are in test/aot.e26test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inspectWasm } from '../src/wasm/module.js';
import { docker, dockerBuild, FRONTEND_IMAGE } from './docker.js';
import { runWasi } from './wasi.js';
import { wasmCommand } from './wasm-fixture.js';

const top = path.resolve(__dirname, '..');
const WASMEDGE = process.env.WASMEDGE_IMAGE ?? 'local/wasmedge:0.14.1';
const toolchain = process.env.TOOLCHAIN_IMAGE ?? 'local/wasm-toolchain:bookworm';
const args = [
  ['BUILDKIT_SYNTAX', FRONTEND_IMAGE],
  ['WASM_RUST_IMAGE', toolchain],
  ['WASM_AOT', 'wasmedge'],
  ['WASM_WASMEDGE_IMAGE', WASMEDGE],
].flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
const tag = (example: string) => `wasm-frontend-aot/${example}:${FRONTEND_IMAGE.replace(/[^\w.-]/g, '-')}`;
const tmp: string[] = [];
const tags: string[] = [];

beforeAll(async () => {
  for (const image of [FRONTEND_IMAGE, WASMEDGE]) {
    const r = await docker(['image', 'inspect', image]);
    if (r.exitCode !== 0) throw new Error(`${image} is missing: run scripts/images/wasmedge.sh and NODE_IMAGE=local/node:20 npm run image first`);
  }
});
afterAll(async () => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
  if (tags.length) await docker(['rmi', ...tags]);
});

function mkdtemp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmp.push(d);
  return d;
}

const portableExamples = ['rust-hello', 'rust-dep', 'rust-fib', 'rust-multi'];
const bundledExamples = ['rust-hello', 'rust-dep', 'rust-fib'];
const modules: Record<string, string> = { 'rust-hello': 'hello.wasm', 'rust-dep': 'hello-dep.wasm', 'rust-fib': 'fib.wasm', 'rust-multi': 'hello.wasm' };

describe.each(portableExamples)('%s with WASM_AOT=wasmedge for wasi/wasm (portable)', (example) => {
  const dir = path.join(top, 'testdata', example);
  const expected = () => fs.readFileSync(path.join(dir, 'expected-stdout.txt'), 'utf8');
  let out: string;
  let log: string;

  beforeAll(async () => {
    out = mkdtemp(`aot-${example}-`);
    const r = await dockerBuild(dir, ['--platform', 'wasi/wasm', ...args, '-o', `type=local,dest=${out}`]);
    log = r.stderr;
    expect(r.exitCode, r.stderr).toBe(0);
  });

  test('the build output shows the compile step and the sizes', () => {
    expect(log).toContain(`[wasm aot] wasmedge compile /${modules[example]}`);
    expect(log).toMatch(new RegExp(`\\[wasm aot\\] /${modules[example].replace('.', '\\.')}: [\\d.]+ KiB module -> [\\d.]+ KiB universal wasm \\(0\\.14\\.1, amd64\\)`));
  });

  test('the module is still a valid module, with native code in a wasmedge section, at 0644', () => {
    const file = path.join(out, modules[example]);
    expect(fs.readdirSync(out)).toEqual([modules[example]]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
    const info = inspectWasm(fs.readFileSync(file));
    expect(info.kind).toBe('module');
    expect(info.sections.filter((s) => s.name === 'wasmedge').length).toBe(1);
  });

  test('it prints the expected line under node:wasi and under the wasmedge CLI', async () => {
    const r = await runWasi(path.join(out, modules[example]));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(expected());
    const w = await docker(['run', '--rm', '--network', 'none', '-v', `${out}:/m:ro`, WASMEDGE, 'wasmedge', `/m/${modules[example]}`]);
    expect(w.exitCode, w.stderr).toBe(0);
    expect(w.stdout + '\n').toBe(expected());
  });
});

describe.each(bundledExamples)('%s with WASM_AOT=wasmedge for linux/amd64 (bundled)', (example) => {
  const dir = path.join(top, 'testdata', example);

  test('builds with -t, runs with a plain docker run, carries the labels', async () => {
    const r = await dockerBuild(dir, ['--platform', 'linux/amd64', ...args, '-t', tag(example)]);
    expect(r.exitCode, r.stderr).toBe(0);
    tags.push(tag(example));
    const run = await docker(['run', '--rm', '--network', 'none', tag(example)]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout + '\n').toBe(fs.readFileSync(path.join(dir, 'expected-stdout.txt'), 'utf8'));
    const inspect = JSON.parse((await docker(['image', 'inspect', tag(example)])).stdout)[0];
    expect(`${inspect.Os}/${inspect.Architecture}`).toBe('linux/amd64');
    expect(inspect.Config.Entrypoint).toEqual(['wasmedge', '--dir', '/:/', `/${modules[example]}`]);
    expect(inspect.Config.Labels).toMatchObject({
      'org.wasm-frontend.aot.runtime': 'wasmedge',
      'org.wasm-frontend.aot.version': '0.14.1',
      'org.wasm-frontend.aot.arch': 'amd64',
      'org.wasm-frontend.aot.shape': 'bundled',
    });
    expect(inspect.Config.Labels['org.wasm-frontend.aot.module-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

test('a rebuild with an unchanged module does not recompile', async () => {
  const dir = path.join(top, 'testdata', 'rust-fib');
  const out = mkdtemp('aot-again-');
  const r = await dockerBuild(dir, ['--platform', 'wasi/wasm', ...args, '-o', `type=local,dest=${out}`]);
  expect(r.exitCode, r.stderr).toBe(0);
  // Plain progress: "#N [wasm aot] wasmedge compile /fib.wasm" then "#N CACHED".
  const step = /#(\d+) \[wasm aot\] wasmedge compile \/fib\.wasm\n/.exec(r.stderr);
  expect(step, r.stderr).not.toBeNull();
  expect(r.stderr).toContain(`#${step![1]} CACHED`);
  expect(r.stderr).not.toContain('[info] compile start');
});

test('a failing compile step fails the build with the cause', async () => {
  const ctx = mkdtemp('aot-fail-');
  // A compiler image without the compiler (the toolchain image has no wasmedge): the step fails.
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY app.wasm /app.wasm\nENTRYPOINT ["/app.wasm"]\n');
  fs.writeFileSync(path.join(ctx, 'app.wasm'), wasmCommand());
  const r = await dockerBuild(ctx, ['--platform', 'wasi/wasm', ...args.slice(0, -2), '--build-arg', `WASM_WASMEDGE_IMAGE=${toolchain}`, '-o', `type=local,dest=${mkdtemp('aot-fail-out-')}`]);
  expect(r.exitCode).not.toBe(0);
  // dockerd 20.10 reports the failed step's own error (the frontend's "WASM_AOT=wasmedge: the
  // compiler failed: ..." wrapping is what the harness sees, test/aot.test.ts).
  const step = /#(\d+) \[wasm aot\] wasmedge compile \/app\.wasm\n/.exec(r.stderr);
  expect(step, r.stderr).not.toBeNull();
  expect(r.stderr).toMatch(new RegExp(`#${step![1]} [\\d.]+ /bin/sh: 2: wasmedge: not found\n`));
  expect(r.stderr).toMatch(/executor failed running \[\/bin\/sh -c set -e\nwasmedge --version > \/out\/version[^\]]*\]: exit code: 127/);
});
