// WASM_AOT through the real frontend bundle and the harness: the compile step's LLB (image,
// platform, mounts, command), the portable and bundled results (file ops, image config, labels
// read from the step's version file) and the errors at the ENTRYPOINT line. The harness runs
// nothing: the compile step's output is a folder served in its place. WasmEdge itself runs in
// test/aot.itest.ts; wasmtime and WAMR are tested here only.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Op } from '../src/pb/index.js';
import { stripDebug } from '../src/wasm/module.js';
import { Fixture } from './protocol-helpers.js';
import { runHarness, type HarnessImage, type HarnessRun, type HarnessSolve } from './harness/index.js';
import { wasmCommand, wasmComponent } from './wasm-fixture.js';

const TOOLCHAIN = 'docker.io/local/wasm-toolchain:bookworm';
const linuxImage = (arch: string, extra: Record<string, unknown> = {}): HarnessImage['config'] => ({
  os: 'linux',
  architecture: arch,
  config: { Env: ['PATH=/usr/bin:/bin'], ...extra },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + '1'.repeat(64)] },
  history: [{ created_by: 'base layer' }],
});
const images: Record<string, HarnessImage> = {
  [TOOLCHAIN]: { config: linuxImage('amd64'), platforms: ['linux/amd64', 'linux/arm64'] },
  'docker.io/wasmedge/slim:0.14.1': { config: linuxImage('amd64'), platforms: ['linux/amd64'] },
  'ghcr.io/componentized/wasmtime:v36.0.10': { config: linuxImage('amd64', { Entrypoint: ['wasmtime'], Cmd: ['--version'] }), platforms: ['linux/amd64', 'linux/arm64'] },
  'docker.io/local/wamr:2.2.0': { config: linuxImage('amd64'), platforms: ['linux/amd64'] },
};

// The shared fixture: the bundle once, and folders removed afterwards.
const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());
const folder = (files: Record<string, string | Buffer>) => fx.dir(files);

const compileExec = (s: HarnessSolve) => s.ops.find((o) => o.op.exec?.meta?.args?.[2]?.includes('> /out/version'))?.op;
const fileOps = (s: HarnessSolve) => s.ops.filter((o) => o.op.file).map((o) => o.op);
const moduleStep = (s: HarnessSolve) => s.ops.some((o) => o.op.file?.actions?.some((a) => a.mkfile?.path?.endsWith('.wasm')));
const localsOnly = (s: HarnessSolve) => s.ops.every((o) => !o.op.exec && !o.op.file && (!o.op.source || o.op.source.identifier?.startsWith('local://')));

const DF = 'FROM local/wasm-toolchain:bookworm AS build\nRUN make\n\nFROM scratch\nCOPY --from=build /out/ /\nENV GREETING=hi\nENTRYPOINT ["/app.wasm"]\nCMD ["35"]\n';

/**
 * Builds DF with `opts`; the target stage serves `module`, the compile step serves `compiled`
 * (files `version` and `module<ext>`), or fails with `compileError`.
 */
async function build(opts: Record<string, string>, o: { module?: Buffer; compiled?: Record<string, string | Buffer>; compileError?: string } = {}): Promise<HarnessRun> {
  const ctx = folder({ Dockerfile: DF });
  const out = folder({ 'app.wasm': o.module ?? wasmCommand({ custom: [['.debug_info', 3000]] }) });
  const compiled = folder(o.compiled ?? { version: 'wasmedge version 0.14.1\n (plugin "wasi_logging") version 0.1.0.0\n', 'module.wasm': Buffer.alloc(4096, 1) });
  return runHarness({
    bundle: fx.bundle,
    contextDir: ctx,
    opts: { filename: 'Dockerfile', platform: 'wasi/wasm', ...opts },
    images,
    timeoutMs: 20_000,
    onSolve: (s) => {
      if (compileExec(s)) return o.compileError ? { error: { message: o.compileError } } : { dir: compiled };
      if (localsOnly(s) || moduleStep(s) || fileOps(s).some((f) => f.file!.actions!.some((a) => a.copy?.src?.startsWith('/module')))) return undefined;
      return { dir: out };
    },
  });
}

function config(r: HarnessRun) {
  const raw = r.returned?.result?.metadata['containerimage.config'];
  if (!raw) throw new Error(`no config: ${JSON.stringify(r.returned?.error)}\n${r.stderr}`);
  return JSON.parse(raw.toString());
}

