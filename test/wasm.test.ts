// The wasm layer through the real frontend bundle and the harness: the module image step
// (one layer, stripped module at 0644, ENTRYPOINT, labels, checks) and toolchain stages.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inspectWasm } from '../src/wasm/module.js';
import { Fixture } from './protocol-helpers.js';
import { harnessCapsDockerd2010, runHarness, type HarnessRun, type HarnessSolve } from './harness/index.js';
import { wasmCommand, wasmComponent } from './wasm-fixture.js';

const TOOLCHAIN = 'docker.io/local/wasm-toolchain:bookworm';
const toolchainImage = {
  config: { os: 'linux', architecture: 'amd64', config: { Env: ['PATH=/usr/bin:/bin'] }, rootfs: { type: 'layers', diff_ids: ['sha256:' + '1'.repeat(64)] } },
  platforms: ['linux/amd64'],
};

// The shared fixture: the bundle once, and folders removed afterwards.
const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());
const folder = (files: Record<string, string | Buffer>) => fx.dir(files);

/** Builds `dockerfile` for wasi/wasm; the target stage's filesystem is served as `built` (the harness runs nothing). */
async function build(dockerfile: string, built: Record<string, string | Buffer>, opts: Record<string, string> = {}, llbCaps?: string[], frontendCaps?: string[]): Promise<HarnessRun> {
  const ctx = folder({ Dockerfile: dockerfile });
  const out = folder(built);
  return runHarness({
    bundle: fx.bundle,
    contextDir: ctx,
    opts: { filename: 'Dockerfile', platform: 'wasi/wasm', ...opts },
    images: { [TOOLCHAIN]: toolchainImage },
    timeoutMs: 20_000,
    llbCaps,
    frontendCaps,
    onSolve: (s: HarnessSolve) => (!isFinal(s) && !loadsOnlyLocals(s) ? { dir: out } : undefined),
  });
}

/** The Dockerfile and .dockerignore loads: the harness serves those from the context folder. */
const loadsOnlyLocals = (s: HarnessSolve) => s.ops.every((o) => !o.op.exec && !o.op.file && (!o.op.source || o.op.source.identifier?.startsWith('local://')));
const isFinal = (s: HarnessSolve) => s.ops.some((o) => o.op.file?.actions?.some((a) => a.mkfile?.path?.endsWith('.wasm')));

function config(r: HarnessRun) {
  const raw = r.returned?.result?.metadata['containerimage.config'];
  if (!raw) throw new Error(`no config: ${JSON.stringify(r.returned?.error)}\n${r.stderr}`);
  return JSON.parse(raw.toString());
}

const plain = (entry = 'ENTRYPOINT ["/app.wasm"]') => `FROM ${TOOLCHAIN} AS build\nRUN make\n\nFROM scratch\nCOPY --from=build /out/ /\n${entry}\n`;

