// A real WebAssembly component through the module checks, on dockerd 20.10 (BuildKit v0.8).
// Debian trixie's Rust has the wasm32-wasip2 standard library but no component linker
// (wasm-component-ld), so the component is made the way that linker makes one: a WASI preview1
// core module built by the trixie toolchain stage, wrapped by `jco new --wasi-command` with the
// preview1 command adapter jco ships (test/component: jco 1.4.0 from the npm registry). The
// component then goes through the frontend: with docker build on dockerd 20.10 (detection, the
// refusal for module-only runtimes, the exported file) and under the harness, where the returned
// config (labels, ENTRYPOINT, history) and the error's source line are visible. It runs in Node
// through jco's transpiler and preview2-shim. Needs local/wasm-toolchain:trixie and the
// frontend image.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, test } from 'vitest';
import { inspectWasm } from '../src/wasm/module.js';
import { docker, dockerBuild, FRONTEND_IMAGE } from './docker.js';
import { bundleEntry } from './harness/bundle.js';
import { runHarness, type HarnessRun, type HarnessSolve } from './harness/index.js';
import { TESTDATA, toolchainImages } from './examples.js';

const tools = path.join(__dirname, 'component');
const jco = path.join(tools, 'node_modules', '.bin', 'jco');
const trixie = toolchainImages.find((t) => t.name === 'trixie')!.image;
const expected = fs.readFileSync(path.join(TESTDATA, 'rust-hello', 'expected-stdout.txt'), 'utf8');
const syntax = ['--build-arg', `BUILDKIT_SYNTAX=${FRONTEND_IMAGE}`];

function tmpdir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `component-${name}-`));
}

/** testdata/rust-hello's source with a toolchain-stage Dockerfile. */
function rustContext(): string {
  const dir = tmpdir('rust');
  fs.cpSync(path.join(TESTDATA, 'rust-hello', 'src'), path.join(dir, 'src'), { recursive: true });
  fs.copyFileSync(path.join(TESTDATA, 'rust-hello', 'Cargo.toml'), path.join(dir, 'Cargo.toml'));
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM wasm-toolchain/rust AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n\nFROM scratch\nCOPY --from=build /wasm/hello.wasm /hello.wasm\nENTRYPOINT ["/hello.wasm"]\n',
  );
  return dir;
}

/** A context holding the component, copied into a scratch image whose ENTRYPOINT it is. */
function componentContext(component: Buffer): string {
  const dir = tmpdir('image');
  fs.writeFileSync(path.join(dir, 'hello.component.wasm'), component);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY hello.component.wasm /hello.wasm\nENTRYPOINT ["/hello.wasm"]\n');
  return dir;
}

const TOOLCHAIN = 'docker.io/local/wasm-toolchain:bookworm';
const harnessImage = {
  config: { os: 'linux', architecture: 'amd64', config: { Env: ['PATH=/usr/bin:/bin'] }, rootfs: { type: 'layers', diff_ids: ['sha256:' + '1'.repeat(64)] } },
  platforms: ['linux/amd64'],
};
const harnessDockerfile = `FROM ${TOOLCHAIN} AS build\nRUN make\n\nFROM scratch\nCOPY --from=build /out/ /\nENTRYPOINT ["/hello.wasm"]\n`;
const isFinal = (s: HarnessSolve) => s.ops.some((o) => o.op.file?.actions?.some((a) => a.mkfile?.path?.endsWith('.wasm') || a.copy?.dest?.endsWith('.wasm')));
const loadsOnlyLocals = (s: HarnessSolve) => s.ops.every((o) => !o.op.exec && !o.op.file && (!o.op.source || o.op.source.identifier?.startsWith('local://')));

/**
 * The frontend under the harness (BuildKit played by test/harness), the build stage's output
 * being the component: what the frontend returns (config, labels, the located error) is
 * visible there, where dockerd 20.10 can neither store a wasi image nor export an OCI layout.
 */
