// The examples on the stack users have: Docker 26 with the containerd image store, buildx 0.13.1
// (docker driver, BuildKit v0.13) and crun's WasmEdge handler. Each example is built with
// `docker buildx build --platform wasi/wasm --load` through `# syntax=` (c-hello also through
// BUILDKIT_SYNTAX), lands in the image store as wasi/wasm, and is started with crun; what it
// prints must equal its expected-stdout.txt. Needs scripts/ci/engine26.sh start and the host
// images FRONTEND_IMAGE, TOOLCHAIN_IMAGE (loaded into Docker 26 here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { crunRunArgs, docker26, FRONTEND_IMAGE, REPO, requireEngine26, TOOLCHAIN_IMAGE } from './engine26.js';

const examples = ['rust-hello', 'c-hello', 'rust-dep', 'rust-fib', 'cpp-hello', 'as-hello', 'rust-multi'];
/** Toolchain stages default to public images; offline they use the local toolchain image. */
const toolchainArgs = ['WASM_RUST_IMAGE', 'WASM_C_IMAGE', 'WASM_ASSEMBLYSCRIPT_IMAGE'].flatMap((a) => ['--build-arg', `${a}=${TOOLCHAIN_IMAGE}`]);
/** Image names of this run: one namespace per frontend tag, so helpers sharing the engine do not collide. */
const ns = `e26-${FRONTEND_IMAGE.split(':').pop()!.replace(/[^a-z0-9_.-]/g, '-')}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'e26-examples-'));

beforeAll(async () => {
  await requireEngine26([FRONTEND_IMAGE, TOOLCHAIN_IMAGE]);
});

/**
 * The example's Dockerfile with its `# syntax=` line naming FRONTEND_IMAGE (the checked-in line
 * names local/wasm-frontend:dev), written beside nothing else: the context stays testdata/NAME.
 * `syntax: false` drops the line (for BUILDKIT_SYNTAX).
 */
