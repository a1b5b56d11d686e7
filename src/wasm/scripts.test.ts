// The toolchain wrappers run for real under /bin/sh, with stand-in tools on PATH that record
// what they were called with: which target and linker the Rust wrapper picks, what the Go
// wrapper sets and which files it copies to the module directory.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { toolchainFiles } from './scripts.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A temp dir with `bin/<tool>` scripts and the wrapper; returns it. */
function sandbox(tools: Record<string, string>, wrapper: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wrapper-test-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.mkdirSync(path.join(dir, 'work'));
  for (const [name, body] of Object.entries(tools)) fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'run'), wrapper, { mode: 0o755 });
  return dir;
}

/** Runs the wrapper in `dir/work` with only the sandbox's tools (and the basic system ones) on PATH. */
function run(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(path.join(dir, 'run'), args, {
    cwd: path.join(dir, 'work'),
    env: { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rustc = (targets: string[], sysroot: string) => `case "$1 $2" in
  "--print target-list") printf '%s\\n' ${targets.join(' ')} ;;
  "--print sysroot") echo ${sysroot} ;;
  "--version "*) echo "rustc 1.85.1 (test)" ;;
esac`;
// cargo stand-in: prints the environment the wrapper gave it.
const cargo = 'env | grep -E "^(CARGO_BUILD_TARGET|CARGO_TARGET_WASM32_WASIP[12]_LINKER)=" | sort';

describe('rust wrapper: the linker', () => {
  test('no rust-lld anywhere: cargo is pointed at wasm-ld', () => {
    const dir = sandbox({ rustc: rustc(['wasm32-wasip1', 'wasm32-wasip2'], '/nonexistent'), cargo, 'wasm-ld': 'exit 0' }, toolchainFiles.rust.run);
    const r = run(dir, ['cargo', 'build'], { CARGO_TARGET_DIR: path.join(dir, 'target') });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`CARGO_BUILD_TARGET=wasm32-wasip1\nCARGO_TARGET_WASM32_WASIP1_LINKER=${path.join(dir, 'bin', 'wasm-ld')}\n`);
    expect(r.status).toBe(0);
  });

  test('rust-lld in the sysroot (rustup images): rustc keeps its own linker', () => {
    const dir = sandbox({ cargo, 'wasm-ld': 'exit 0' }, toolchainFiles.rust.run);
    const sysroot = path.join(dir, 'sysroot');
    fs.mkdirSync(path.join(sysroot, 'lib/rustlib/x86_64-unknown-linux-gnu/bin'), { recursive: true });
    fs.writeFileSync(path.join(sysroot, 'lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld'), '', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bin', 'rustc'), `#!/bin/sh\n${rustc(['wasm32-wasip1'], sysroot)}\n`, { mode: 0o755 });
    const r = run(dir, ['cargo', 'build']);
    expect(r.stdout).toBe('CARGO_BUILD_TARGET=wasm32-wasip1\n');
  });

  test("the user's linker is kept", () => {
    const dir = sandbox({ rustc: rustc(['wasm32-wasip1'], '/nonexistent'), cargo, 'wasm-ld': 'exit 0' }, toolchainFiles.rust.run);
    const r = run(dir, ['cargo', 'build'], { CARGO_TARGET_WASM32_WASIP1_LINKER: '/opt/my-ld' });
    expect(r.stdout).toBe('CARGO_BUILD_TARGET=wasm32-wasip1\nCARGO_TARGET_WASM32_WASIP1_LINKER=/opt/my-ld\n');
  });

  test('preview2 without wasm-component-ld fails before cargo runs, naming what is missing', () => {
    const dir = sandbox({ rustc: rustc(['wasm32-wasip1', 'wasm32-wasip2'], '/nonexistent'), cargo: 'echo cargo ran', 'wasm-ld': 'exit 0' }, toolchainFiles.rust.run);
    const r = run(dir, ['cargo', 'build'], { WASM_WASI: 'preview2' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'wasm-frontend: wasm32-wasip2 links with wasm-component-ld, which this toolchain (rustc 1.85.1 (test)) lacks (it has wasm-ld, which makes core modules, not components); use an image with wasm-component-ld, or build for preview1 and make the component from the core module (e.g. jco new MODULE --wasi-command)\n',
    );
  });

  test('preview2 with wasm-component-ld on PATH: rustc keeps its default', () => {
    const dir = sandbox({ rustc: rustc(['wasm32-wasip1', 'wasm32-wasip2'], '/nonexistent'), cargo, 'wasm-component-ld': 'exit 0' }, toolchainFiles.rust.run);
    const r = run(dir, ['cargo', 'build'], { WASM_WASI: 'preview2' });
    expect(r.stdout).toBe('CARGO_BUILD_TARGET=wasm32-wasip2\n');
  });
});

describe('go wrapper', () => {
  const go = `case "$1" in
  tool) printf 'linux/amd64\\nwasip1/wasm\\n' ;;
  env) [ "$2" = GOPATH ] && echo "$HOME/go" ;;
  build) env | grep -E '^(GOOS|GOARCH|GOCACHE|GOMODCACHE)=' | sort; printf '\\0asm\\1\\0\\0\\0' > app; printf 'text' > notes.txt ;;
  install) mkdir -p "$HOME/go/bin/wasip1_wasm"; printf '\\0asm\\1\\0\\0\\0' > "$HOME/go/bin/wasip1_wasm/tool" ;;
esac`;

  test('sets GOOS/GOARCH and the caches; the modules the step wrote go to the module dir with .wasm', () => {
    const dir = sandbox({ go }, toolchainFiles.go.run.replaceAll(/(?<![\w-])\/wasm(?![\w-])/g, '$MODULES'));
    fs.writeFileSync(path.join(dir, 'work', 'old.wasm'), Buffer.from('\0asm\x01\0\0\0', 'binary'));
    const modules = path.join(dir, 'modules');
    const r = run(dir, ['go', 'build'], { MODULES: modules });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('GOARCH=wasm\nGOCACHE=/var/cache/wasm-frontend/go-build\nGOMODCACHE=/var/cache/wasm-frontend/go-mod\nGOOS=wasip1\n');
    expect(fs.readdirSync(modules)).toEqual(['app.wasm']);
    expect(run(dir, ['go', 'install'], { MODULES: modules }).status).toBe(0);
    expect(fs.readdirSync(modules).sort()).toEqual(['app.wasm', 'tool.wasm']);
  });

  test('a Go without wasip1 fails with the version', () => {
    const dir = sandbox({ go: 'case "$1" in tool) echo linux/amd64 ;; version) echo "go version go1.19.8 linux/amd64" ;; esac' }, toolchainFiles.go.run);
    const r = run(dir, ['go', 'build']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('wasm-frontend: this Go toolchain (go version go1.19.8 linux/amd64) cannot build GOOS=wasip1 GOARCH=wasm (Go 1.21 or later can)\n');
  });
});

test('every wrapper is valid POSIX sh', () => {
  for (const files of Object.values(toolchainFiles)) {
    for (const [name, body] of Object.entries(files)) {
      if (!body.startsWith('#!/bin/sh')) continue;
      expect(() => execFileSync('sh', ['-n'], { input: body }), name).not.toThrow();
    }
  }
});

test('rust wrapper: a target the toolchain lacks fails before cargo runs', () => {
  const dir = sandbox({ rustc: rustc(['wasm32-wasi'], '/nonexistent'), cargo: 'echo cargo ran' }, toolchainFiles.rust.run);
  const r = run(dir, ['cargo', 'build'], { WASM_WASI: 'preview2' });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe('wasm-frontend: this Rust toolchain (rustc 1.85.1 (test)) has no target wasm32-wasip2\n');
});
