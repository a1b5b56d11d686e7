// End to end on the real dockerd (BuildKit v0.8 inside dockerd 20.10): the frontend image is
// selected by `# syntax=` or BUILDKIT_SYNTAX, builds the examples for wasi/wasm, and the
// exported modules run under node:wasi. Needs the images .ci/run builds (npm run image first).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { inspectWasm } from '../src/wasm/module.js';
import { docker, dockerBuild, FRONTEND_IMAGE } from './docker.js';
import { exampleMatrix, toolchainBuildArgs } from './examples.js';
import { runWasi } from './wasi.js';

const top = path.resolve(__dirname, '..');

beforeAll(async () => {
  const r = await docker(['image', 'inspect', FRONTEND_IMAGE]);
  if (r.exitCode !== 0) throw new Error(`${FRONTEND_IMAGE} is missing: run NODE_IMAGE=local/node:20 npm run image first`);
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

const runs = exampleMatrix();

/**
 * The examples name local/wasm-frontend:dev on their `# syntax=` line. Under another
 * FRONTEND_IMAGE (a helper's own tag) BUILDKIT_SYNTAX, which BuildKit prefers to the
 * directive, selects it instead.
 */
function syntaxArgs(dir: string): string[] {
  const first = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8').split('\n', 1)[0];
  return first === `# syntax=${FRONTEND_IMAGE}` ? [] : ['--build-arg', `BUILDKIT_SYNTAX=${FRONTEND_IMAGE}`];
}

beforeAll(async () => {
  // Every image the matrix uses must be there: a missing one is a setup error, not a skip.
  for (const image of new Set(runs.map(([, img]) => img.image))) {
    const r = await docker(['image', 'inspect', image]);
    if (r.exitCode !== 0) throw new Error(`${image} is missing: run scripts/images/toolchain.sh and scripts/images/toolchain-trixie.sh`);
  }
});

/**
 * Examples built for wasi/wasm: each has expected-stdout.txt and ends in a one-module image. An
 * example with toolchain stages is built once per toolchain image (test/examples.ts).
 */
describe.each(runs.map(([ex, img]) => ({ ex, img, label: ex.toolchainStage ? `${ex.name} with the ${img.name} toolchain` : ex.name })))('$label for wasi/wasm through # syntax=', ({ ex, img }) => {
  const { dir, name: example } = ex;
  let out: string;
  let log: string;

  beforeAll(async () => {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const r = await execa('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, reject: false });
      expect(r.exitCode, String(r.stderr)).toBe(0);
    }
    out = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${example}-${img.name}-`));
    const r = await dockerBuild(dir, ['--platform', 'wasi/wasm', ...syntaxArgs(dir), ...toolchainBuildArgs(img.image), '-o', `type=local,dest=${out}`]);
    log = r.stderr;
    expect(r.exitCode, r.stderr).toBe(0);
  });

  test('the build went through our frontend image', () => {
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toMatch(/^# syntax=local\/wasm-frontend:dev\n/);
    expect(log).toContain(`resolve image config for docker.io/${FRONTEND_IMAGE}`);
    expect(log).toMatch(/\[wasm\] \/[\w.-]+\.wasm: command module, /);
    if (ex.toolchainStage) expect(log).toMatch(new RegExp(`\\] FROM docker\\.io/${img.image}\\n`));
  });

  test('the image holds exactly one module, mode 0644', () => {
    const files = listFiles(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.wasm$/);
    const file = path.join(out, files[0]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const info = inspectWasm(bytes);
    expect(info.sections.filter((s) => s.name?.startsWith('.debug_'))).toEqual([]);
    if (example === 'rust-hello') expect(bytes.length).toBeLessThanOrEqual(80 * 1024);
  });

  test('the module prints its line under node:wasi', async () => {
    const [file] = listFiles(out);
    const r = await runWasi(path.join(out, file));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(path.join(dir, 'expected-stdout.txt'), 'utf8'));
  });
});

test('rust-multi for linux/amd64 gives a static binary that prints the same line', async () => {
  const dir = path.join(top, 'testdata', 'rust-multi');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-multi-linux-'));
  const r = await dockerBuild(dir, ['--platform', 'linux/amd64', '-o', `type=local,dest=${out}`]);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(listFiles(out)).toEqual(['hello']);
  const run = await execa(path.join(out, 'hello'), [], { reject: false });
  expect(run.stdout + '\n').toBe(fs.readFileSync(path.join(dir, 'expected-stdout.txt'), 'utf8'));
});

describe('errors through docker build name the line', () => {
  test.each([
    ['unknown-instruction', 'dockerfile parse error on line 2: unknown instruction: COPPY (did you mean COPY?)'],
    ['copy-one-argument', 'dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined'],
  ])('%s', async (name, message) => {
    const r = await dockerBuild(path.join(top, 'testdata/errors', name), ['--build-arg', `BUILDKIT_SYNTAX=${FRONTEND_IMAGE}`, '-o', `type=local,dest=${os.tmpdir()}/e2e-err`]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('failed to solve with frontend gateway.v0');
    expect(r.stderr).toContain(`code = Unknown desc = ${message}`);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.cjs/);
  });
});