async function harnessBuild(opts: Record<string, string> = {}): Promise<HarnessRun> {
  const ctx = tmpdir('hctx');
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), harnessDockerfile);
  const out = tmpdir('hout');
  fs.writeFileSync(path.join(out, 'hello.wasm'), component);
  return runHarness({
    bundle,
    contextDir: ctx,
    opts: { filename: 'Dockerfile', platform: 'wasi/wasm', ...opts },
    images: { [TOOLCHAIN]: harnessImage },
    timeoutMs: 60_000,
    onSolve: (s: HarnessSolve) => (!isFinal(s) && !loadsOnlyLocals(s) ? { dir: out } : undefined),
  });
}

/** Runs a WASI command component in Node: jco transpiles it, preview2-shim provides WASI. */
async function runComponent(file: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const dir = tmpdir('run');
  const t = await execa(jco, ['transpile', file, '--name', 'cmd', '-o', dir, '--no-typescript', '--quiet'], { reject: false });
  if (t.exitCode !== 0) throw new Error(`jco transpile: ${t.stderr}`);
  fs.mkdirSync(path.join(dir, 'node_modules', '@bytecodealliance'), { recursive: true });
  fs.symlinkSync(path.join(tools, 'node_modules', '@bytecodealliance', 'preview2-shim'), path.join(dir, 'node_modules', '@bytecodealliance', 'preview2-shim'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  fs.writeFileSync(path.join(dir, 'run.js'), "const mod = await import('./cmd.js');\nmod.run.run();\n");
  const r = await execa(process.execPath, [path.join(dir, 'run.js')], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

let core: Buffer;
let component: Buffer;
let bundle: string;

beforeAll(async () => {
  bundle = await bundleEntry('frontend/main.ts');
  for (const image of [FRONTEND_IMAGE, trixie]) {
    const r = await docker(['image', 'inspect', image]);
    if (r.exitCode !== 0) throw new Error(`${image} is missing: run npm run image and scripts/images/toolchain-trixie.sh first`);
  }
  if (!fs.existsSync(jco)) {
    const r = await execa('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, reject: false });
    if (r.exitCode !== 0) throw new Error(`npm ci in test/component: ${r.stderr}`);
  }
  // The core module: the trixie Rust toolchain stage (wasm32-wasip1, linked with wasm-ld).
  const out = tmpdir('core');
  const r = await dockerBuild(rustContext(), ['--platform', 'wasi/wasm', ...syntax, '--build-arg', `WASM_RUST_IMAGE=${trixie}`, '-o', `type=local,dest=${out}`]);
  expect(r.exitCode, r.stderr).toBe(0);
  core = fs.readFileSync(path.join(out, 'hello.wasm'));
  // The component: the core module with the preview1 command adapter.
  const file = path.join(out, 'hello.component.wasm');
  const n = await execa(jco, ['new', path.join(out, 'hello.wasm'), '--wasi-command', '-o', file], { reject: false });
  expect(n.exitCode, n.stderr).toBe(0);
  component = fs.readFileSync(file);
});

describe('the trixie Rust toolchain stage', () => {
  test('wasm32-wasip1 gives a core command module', () => {
    expect(inspectWasm(core).kind).toBe('module');
    expect(inspectWasm(core).imports.every((i) => i.module === 'wasi_snapshot_preview1')).toBe(true);
  });

  test('WASM_WASI=preview2 fails naming the missing component linker', async () => {
    const r = await dockerBuild(rustContext(), ['--platform', 'wasi/wasm', ...syntax, '--build-arg', `WASM_RUST_IMAGE=${trixie}`, '--build-arg', 'WASM_WASI=preview2', '-o', `type=local,dest=${tmpdir('p2')}`]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('wasm-frontend: wasm32-wasip2 links with wasm-component-ld, which this toolchain (rustc 1.85.1');
    expect(r.stderr).toContain("lacks (it has wasm-ld, which makes core modules, not components); use an image with wasm-component-ld, or build for preview1 and make the component from the core module (e.g. jco new MODULE --wasi-command)");
  });

  test('a Dockerfile naming --target wasm32-wasi gets the hint naming wasm32-wasip1', async () => {
    const dir = rustContext();
    fs.writeFileSync(path.join(dir, 'Dockerfile'), fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8').replace('cargo build --release', 'cargo build --release --target wasm32-wasi'));
    const r = await dockerBuild(dir, ['--platform', 'wasi/wasm', ...syntax, '--build-arg', `WASM_RUST_IMAGE=${trixie}`, '-o', `type=local,dest=${tmpdir('wasi')}`]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('Could not find specification for target "wasm32-wasi"');
    expect(r.stderr).toContain('wasm-frontend: the step names target wasm32-wasi; this toolchain builds wasm32-wasip1 (already set as CARGO_BUILD_TARGET, so --target can be left out)');
  });
});

describe('a component made with jco from that module', () => {
  test('is a component by its header (layer 1), and it runs in Node', async () => {
    expect(component.subarray(0, 8)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]));
    expect(inspectWasm(component).kind).toBe('component');
    const dir = tmpdir('plain');
    fs.writeFileSync(path.join(dir, 'hello.component.wasm'), component);
    const r = await runComponent(path.join(dir, 'hello.component.wasm'));
    expect(r.stderr).toBe('');
    expect(r.stdout + '\n').toBe(expected);
  });

  test('the frontend labels it a component, keeps it whole and makes it the ENTRYPOINT', async () => {
    const r = await harnessBuild();
    expect(r.returned?.error, r.stderr).toBeUndefined();
    const config = JSON.parse(r.returned!.result!.metadata['containerimage.config'].toString());
    expect(config).toMatchObject({ os: 'wasi', architecture: 'wasm' });
    expect(config.config.Entrypoint).toEqual(['/hello.wasm']);
    expect(config.config.Labels).toEqual({
      'org.wasm-frontend.module': '/hello.wasm',
      'org.wasm-frontend.module.kind': 'component',
      'org.wasm-frontend.module.size': String(component.length),
    });
    const history = config.history.filter((h: { empty_layer?: boolean }) => !h.empty_layer);
    expect(history.map((h: { created_by: string }) => h.created_by)).toEqual([expect.stringMatching(/^wasm-frontend: \/hello\.wasm: component, \d+\.\d KiB$/)]);
  });

  test.each(['wasmedge', 'wamr', 'wasmer', 'crun'])('under the harness, WASM_RUNTIME=%s refuses it at the ENTRYPOINT line (6)', async (runtime) => {
    const r = await harnessBuild({ 'build-arg:WASM_RUNTIME': runtime });
    const err = r.returned?.error;
    expect(err?.message).toBe(`"/hello.wasm" is a WebAssembly component (WASI preview 2); the ${runtime} runtime runs only core modules: build for wasm32-wasip1 or use wasmtime`);
    const src = err!.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))!.json as { ranges: { start: { line: number } }[] };
    expect(src.ranges[0].start.line).toBe(6);
  });

  test('under the harness, WASM_RUNTIME=wasmtime takes it', async () => {
    const r = await harnessBuild({ 'build-arg:WASM_RUNTIME': 'wasmtime' });
    expect(r.returned?.error, r.stderr).toBeUndefined();
  });

  test('exported with -o type=local, the module is the component, byte for byte, and runs', async () => {
    const out = tmpdir('local');
    const r = await dockerBuild(componentContext(component), ['--platform', 'wasi/wasm', ...syntax, '--build-arg', 'WASM_RUNTIME=wasmtime', '-o', `type=local,dest=${out}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.readdirSync(out)).toEqual(['hello.wasm']);
    expect(fs.readFileSync(path.join(out, 'hello.wasm')).equals(component)).toBe(true);
    const run = await runComponent(path.join(out, 'hello.wasm'));
    expect(run.stdout + '\n').toBe(expected);
  });

  test.each(['wasmedge', 'wamr', 'wasmer', 'crun'])('docker build with WASM_RUNTIME=%s fails with the refusal', async (runtime) => {
    const r = await dockerBuild(componentContext(component), ['--platform', 'wasi/wasm', ...syntax, '--build-arg', `WASM_RUNTIME=${runtime}`, '-o', `type=local,dest=${tmpdir('refuse')}`]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`"/hello.wasm" is a WebAssembly component (WASI preview 2); the ${runtime} runtime runs only core modules: build for wasm32-wasip1 or use wasmtime`);
    // dockerd 20.10's client prints no errdefs.Source; the line is checked under the harness above.
    expect(r.stderr).toContain('failed to solve with frontend gateway.v0: rpc error: code = InvalidArgument desc =');
  });
});
