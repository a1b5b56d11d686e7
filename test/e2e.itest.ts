// End to end on the real dockerd (BuildKit v0.8 inside dockerd 20.10): the frontend image is
// selected by `# syntax=` or BUILDKIT_SYNTAX, builds the examples for wasi/wasm, and the
// exported modules run under node:wasi. Needs the images .ci/run builds (npm run image first).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { docker, dockerBuild, FRONTEND_IMAGE } from './docker.js';
import { runWasi } from './wasi.js';

const top = path.resolve(__dirname, '..');

beforeAll(async () => {
  const r = await docker(['image', 'inspect', FRONTEND_IMAGE]);
  if (r.exitCode !== 0) throw new Error(`${FRONTEND_IMAGE} is missing: run NODE_IMAGE=local/node:20 npm run image first`);
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe.each(['rust-hello', 'c-hello'])('%s for wasi/wasm through # syntax=', (example) => {
  const dir = path.join(top, 'testdata', example);
  let out: string;
  let log: string;

  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${example}-`));
    const r = await dockerBuild(dir, ['--platform', 'wasi/wasm', '-o', `type=local,dest=${out}`]);
    log = r.stderr;
    expect(r.exitCode, r.stderr).toBe(0);
  });

  test('the build went through our frontend image', () => {
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toMatch(new RegExp(`^# syntax=${FRONTEND_IMAGE}`));
    expect(log).toContain(`resolve image config for docker.io/${FRONTEND_IMAGE}`);
  });

  test('the image holds exactly the module', () => {
    expect(listFiles(out)).toEqual(['hello.wasm']);
    expect(fs.readFileSync(path.join(out, 'hello.wasm')).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
  });

  test('the module prints its line under node:wasi', async () => {
    const r = await runWasi(path.join(out, 'hello.wasm'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(path.join(dir, 'expected-stdout.txt'), 'utf8'));
  });
});

describe('errors through docker build name the line', () => {
  test.each([
    ['unknown-instruction', 'dockerfile parse error on line 2: unknown instruction: COPPY (did you mean COPY?)'],
    ['copy-one-argument', 'dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined'],
  ])('%s', async (name, message) => {
    const r = await dockerBuild(path.join(top, 'testdata/errors', name), ['--build-arg', `BUILDKIT_SYNTAX=${FRONTEND_IMAGE}`, '-o', `type=local,dest=${os.tmpdir()}/e2e-err`]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('failed to solve with frontend gateway.v0');
    expect(r.stderr).toContain(`code = InvalidArgument desc = ${message}`);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.cjs/);
  });
});