describe('the wasi/wasm image', () => {
  test('one layer with the stripped module at 0644; ENTRYPOINT, labels and history', async () => {
    const module = wasmCommand({ custom: [['.debug_info', 20_000], ['.debug_str', 5_000]] });
    const r = await build(plain(), { 'app.wasm': module });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    const final = r.solves.find(isFinal)!;
    const fileOp = final.ops.find((o) => o.op.file?.actions?.some((a) => a.mkfile))!;
    const actions = fileOp.op.file!.actions!;
    expect(actions).toHaveLength(3);
    expect(actions[0].copy).toMatchObject({ src: '/', dest: '/', dirCopyContents: true });
    expect(actions[0].input).toBe(-1); // onto scratch: the result is a single layer
    expect(actions[1].rm!.path).toBe('/app.wasm');
    expect(actions[2].mkfile!.path).toBe('/app.wasm');
    expect(actions[2].mkfile!.mode).toBe(0o644);
    const written = Buffer.from(actions[2].mkfile!.data!);
    expect(written.length).toBe(module.length - 25_000 - 2 * 13 - 4);
    expect(inspectWasm(written).sections.some((s) => s.name?.startsWith('.debug'))).toBe(false);
    expect(r.returned!.result!.ref).toBe(final.ref);

    const img = config(r);
    expect(img).toMatchObject({ os: 'wasi', architecture: 'wasm' });
    expect(img.config.Entrypoint).toEqual(['/app.wasm']);
    expect(img.config.Labels).toMatchObject({
      'org.wasm-frontend.module': '/app.wasm',
      'org.wasm-frontend.module.kind': 'command',
      'org.wasm-frontend.module.size': String(written.length),
      'org.wasm-frontend.module.wasi': 'wasi_snapshot_preview1',
    });
    const layers = img.history.filter((h: { empty_layer?: boolean }) => !h.empty_layer);
    expect(layers).toHaveLength(1);
    expect(layers[0].created_by).toMatch(/^wasm-frontend: \/app.wasm: command module, .* -> .*, debug sections stripped/);
  });

  test('a module larger than one ReadFile answer is read in chunks and stripped', async () => {
    const module = wasmCommand({ custom: [['.debug_info', 20 * 1024 * 1024]] });
    const r = await build(plain(), { 'app.wasm': module });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    expect(r.calls.filter((c) => c === 'ReadFile').length).toBeGreaterThanOrEqual(6);
    const data = r.solves.find(isFinal)!.ops.flatMap((o) => o.op.file?.actions ?? []).find((a) => a.mkfile)!.mkfile!.data!;
    expect(inspectWasm(Buffer.from(data)).exports.map((e) => e.name)).toEqual(['memory', '_start']);
    expect(data.length).toBeLessThan(1000);
  }, 120_000); // 20 MiB through the harness's gRPC: slow on a loaded 2-core machine

  test('a module too large to rewrite inline is copied at 0644 and keeps its debug sections', async () => {
    const module = wasmCommand({ custom: [['data.blob', 4 * 1024 * 1024], ['.debug_info', 1000]] });
    const r = await build(plain(), { 'app.wasm': module });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    const actions = r.solves.at(-1)!.ops.flatMap((o) => o.op.file?.actions ?? []);
    expect(actions.some((a) => a.mkfile)).toBe(false);
    expect(actions.at(-1)!.copy).toMatchObject({ src: '/app.wasm', dest: '/app.wasm', mode: 0o644 });
    expect(config(r).config.Labels['org.wasm-frontend.module.size']).toBe(String(module.length));
  });

  test('the name and producers sections are stripped unless WASM_KEEP_NAMES=1', async () => {
    const module = wasmCommand({ custom: [['name', 3000], ['producers', 100], ['target_features', 10]] });
    const sections = (r: HarnessRun) => {
      const data = r.solves.find(isFinal)!.ops.flatMap((o) => o.op.file?.actions ?? []).find((a) => a.mkfile)!.mkfile!.data!;
      return inspectWasm(Buffer.from(data)).sections.filter((s) => s.id === 0).map((s) => s.name);
    };
    const r = await build(plain(), { 'app.wasm': module });
    expect(sections(r)).toEqual(['target_features']);
    expect(config(r).history.at(-1).created_by).toMatch(/^wasm-frontend: \/app.wasm: command module, 3.2 KiB -> 0.1 KiB, names stripped/);
    expect(sections(await build(plain(), { 'app.wasm': module }, { 'build-arg:WASM_KEEP_NAMES': '1' }))).toEqual(['name', 'producers', 'target_features']);
  });

  test('WASM_OPT runs wasm-opt in WASM_OPT_IMAGE on the build platform; its output is checked again; a component is refused', async () => {
    const ctx = folder({ Dockerfile: plain() });
    const out = folder({ 'app.wasm': wasmCommand({ custom: [['name', 900]] }) });
    const optimized = folder({ 'module.wasm': wasmCommand({ exitCode: 9, custom: [['producers', 30]] }) });
    const OPT = 'docker.io/my/binaryen:1';
    const r = await runHarness({
      bundle: fx.bundle,
      contextDir: ctx,
      opts: { filename: 'Dockerfile', platform: 'wasi/wasm', 'build-arg:WASM_OPT': '-Oz', 'build-arg:WASM_OPT_IMAGE': OPT },
      images: { [TOOLCHAIN]: toolchainImage, [OPT]: toolchainImage },
      timeoutMs: 20_000,
      onSolve: (s: HarnessSolve) => {
        const last = s.ops.find((o) => o.digest === s.ops.at(-1)!.op.inputs?.[0]?.digest)?.op;
        if (last?.exec?.meta?.args?.[0] === 'wasm-opt') return { dir: optimized };
        return !isFinal(s) && !loadsOnlyLocals(s) ? { dir: out } : undefined;
      },
    });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    const opt = r.solves.flatMap((s) => s.ops).find((o) => o.op.exec?.meta?.args?.[0] === 'wasm-opt')!.op;
    expect(opt.exec!.meta!.args).toEqual(['wasm-opt', '-Oz', '/wasm-opt-in/module.wasm', '-o', '/wasm-opt-out/module.wasm']);
    expect(opt.platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
    expect(r.solves.flatMap((s) => s.ops).some((o) => o.op.source?.identifier === `docker-image://${OPT}`)).toBe(true);
    const final = r.solves.at(-1)!.ops.flatMap((o) => o.op.file?.actions ?? []);
    expect(final.find((a) => a.mkfile?.path === '/app.wasm')!.mkfile!.data).toEqual(wasmCommand({ exitCode: 9 })); // wasm-opt's output, producers stripped
    expect(config(r).history.at(-1).created_by).toMatch(/^wasm-frontend: \/app.wasm: command module, 1.\d KiB -> 0.\d KiB, wasm-opt -Oz/);

    const comp = await build(plain(), { 'app.wasm': wasmComponent() }, { 'build-arg:WASM_OPT': '-Oz' });
    expect(comp.returned?.error?.message).toBe('WASM_OPT: "/app.wasm" is a WebAssembly component; wasm-opt optimizes only core modules (leave WASM_OPT unset for components)');
  });

  test('WASM_KEEP_DEBUG keeps the module as built', async () => {
    const module = wasmCommand({ custom: [['.debug_info', 1000]] });
    const r = await build(plain(), { 'app.wasm': module }, { 'build-arg:WASM_KEEP_DEBUG': '1' });
    const data = r.solves.find(isFinal)!.ops.flatMap((o) => o.op.file?.actions ?? []).find((a) => a.mkfile)!.mkfile!.data!;
    expect(Buffer.from(data).equals(module)).toBe(true);
  });

  test('without ENTRYPOINT the one module becomes it', async () => {
    const r = await build(plain(''), { 'bin/tool.wasm': wasmCommand() });
    expect(config(r).config.Entrypoint).toEqual(['/bin/tool.wasm']);
  });

  test('--opt platform=wasm (a lone architecture word, linux/wasm) builds the wasi/wasm image', async () => {
    const r = await build(plain(), { 'app.wasm': wasmCommand() }, { platform: 'wasm' });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    expect(config(r)).toMatchObject({ os: 'wasi', architecture: 'wasm', config: { Entrypoint: ['/app.wasm'] } });
  });

  test('no ENTRYPOINT, no CMD, no module: a base image of data files is built as it is, with a warning', async () => {
    const warnCaps = [...harnessCapsDockerd2010.frontend, 'gateway.warnings'];
    const r = await build(plain(''), { 'data/readme.txt': 'x' }, {}, undefined, warnCaps);
    expect(r.returned?.error, r.stderr).toBeUndefined();
    const img = config(r);
    expect(img).toMatchObject({ os: 'wasi', architecture: 'wasm' });
    expect(img.config.Entrypoint).toBeUndefined();
    expect(img.config.Labels?.['org.wasm-frontend.module']).toBeUndefined();
    expect(r.solves.some(isFinal)).toBe(false); // no module step: the stage's own result
    expect(r.warnings.map((w) => [w.short, w.ranges[0]?.start.line])).toContainEqual([
      'the wasi/wasm image has no ENTRYPOINT, no CMD and no .wasm module: built as a base image that cannot run; a Dockerfile based on it must add the module',
      4,
    ]);
  });

  test('without ENTRYPOINT, a CMD naming something that is not a module fails at the CMD line', async () => {
    const r = await build(plain('CMD ["/data/readme.txt"]'), { 'data/readme.txt': '#!/bin/sh\necho hi\n' });
    const err = r.returned?.error;
    expect(err, JSON.stringify(r.returned)).toBeDefined();
    expect(err!.message).toMatch(/^ENTRYPOINT "\/data\/readme.txt" is /);
    const src = err!.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))!.json as { ranges: { start: { line: number } }[] };
    expect(src.ranges[0]!.start.line).toBe(6);
  });

  test.each([
    ['two modules', plain(''), { 'a.wasm': wasmCommand(), 'b.wasm': wasmCommand() }, {}, 'the wasi/wasm image has several modules (/a.wasm, /b.wasm) and no ENTRYPOINT: set ENTRYPOINT ["/<module>.wasm"]', 4],
    ['missing entrypoint file', plain(), { 'other.wasm': wasmCommand() }, {}, 'ENTRYPOINT "/app.wasm" does not exist in the image (modules: /other.wasm)', 6],
    ['ELF entrypoint', plain(), { 'app.wasm': Buffer.from('\x7fELF\x02\x01\x01') }, {}, 'ENTRYPOINT "/app.wasm" is an ELF executable: a wasi/wasm image needs a .wasm module (starting with \\0asm)', 6],
    ['reactor', plain(), { 'app.wasm': wasmCommand({ entry: '_initialize' }) }, {}, '"/app.wasm" has no "_start" function export: it is a reactor module, not a WASI command (a runtime calls _start; add #<function> to the ENTRYPOINT path to call another export)', 6],
    ['component on wasmedge', plain(), { 'app.wasm': wasmComponent() }, { 'build-arg:WASM_RUNTIME': 'wasmedge' }, '"/app.wasm" is a WebAssembly component (WASI preview 2); the wasmedge runtime runs only core modules: build for wasm32-wasip1 or use wasmtime', 6],
  ])('%s fails at the ENTRYPOINT line', async (_name, df, files, opts, message, line) => {
    const r = await build(df, files as Record<string, Buffer>, opts as Record<string, string>);
    expect(r.exitCode).toBe(0);
    const err = r.returned?.error;
    expect(err?.message, r.stderr).toBe(message);
    const src = err!.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))!.json as { ranges: { start: { line: number } }[] };
    expect(src.ranges[0].start.line).toBe(line);
  });

  test('a component passes for wasmtime; an exported function other than _start can be named', async () => {
    expect(config(await build(plain(), { 'app.wasm': wasmComponent() }, { 'build-arg:WASM_RUNTIME': 'wasmtime' })).os).toBe('wasi');
    const r = await build(plain('ENTRYPOINT ["/app.wasm#run"]'), { 'app.wasm': wasmCommand({ entry: 'run' }) });
    expect(config(r).config.Entrypoint).toEqual(['/app.wasm#run']);
  });

  test('the crun annotation is written only where the exporter takes annotations', async () => {
    const files = { 'app.wasm': wasmCommand() };
    const old = await build(plain(), files);
    expect(Object.keys(old.returned!.result!.metadata).filter((k) => k.startsWith('annotation'))).toEqual([]);
    const caps = [...harnessCapsDockerd2010.llb, 'exporter.image.annotations'];
    const single = await build(plain(), files, {}, caps);
    expect(single.returned!.result!.metadata['annotation.module.wasm.image/variant']?.toString()).toBe('compat-smart');
    const multi = await build(plain(), files, { platform: 'wasi/wasm,linux/amd64' }, caps);
    const keys = Object.keys(multi.returned!.result!.metadata).filter((k) => k.startsWith('annotation'));
    expect(keys).toEqual(['annotation-manifest[wasi/wasm].module.wasm.image/variant']);
  });

  test('WASM_OS=wasip1 writes os wasip1', async () => {
    expect(config(await build(plain(), { 'app.wasm': wasmCommand() }, { 'build-arg:WASM_OS': 'wasip1' })).os).toBe('wasip1');
  });
});

