// WASM_AOT=wasmedge on Docker 26 (BuildKit v0.13, buildx 0.13.1, containerd store, crun with
// WasmEdge): the portable image (wasi/wasm, universal wasm) lands in the image store and runs
// under crun's WasmEdge handler; the bundled image (linux/amd64, WasmEdge 0.14.1 from Debian
// trixie plus the universal wasm) runs with a plain `docker run`. Outputs equal
// expected-stdout.txt. Needs scripts/ci/engine26.sh start and the host images FRONTEND_IMAGE,
// TOOLCHAIN_IMAGE and local/wasmedge:0.14.1 (scripts/images/wasmedge.sh; loaded here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { crunRunArgs, docker26, FRONTEND_IMAGE, REPO, requireEngine26, TOOLCHAIN_IMAGE } from './engine26.js';

const WASMEDGE = process.env.WASMEDGE_IMAGE ?? 'local/wasmedge:0.14.1';
const examples = ['rust-hello', 'rust-fib'];
const ns = `e26-aot-${FRONTEND_IMAGE.split(':').pop()!.replace(/[^a-z0-9_.-]/g, '-')}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'e26-aot-'));
const args = [
  ['WASM_RUST_IMAGE', TOOLCHAIN_IMAGE],
  ['WASM_AOT', 'wasmedge'],
  ['WASM_WASMEDGE_IMAGE', WASMEDGE],
].flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
const built: string[] = [];

beforeAll(async () => {
  await requireEngine26([FRONTEND_IMAGE, TOOLCHAIN_IMAGE, WASMEDGE]);
});
afterAll(async () => {
  if (built.length) await docker26(['rmi', ...built]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The example's Dockerfile with `# syntax=` naming FRONTEND_IMAGE. */
function dockerfileFor(example: string): string {
  const text = fs.readFileSync(path.join(REPO, 'testdata', example, 'Dockerfile'), 'utf8');
  const file = path.join(fs.mkdtempSync(path.join(tmp, `${example}-`)), 'Dockerfile');
  fs.writeFileSync(file, text.replace(/^# syntax=\S+\n/, `# syntax=${FRONTEND_IMAGE}\n`));
  return file;
}

const expected = (example: string) => fs.readFileSync(path.join(REPO, 'testdata', example, 'expected-stdout.txt'), 'utf8');

async function buildLoad(example: string, platform: string, image: string): Promise<void> {
  const r = await docker26(['buildx', 'build', '--progress=plain', '--provenance=false', '--platform', platform, '--load', '-t', image, '-f', dockerfileFor(example), ...args, path.join(REPO, 'testdata', example)]);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/\[wasm aot\] \/[\w.-]+\.wasm: [\d.]+ KiB module -> [\d.]+ KiB universal wasm \(0\.14\.1, amd64\)/);
  built.push(image);
}

async function inspect(image: string) {
  const r = await docker26(['image', 'inspect', image]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout)[0] as { Os: string; Architecture: string; Config: { Entrypoint: string[]; Labels: Record<string, string> } };
}

describe.each(examples)('%s with WASM_AOT=wasmedge on Docker 26', (example) => {
  test('portable: wasi/wasm in the image store, runs under crun', async () => {
    const image = `${ns}/${example}:portable`;
    await buildLoad(example, 'wasi/wasm', image);
    const info = await inspect(image);
    expect(`${info.Os}/${info.Architecture}`).toBe('wasi/wasm');
    expect(info.Config.Labels).toMatchObject({ 'org.wasm-frontend.aot.shape': 'portable', 'org.wasm-frontend.aot.version': '0.14.1' });
    const r = await docker26(crunRunArgs(image));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + '\n').toBe(expected(example));
  });

  test('bundled: linux/amd64, runs with a plain docker run', async () => {
    const image = `${ns}/${example}:bundled`;
    await buildLoad(example, 'linux/amd64', image);
    const info = await inspect(image);
    expect(`${info.Os}/${info.Architecture}`).toBe('linux/amd64');
    expect(info.Config.Entrypoint[0]).toBe('wasmedge');
    const r = await docker26(['run', '--rm', '--network', 'none', image]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + '\n').toBe(expected(example));
  });
});