function dockerfileFor(example: string, syntax = true): string {
  const text = fs.readFileSync(path.join(REPO, 'testdata', example, 'Dockerfile'), 'utf8');
  expect(text).toMatch(/^# syntax=local\/wasm-frontend:dev\n/);
  const dir = fs.mkdtempSync(path.join(tmp, `${example}-`));
  const file = path.join(dir, 'Dockerfile');
  fs.writeFileSync(file, text.replace(/^# syntax=\S+\n/, syntax ? `# syntax=${FRONTEND_IMAGE}\n` : ''));
  return file;
}

/** The "[wasm] run: COMMAND" progress steps of a build log, each once, sorted (plain progress interleaves steps). */
function printedRunCommands(log: string): string[] {
  return [...new Set([...log.matchAll(/^#\d+ \[(?:[\w.-]+ )?wasm\] run: (.+)$/gm)].map((m) => m[1]))].sort();
}

interface Inspected {
  Os: string;
  Architecture: string;
  Config: { Entrypoint: string[] | null; Labels: Record<string, string> | null };
}

async function inspect(image: string): Promise<Inspected> {
  const r = await docker26(['image', 'inspect', image]);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Inspected[])[0];
}

async function expectRunsUnderCrun(image: string, example: string): Promise<void> {
  const r = await docker26(crunRunArgs(image));
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stdout + '\n').toBe(fs.readFileSync(path.join(REPO, 'testdata', example, 'expected-stdout.txt'), 'utf8'));
}

describe.each(examples)('%s: buildx build --platform wasi/wasm --load through # syntax=, run by crun', (example) => {
  const dir = path.join(REPO, 'testdata', example);
  const image = `${ns}/${example}:syntax`;
  const platforms = example === 'rust-multi' ? 'linux/amd64,wasi/wasm' : 'wasi/wasm';
  let log: string;

  beforeAll(async () => {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const r = await execa('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, reject: false });
      expect(r.exitCode, String(r.stderr)).toBe(0);
    }
    const r = await docker26(['buildx', 'build', '--progress=plain', '--platform', platforms, '--load', '-t', image, '-f', dockerfileFor(example), ...toolchainArgs, dir]);
    log = r.stderr;
    expect(r.exitCode, r.stderr).toBe(0);
  });

  test('the build went through our frontend, checked the module and said how to run it', () => {
    expect(log).toContain(`resolve image config for docker-image://docker.io/${FRONTEND_IMAGE}`);
    expect(log).toMatch(/\[wasm\] \/[\w.-]+\.wasm: command module, /);
    expect(printedRunCommands(log)).toContain('docker run --rm --runtime crun --platform wasi/wasm --annotation run.oci.handler=wasm IMAGE');
  });

  test('the image store has it as wasi/wasm, ENTRYPOINT the module', async () => {
    const info = await inspect(image);
    if (example !== 'rust-multi') {
      expect([info.Os, info.Architecture]).toEqual(['wasi', 'wasm']);
      expect(info.Config.Entrypoint).toHaveLength(1);
      expect(info.Config.Entrypoint![0]).toMatch(/^\/[\w.-]+\.wasm$/);
      expect(info.Config.Labels?.['org.wasm-frontend.module']).toBe(info.Config.Entrypoint![0]);
    }
  });

  test('docker run --runtime crun --annotation run.oci.handler=wasm prints expected-stdout.txt', async () => {
    await expectRunsUnderCrun(image, example);
  });

  if (example === 'rust-multi') {
    test('its linux/amd64 image runs as a Linux binary and prints the same line', async () => {
      const r = await docker26(['run', '--rm', '--platform', 'linux/amd64', '--network', 'none', image]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout + '\n').toBe(fs.readFileSync(path.join(dir, 'expected-stdout.txt'), 'utf8'));
    });
  }
});

test('c-hello through BUILDKIT_SYNTAX (no # syntax= line) lands as wasi/wasm and runs', async () => {
  const image = `${ns}/c-hello:buildkit-syntax`;
  const r = await docker26(['buildx', 'build', '--progress=plain', '--platform', 'wasi/wasm', '--load', '-t', image, '-f', dockerfileFor('c-hello', false), '--build-arg', `BUILDKIT_SYNTAX=${FRONTEND_IMAGE}`, ...toolchainArgs, path.join(REPO, 'testdata/c-hello')]);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).toContain(`resolve image config for docker-image://docker.io/${FRONTEND_IMAGE}`);
  const info = await inspect(image);
  expect([info.Os, info.Architecture]).toEqual(['wasi', 'wasm']);
  await expectRunsUnderCrun(image, 'c-hello');
  // The crun command the build printed, verbatim but for the image name, works on this engine.
  const commands = printedRunCommands(r.stderr);
  const crun = 'docker run --rm --runtime crun --platform wasi/wasm --annotation run.oci.handler=wasm IMAGE';
  const wasmtime = 'docker run --rm --runtime io.containerd.wasmtime.v1 --platform wasi/wasm IMAGE';
  expect(commands).toEqual([crun, ...['wamr', 'wasmedge', 'wasmer', 'wasmtime'].map((s) => `docker run --rm --runtime io.containerd.${s}.v1 --platform wasi/wasm IMAGE`)].sort());
  const argv = crun.split(' ').slice(1).map((a) => (a === 'IMAGE' ? image : a));
  const run = await docker26(argv);
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.stdout + '\n').toBe(fs.readFileSync(path.join(REPO, 'testdata/c-hello/expected-stdout.txt'), 'utf8'));
  // The shim commands need runwasi's containerd-shim-*-v1, which Debian does not package: here
  // docker names the missing binary.
  const shim = await docker26(wasmtime.split(' ').slice(1).map((a) => (a === 'IMAGE' ? image : a)));
  expect(shim.exitCode).not.toBe(0);
  expect(shim.stderr).toContain('binary not installed "containerd-shim-wasmtime-v1"');
});