describe('the module step as a BuildKit exec on the frontend image', () => {
  const FRONTEND = 'docker.io/local/wasm-frontend:test';
  /** Like build(), with `source` set; the step's exec is run for real: the bundle in step mode on folders. */
  async function buildExec(dockerfile: string, built: Record<string, string | Buffer>, opts: Record<string, string> = {}, links: Record<string, string> = {}, execFails = false) {
    const ctx = folder({ Dockerfile: dockerfile });
    const out = folder(built);
    for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(out, name));
    const execs: { args: string[]; stdout: string; dest: string }[] = [];
    const r = await runHarness({
      bundle: fx.bundle,
      contextDir: ctx,
      opts: { filename: 'Dockerfile', platform: 'wasi/wasm', source: FRONTEND, ...opts },
      images: { [TOOLCHAIN]: toolchainImage },
      timeoutMs: 20_000,
      onSolve: async (s: HarnessSolve) => {
        const exec = s.ops.find((o) => o.op.exec?.meta?.args?.[2] === 'wasm-module-step');
        // Only a solve of the step itself runs it (the final layer's solve includes it too).
        if (exec && s.ops.at(-1)!.op.inputs?.[0]?.digest === exec.digest) {
          if (execFails) return { error: { message: 'process "node" did not complete successfully: exit code: 126' } };
          const args = exec.op.exec!.meta!.args!;
          const dest = folder({});
          const env = { ...process.env, WASM_STEP_IN: out, WASM_STEP_OUT: dest };
          const { execFileSync } = await import('node:child_process');
          execs.push({ args, dest, stdout: execFileSync(args[0], args.slice(1), { env }).toString() });
          return { dir: dest };
        }
        return !isFinal(s) && !loadsOnlyLocals(s) && !s.ops.some((o) => o.op.file?.actions?.some((a) => a.copy?.src === '/module.wasm')) ? { dir: out } : undefined;
      },
    });
    return { r, execs };
  }

  test('the exec runs the bundle on the frontend image, build platform, no network; the layer copies its module', async () => {
    const module = wasmCommand({ custom: [['.debug_info', 20_000], ['name', 2000]] });
    const { r, execs } = await buildExec(plain(), { 'app.wasm': module });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    expect(execs).toHaveLength(1);
    expect(execs[0].args.slice(1, 3)).toEqual([fx.bundle, 'wasm-module-step']);
    expect(JSON.parse(execs[0].args[3])).toEqual({ entry: '/app.wasm', keepDebug: false, keepNames: false });
    expect(execs[0].stdout).toMatch(/^\/app.wasm: command module, 21.\d KiB -> 0.\d KiB, names and debug sections stripped, imports wasi_snapshot_preview1\n$/);
    const final = r.solves.at(-1)!;
    const execOp = final.ops.find((o) => o.op.exec?.meta?.args?.[2] === 'wasm-module-step')!.op;
    expect(execOp.platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
    expect(execOp.exec!.network).toBe(2); // NetMode NONE
    const img = final.ops.find((o) => o.op.source?.identifier?.startsWith('docker-image://'))!.op;
    expect(img.source!.identifier).toBe(`docker-image://${FRONTEND}`);
    expect(execOp.exec!.mounts!.map((m) => [m.dest, m.readonly ?? false])).toEqual([['/', false], ['/wasm-in', true], ['/wasm-out', false]]);
    const actions = final.ops.flatMap((o) => o.op.file?.actions ?? []);
    expect(actions.some((a) => a.mkfile)).toBe(false);
    expect(actions.at(-1)!.copy).toMatchObject({ src: '/module.wasm', dest: '/app.wasm', mode: 0o644 });
    const written = fs.readFileSync(path.join(execs[0].dest, 'module.wasm'));
    expect(inspectWasm(written).sections.filter((s) => s.id === 0)).toEqual([]);
    expect(config(r).config.Labels['org.wasm-frontend.module.size']).toBe(String(written.length));
    expect(config(r).config.Entrypoint).toEqual(['/app.wasm']);
  });

  test('a bad module is an error at the ENTRYPOINT line, the same text as in the frontend', async () => {
    const { r } = await buildExec(plain(), { 'app.wasm': wasmCommand({ entry: '_initialize' }) });
    expect(r.returned?.error?.message).toBe('"/app.wasm" has no "_start" function export: it is a reactor module, not a WASI command (a runtime calls _start; add #<function> to the ENTRYPOINT path to call another export)');
    const src = r.returned!.error!.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))!.json as { ranges: { start: { line: number } }[] };
    expect(src.ranges[0].start.line).toBe(6);
  });

  test('without ENTRYPOINT the step finds the one module', async () => {
    const { r } = await buildExec(plain(''), { 'bin/tool.wasm': wasmCommand() });
    expect(config(r).config.Entrypoint).toEqual(['/bin/tool.wasm']);
  });

  test('an absolute symlink in the image resolves inside the image', async () => {
    const { r, execs } = await buildExec(plain(), { 'opt/real.wasm': wasmCommand({ custom: [['name', 100]] }) }, {}, { 'app.wasm': '/opt/real.wasm' });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    expect(execs[0].stdout).toMatch(/^\/app.wasm: command module, .* -> .*, names stripped/);
  });

  test('no ENTRYPOINT and no module: the CMD is checked at its line; with no CMD either, a base image', async () => {
    const bad = await buildExec(plain('CMD ["/data/readme.txt"]'), { 'data/readme.txt': '#!/bin/sh\necho hi\n' });
    expect(bad.r.returned?.error?.message).toBe('ENTRYPOINT "/data/readme.txt" is a script: a wasi/wasm image needs a .wasm module (starting with \\0asm)');
    const src = bad.r.returned!.error!.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))!.json as { ranges: { start: { line: number } }[] };
    expect(src.ranges[0]!.start.line).toBe(6);
    const base = await buildExec(plain(''), { 'data/readme.txt': 'x' });
    expect(base.r.returned?.error, base.r.stderr).toBeUndefined();
    expect(base.execs).toHaveLength(1);
    expect(config(base.r).config.Entrypoint).toBeUndefined();
    expect(base.r.solves.at(-1)!.ops.some((o) => o.op.file?.actions?.some((a) => a.copy?.src === '/module.wasm'))).toBe(false);
  });

  test('when the engine cannot run the step, the frontend runs it, with a warning', async () => {
    const module = wasmCommand({ custom: [['name', 500]] });
    const { r } = await buildExec(plain(), { 'app.wasm': module }, {}, {}, true);
    expect(r.returned?.error, r.stderr).toBeUndefined();
    const data = r.solves.find(isFinal)!.ops.flatMap((o) => o.op.file?.actions ?? []).find((a) => a.mkfile)!.mkfile!.data!;
    expect(inspectWasm(Buffer.from(data)).sections.filter((s) => s.id === 0)).toEqual([]);
  });

  test('WASM_MODULE_STEP=frontend keeps the step in the frontend', async () => {
    const { r, execs } = await buildExec(plain(), { 'app.wasm': wasmCommand() }, { 'build-arg:WASM_MODULE_STEP': 'frontend' });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    expect(execs).toHaveLength(0);
    expect(r.solves.find(isFinal)).toBeDefined();
  });
});