function env(op: Op): Record<string, string> {
  return Object.fromEntries((op.exec!.meta!.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** The compile step, its image source, and the final file op (the last solve). */
function steps(r: HarnessRun) {
  const solve = r.solves.find(compileExec)!;
  const exec = compileExec(solve)!;
  const source = solve.ops.find((o) => o.op.source?.identifier?.startsWith('docker-image://'))!.op;
  const last = r.solves[r.solves.length - 1];
  return { exec, source, last, final: fileOps(last).at(-1)! };
}

describe('WASM_AOT=wasmedge, portable (wasi/wasm)', () => {
  test('compiles on the build platform in the pinned image, replaces the module, labels the version it reported', async () => {
    const module = wasmCommand({ custom: [['.debug_info', 3000]] });
    const r = await build({ 'build-arg:WASM_AOT': 'wasmedge' }, { module });
    const img = config(r);
    const { exec, source, final } = steps(r);
    expect(source.source!.identifier).toBe('docker-image://docker.io/wasmedge/slim:0.14.1');
    expect(source.platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
    expect(exec.platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
    const script = exec.exec!.meta!.args![2];
    expect(script).toContain('wasmedge --version > /out/version');
    expect(script).toContain('wasmedge compile --generic-binary "$IN" "$OUT"');
    expect(env(exec)).toMatchObject({ IN: '/in/app.wasm', OUT: '/out/module.wasm', TARGET: '' });
    const mounts = exec.exec!.mounts!.map((m) => ({ dest: m.dest, readonly: !!m.readonly, output: m.output ?? 0 }));
    expect(mounts).toEqual([
      { dest: '/', readonly: false, output: 0 },
      { dest: '/in', readonly: true, output: -1 },
      { dest: '/out', readonly: false, output: 1 },
    ]);
    expect(exec.exec!.network).toBe(2); // NetMode.NONE

    // One layer onto scratch: the module image's files, the module replaced by the compiled one.
    const actions = final.file!.actions!;
    expect(actions[0].copy).toMatchObject({ src: '/', dest: '/' });
    expect(actions[0].input).toBe(-1);
    expect(actions[1].rm!.path).toBe('/app.wasm');
    expect(actions[2].copy).toMatchObject({ src: '/module.wasm', dest: '/app.wasm', mode: 0o644 });

    expect(img.os).toBe('wasi');
    expect(img.architecture).toBe('wasm');
    expect(img.config.Entrypoint).toEqual(['/app.wasm']);
    expect(img.config.Labels).toMatchObject({
      'org.wasm-frontend.aot.runtime': 'wasmedge',
      'org.wasm-frontend.aot.version': '0.14.1',
      'org.wasm-frontend.aot.arch': 'amd64',
      'org.wasm-frontend.aot.shape': 'portable',
      'org.wasm-frontend.aot.size': '4096',
      'org.wasm-frontend.aot.module-digest': 'sha256:' + createHash('sha256').update(stripDebug(module).bytes).digest('hex'),
      'org.wasm-frontend.module': '/app.wasm',
    });
    expect(img.history.at(-1).created_by).toBe('wasm-frontend: AOT /app.wasm: 0.1 KiB module -> 4.0 KiB universal wasm (0.14.1, amd64)');
  });

  test('WASM_WASMEDGE_IMAGE replaces the compiler image; WASM_AOT unset changes nothing', async () => {
    const r = await build({ 'build-arg:WASM_AOT': 'WasmEdge', 'build-arg:WASM_WASMEDGE_IMAGE': 'local/wamr:2.2.0' });
    expect(steps(r).source.source!.identifier).toBe('docker-image://docker.io/local/wamr:2.2.0');
    const off = await build({});
    expect(off.solves.some(compileExec)).toBe(false);
    expect(config(off).config.Labels['org.wasm-frontend.aot.runtime']).toBeUndefined();
  });
});

test('--no-cache recompiles: the compile step ignores the cache; without it the step is cacheable', async () => {
  const ignored = (r: HarnessRun) => {
    const solve = r.solves.find(compileExec)!;
    const digest = solve.ops.find((o) => o.op === compileExec(solve))!.digest;
    return !!solve.definition.metadata?.[digest]?.ignore_cache;
  };
  expect(ignored(await build({ 'build-arg:WASM_AOT': 'wasmedge', 'no-cache': '' }))).toBe(true);
  expect(ignored(await build({ 'build-arg:WASM_AOT': 'wasmedge' }))).toBe(false);
});

describe('the bundled shape (linux/<arch>)', () => {
  const wasmtime = { version: 'wasmtime 36.0.10 (bc1f3b5b3 2025-10-01)\n', 'module.cwasm': Buffer.alloc(9000, 2) };

  test('wasmtime: the runtime image plus the .cwasm, ENTRYPOINT wasmtime run --allow-precompiled', async () => {
    const r = await build({ platform: 'linux/amd64', 'build-arg:WASM_AOT': 'wasmtime' }, { compiled: wasmtime });
    const img = config(r);
    const { exec, source, last, final } = steps(r);
    expect(source.source!.identifier).toBe('docker-image://ghcr.io/componentized/wasmtime:v36.0.10');
    expect(exec.exec!.meta!.args![2]).toContain('wasmtime compile --target "$TARGET" -o "$OUT" "$IN"');
    expect(env(exec)).toMatchObject({ OUT: '/out/module.cwasm', TARGET: 'x86_64-unknown-linux-gnu' });
    // The file op sits on the runtime image for the target platform.
    const base = last.ops.find((o) => o.op.source?.identifier?.startsWith('docker-image://ghcr.io'))!.op;
    expect(base.platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
    const actions = final.file!.actions!;
    expect(actions.map((a) => Object.keys(a).find((k) => ['copy', 'rm', 'mkfile'].includes(k)))).toEqual(['copy', 'rm', 'copy']);
    expect(actions[2].copy).toMatchObject({ src: '/module.cwasm', dest: '/app.cwasm', mode: 0o644 });

    expect(img).toMatchObject({ os: 'linux', architecture: 'amd64' });
    expect(img.config.Entrypoint).toEqual(['wasmtime', 'run', '--allow-precompiled', '--dir', '/::/', '--env', 'GREETING=hi', '/app.cwasm']);
    expect(img.config.Cmd).toEqual(['35']);
    expect(img.config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hi']);
    expect(img.config.Labels).toMatchObject({
      'org.wasm-frontend.aot.runtime': 'wasmtime',
      'org.wasm-frontend.aot.version': '36.0.10',
      'org.wasm-frontend.aot.arch': 'amd64',
      'org.wasm-frontend.aot.shape': 'bundled',
      'org.wasm-frontend.aot.size': '9000',
    });
    expect(img.history.map((h: { created_by: string }) => h.created_by)).toEqual(['base layer', 'wasm-frontend: AOT /app.wasm: 0.1 KiB module -> 8.8 KiB .cwasm (36.0.10, amd64)']);
    expect(Object.keys(r.returned!.result!.metadata).filter((k) => k.startsWith('annotation'))).toEqual([]);
  });

  test('wasmtime for linux/arm64: compiled on the build platform with --target aarch64, the arm64 runtime image', async () => {
    const r = await build({ platform: 'linux/arm64', 'build-arg:WASM_AOT': 'wasmtime' }, { compiled: wasmtime });
    const img = config(r);
    const { exec, last } = steps(r);
    expect(exec.platform).toMatchObject({ Architecture: 'amd64' });
    expect(env(exec).TARGET).toBe('aarch64-unknown-linux-gnu');
    expect(last.ops.find((o) => o.op.source?.identifier?.startsWith('docker-image://ghcr.io'))!.op.platform).toMatchObject({ Architecture: 'arm64' });
    expect(img).toMatchObject({ os: 'linux', architecture: 'arm64' });
    expect(img.config.Labels['org.wasm-frontend.aot.arch']).toBe('arm64');
  });

  test('wamr: wamrc --target, ENTRYPOINT iwasm, in the image WASM_WAMR_IMAGE names', async () => {
    const r = await build(
      { platform: 'linux/amd64', 'build-arg:WASM_AOT': 'wamr', 'build-arg:WASM_WAMR_IMAGE': 'local/wamr:2.2.0' },
      { compiled: { version: 'wamrc 2.2.0\n', 'module.aot': Buffer.alloc(5000, 3) } },
    );
    const img = config(r);
    expect(steps(r).exec.exec!.meta!.args![2]).toContain('wamrc --target="$TARGET" -o "$OUT" "$IN"');
    expect(env(steps(r).exec).TARGET).toBe('x86_64');
    expect(img.config.Entrypoint).toEqual(['iwasm', '--dir=/', '--env=GREETING=hi', '/app.aot']);
    expect(img.config.Labels['org.wasm-frontend.aot.version']).toBe('2.2.0');
  });
});

describe('WASM_AOT errors name the ENTRYPOINT line', () => {
  test.each([
    ['unknown runtime', { 'build-arg:WASM_AOT': 'wasmer' }, {}, 'unknown WASM_AOT runtime "wasmer": use one of wasmedge, wasmtime, wamr'],
    ['unknown option', { 'build-arg:WASM_AOT': 'wasmedge,fast' }, {}, 'unknown WASM_AOT option "fast": the form is WASM_AOT=<runtime>[,arch=<arch>]'],
    ['unknown arch', { 'build-arg:WASM_AOT': 'wasmtime,arch=mips' }, {}, 'unknown WASM_AOT architecture "mips": use amd64, arm64, riscv64, s390x'],
    [
      'wasmtime without the bundled shape',
      { 'build-arg:WASM_AOT': 'wasmtime' },
      {},
      'WASM_AOT=wasmtime: wasmtime compiles to a .cwasm file, which is not a wasm module: no wasm shim runs it as a wasi/wasm ENTRYPOINT. Build a linux image that bundles wasmtime instead: --platform linux/amd64',
    ],
    [
      'wamr without the bundled shape',
      { 'build-arg:WASM_AOT': 'wamr' },
      {},
      'WASM_AOT=wamr: wamr compiles to a .aot file, which is not a wasm module: no wasm shim runs it as a wasi/wasm ENTRYPOINT. Build a linux image that bundles wamr instead: --platform linux/amd64',
    ],
    ['wamr without an image', { platform: 'linux/amd64', 'build-arg:WASM_AOT': 'wamr' }, {}, 'WASM_AOT=wamr: no public image has wamrc and iwasm: set --build-arg WASM_WAMR_IMAGE=<image>'],
    [
      'a component for wasmedge',
      { 'build-arg:WASM_AOT': 'wasmedge' },
      { module: wasmComponent() },
      'WASM_AOT=wasmedge: "/app.wasm" is a WebAssembly component (WASI preview 2); wasmedge compiles only core modules: build for wasm32-wasip1 or use wasmtime',
    ],
    ['wasmedge cross-compiling', { 'build-arg:WASM_AOT': 'wasmedge,arch=arm64' }, {}, 'WASM_AOT=wasmedge: the compiler targets only the machine it runs on, the build platform (amd64), not arm64'],
    ['wasmedge for another linux arch', { platform: 'linux/arm64', 'build-arg:WASM_AOT': 'wasmedge' }, {}, 'WASM_AOT=wasmedge: the compiler targets only the machine it runs on, the build platform (amd64), not arm64'],
    ['AOT arch against the image platform', { platform: 'linux/arm64', 'build-arg:WASM_AOT': 'wasmtime,arch=amd64' }, {}, 'WASM_AOT=wasmtime: the AOT architecture amd64 does not match the image platform linux/arm64'],
    ['an invalid compiler image', { 'build-arg:WASM_AOT': 'wasmedge', 'build-arg:WASM_WASMEDGE_IMAGE': 'Bad Image' }, {}, /^WASM_AOT=wasmedge: WASM_WASMEDGE_IMAGE="Bad Image" is not an image reference: /],
    ['a failing compiler', { 'build-arg:WASM_AOT': 'wasmedge' }, { compileError: 'process "/bin/sh -c ..." did not complete successfully: exit code: 1' }, 'WASM_AOT=wasmedge: the compiler failed: process "/bin/sh -c ..." did not complete successfully: exit code: 1'],
    ['a compiler that reports nothing', { 'build-arg:WASM_AOT': 'wasmedge' }, { compiled: { version: 'wasmedge version 0.14.1\n' } }, 'WASM_AOT=wasmedge: the compiler wrote no .wasm file'],
  ])('%s', async (_name, opts, o, message) => {
    const r = await build(opts as Record<string, string>, o as Parameters<typeof build>[1]);
    expect(r.exitCode).toBe(0);
    const err = r.returned?.error;
    if (typeof message === 'string') expect(err?.message, r.stderr).toBe(message);
    else expect(err?.message, r.stderr).toMatch(message);
    const src = err!.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))!.json as { ranges: { start: { line: number } }[] };
    expect(src.ranges[0].start.line).toBe(7);
  });
});
