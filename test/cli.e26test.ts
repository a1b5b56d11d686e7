// The wasm-frontend command line against the real tools: Docker 26.1.5, buildx 0.13.1, the
// containerd image store and crun's WasmEdge handler (scripts/ci/engine26.sh), with
// WASM_FRONTEND_DOCKER naming the scripts/ci/docker26 client.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { docker26, DOCKER26, FRONTEND_IMAGE, REPO, requireEngine26, TOOLCHAIN_IMAGE } from './engine26.js';

const CLI = path.join(REPO, 'dist/cli.cjs');
const ns = `e26-${FRONTEND_IMAGE.split(':').pop()!.replace(/[^a-z0-9_.-]/g, '-')}`;

async function cli(args: string[]) {
  const r = await execa('node', [CLI, ...args], { cwd: REPO, env: { WASM_FRONTEND_DOCKER: DOCKER26 }, reject: false, timeout: 10 * 60_000, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

beforeAll(async () => {
  await requireEngine26([FRONTEND_IMAGE, TOOLCHAIN_IMAGE]);
  const b = await execa('npm', ['run', 'build:cli'], { cwd: REPO, reject: false });
  expect(b.exitCode, String(b.stderr)).toBe(0);
});

describe('wasm-frontend doctor', () => {
  test('every check passes: containerd store, docker driver builder, crun detected', async () => {
    const r = await cli(['doctor', '--json', '--frontend', FRONTEND_IMAGE]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const checks = Object.fromEntries((JSON.parse(r.stdout).checks as { id: string; status: string; summary: string }[]).map((c) => [c.id, c]));
    expect(Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, c.status]))).toEqual({ docker: 'ok', daemon: 'ok', buildx: 'ok', builder: 'ok', 'image-store': 'ok', shims: 'ok', frontend: 'ok' });
    expect(checks.daemon.summary).toBe('Docker Engine 26.1.5+dfsg1 on linux/amd64');
    expect(checks['image-store'].summary).toMatch(/^containerd image store \(overlayfs\)/);
    expect(checks.shims.summary).toMatch(/^runtime "crun" is registered: docker run --rm --runtime crun --platform wasi\/wasm --annotation run\.oci\.handler=wasm IMAGE/);
  });

  test('--probe runs the crun command it recommends, for real, and leaves no image behind', async () => {
    const r = await cli(['doctor', '--probe', '--frontend', FRONTEND_IMAGE]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('ok    shims       ran a wasi/wasm image with: docker run --rm --runtime crun --platform wasi/wasm --annotation run.oci.handler=wasm IMAGE\n');
    const left = await docker26(['image', 'inspect', 'wasm-frontend-probe:doctor']);
    expect(left.exitCode).not.toBe(0);
  });
});

describe('wasm-frontend build', () => {
  test('builds c-hello into the image store and prints a crun command that runs it', async () => {
    const image = `${ns}/cli-c-hello:1`;
    const r = await cli(['build', '-t', image, '--frontend', FRONTEND_IMAGE, '--progress', 'plain', ...['WASM_C_IMAGE', 'WASM_RUST_IMAGE'].flatMap((a) => ['--build-arg', `${a}=${TOOLCHAIN_IMAGE}`]), 'testdata/c-hello']);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).not.toMatch(/^warning:/m);
    const m = /^run it: {2}(\S+) (run .*)$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(m![1]).toBe(DOCKER26);
    expect(m![2]).toBe(`run --rm --runtime=crun --platform=wasi/wasm --annotation=run.oci.handler=wasm ${image}`);
    const run = await docker26(m![2].split(' '));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout + '\n').toBe(fs.readFileSync(path.join(REPO, 'testdata/c-hello/expected-stdout.txt'), 'utf8'));
  });
});