describe('toolchain stages', () => {
  const rust = `FROM wasm-toolchain/rust AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n\nFROM scratch\nCOPY --from=build /wasm/app.wasm /app.wasm\n`;

  test('rust: the image from the build arg, on the build platform, RUN wrapped with cargo caches', async () => {
    const r = await build(rust, { 'app.wasm': wasmCommand() }, { 'build-arg:WASM_RUST_IMAGE': 'local/wasm-toolchain:bookworm' });
    expect(r.returned?.error, r.stderr).toBeUndefined();
    expect(r.resolves.map((x) => [x.ref, x.platform])).toEqual([[TOOLCHAIN, { os: 'linux', architecture: 'amd64' }]]);
    const ops = r.solves.flatMap((s) => s.ops);
    const exec = ops.find((o) => o.op.exec)!.op.exec!;
    expect(exec.meta!.args).toEqual(['/usr/local/libexec/wasm-frontend/run', '/bin/sh', '-c', 'cargo build --release']);
    const caches = exec.mounts!.filter((m) => m.mountType === 3).map((m) => [m.dest, m.cacheOpt!.ID]);
    expect(caches).toEqual([
      ['/usr/local/cargo/git/db', '/wasm-frontend/cargo-git'],
      ['/usr/local/cargo/registry', '/wasm-frontend/cargo-registry'],
      ['/var/cache/wasm-frontend/cargo-target', '/wasm-frontend/cargo-target/build'],
    ]);
    const installed = ops.flatMap((o) => o.op.file?.actions ?? []).filter((a) => a.mkfile).map((a) => a.mkfile!.path);
    expect(installed).toContain('/run');
    expect(config(r).config.Entrypoint).toEqual(['/app.wasm']);
    expect(exec.meta!.env!.some((e) => e.startsWith('WASM_WASI='))).toBe(false);
  });

  test('rust: --build-arg WASM_WASI reaches the wrapper', async () => {
    const r = await build(rust, { 'app.wasm': wasmCommand() }, { 'build-arg:WASM_RUST_IMAGE': 'local/wasm-toolchain:bookworm', 'build-arg:WASM_WASI': 'preview2' });
    const exec = r.solves.flatMap((s) => s.ops).find((o) => o.op.exec)!.op.exec!;
    expect(exec.meta!.env).toContain('WASM_WASI=preview2');
  });

  test('an unknown toolchain names the FROM line', async () => {
    const r = await build('FROM scratch\nCOPY a /a\nFROM wasm-toolchain/cobol AS x\nRUN x\n', {});
    expect(r.returned?.error?.message).toBe('unknown wasm toolchain "cobol": use wasm-toolchain/rust, wasm-toolchain/c, wasm-toolchain/assemblyscript, wasm-toolchain/go');
  });
});

test('a toolchain image that cannot be resolved names the build argument that replaces it', async () => {
  const r = await build('FROM wasm-toolchain/rust AS build\nRUN cargo build\nFROM scratch\nCOPY --from=build /wasm/a.wasm /a.wasm\n', {});
  expect(r.returned?.error?.message).toMatch(
    /^docker\.io\/library\/rust:1\.82\.0-slim-bookworm: .* \(wasm-toolchain\/rust uses docker\.io\/library\/rust:1\.82\.0-slim-bookworm; --build-arg WASM_RUST_IMAGE=<image> chooses another\)$/,
  );
});

test('COPY --from an image with no wasm variant reads it for the build platform', async () => {
  const r = await build(`FROM scratch\nCOPY --from=${TOOLCHAIN} /etc/os-release /os-release\nCOPY app.wasm /app.wasm\nENTRYPOINT ["/app.wasm"]\n`, { 'app.wasm': wasmCommand(), 'os-release': 'x' });
  expect(r.returned?.error, r.stderr).toBeUndefined();
  expect(r.resolves.map((x) => [x.ref, x.platform])).toEqual([
    [TOOLCHAIN, { os: 'wasi', architecture: 'wasm' }],
    [TOOLCHAIN, { os: 'linux', architecture: 'amd64' }],
  ]);
  const source = r.solves.flatMap((s) => s.ops).find((o) => o.op.source?.identifier?.startsWith('docker-image://'))!;
  expect(source.op.platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
});

test('FROM an image with no wasm variant, in a stage that runs nothing, says how to place it', async () => {
  const r = await build(`FROM ${TOOLCHAIN}\nCOPY app.wasm /app.wasm\n`, {});
  expect(r.returned?.error?.message).toMatch(/no match for platform in manifest.*: the image has no wasi\/wasm variant; add --platform=\$BUILDPLATFORM to this FROM if the stage only builds the module$/);
});
