import { describe, expect, test } from 'vitest';
import { parseDockerfile } from '../dockerfile/index.js';
import { LocatedError } from '../util/located.js';
import { wasmImageOptions } from './image.js';
import { expandToolchainStages, toolchainOf } from './toolchain.js';

describe('toolchain stages', () => {
  test('reserved names, with docker.io and :latest accepted', () => {
    expect(toolchainOf('wasm-toolchain/rust')).toBe('rust');
    expect(toolchainOf('docker.io/wasm-toolchain/cpp:latest')).toBe('c');
    expect(toolchainOf('wasm-toolchain/as')).toBe('assemblyscript');
    expect(toolchainOf('rust:1.82')).toBeUndefined();
  });

  test('a rust stage: image from the build arg, setup COPY, wrapped RUNs with caches', () => {
    const df = parseDockerfile('FROM wasm-toolchain/rust AS build\nRUN cargo build\nRUN ["cargo", "test"]\nRUN <<EOF\necho heredoc\nEOF\nFROM scratch\n');
    const out = expandToolchainStages(df, new Map([['WASM_RUST_IMAGE', 'my/rust:1']]));
    const [build, final] = out.stages;
    expect(build.from.image).toBe('my/rust:1');
    expect(final).toBe(df.stages[1]);
    const kinds = build.commands.map((c) => c.kind);
    expect(kinds).toEqual(['arg', 'copy', 'run', 'run', 'run']);
    const [arg, setup, shell, exec, heredoc] = build.commands;
    expect(arg.kind === 'arg' && arg.args).toEqual([{ key: 'WASM_WASI' }]);
    expect(setup.kind === 'copy' && setup.sourceHeredocs.map((d) => d.name)).toEqual(['run']);
    expect(setup.kind === 'copy' && setup.dest).toBe('/usr/local/libexec/wasm-frontend/');
    expect(shell.kind === 'run' && shell.cmdLine).toEqual(['/usr/local/libexec/wasm-frontend/run', '/bin/sh', '-c', 'cargo build']);
    expect(shell.kind === 'run' && shell.mounts).toEqual([
      'type=cache,id=wasm-frontend/cargo-registry,target=/usr/local/cargo/registry',
      'type=cache,id=wasm-frontend/cargo-git,target=/usr/local/cargo/git/db',
      'type=cache,id=wasm-frontend/cargo-target/build,target=/var/cache/wasm-frontend/cargo-target,sharing=locked',
    ]);
    expect(exec.kind === 'run' && exec.cmdLine).toEqual(['/usr/local/libexec/wasm-frontend/run', 'cargo', 'test']);
    expect(heredoc).toBe(df.stages[0].commands[2]);
    expect(heredoc.kind === 'run' && heredoc.mounts).toEqual([]);
  });

  test('a c stage installs the clang wrappers and the CMake file in their directories; defaults apply', () => {
    const out = expandToolchainStages(parseDockerfile('FROM wasm-toolchain/c\nRUN make\n'), new Map());
    const stage = out.stages[0];
    expect(stage.from.image).toBe('ghcr.io/webassembly/wasi-sdk:wasi-sdk-25');
    const copies = stage.commands.filter((c) => c.kind === 'copy').map((c) => c.kind === 'copy' && [c.dest, c.sourceHeredocs.map((d) => d.name)]);
    expect(copies).toEqual([
      ['/usr/local/libexec/wasm-frontend/', ['run', 'wasi.cmake']],
      ['/usr/local/libexec/wasm-frontend/bin/', ['wasm32-wasi-clang', 'wasm32-wasi-clang++']],
    ]);
  });

  test('an unknown toolchain is a located error', () => {
    const df = parseDockerfile('FROM scratch\nFROM wasm-toolchain/cobol\n');
    expect(() => expandToolchainStages(df, new Map())).toThrow(LocatedError);
    try {
      expandToolchainStages(df, new Map());
    } catch (e) {
      expect((e as LocatedError).ranges[0].start.line).toBe(2);
    }
  });

  test('a Dockerfile without toolchain stages is returned as it was', () => {
    const df = parseDockerfile('FROM alpine\nRUN true\n');
    expect(expandToolchainStages(df, new Map())).toBe(df);
  });
});

describe('wasm image options', () => {
  test('build args', () => {
    expect(wasmImageOptions(new Map([['WASM_KEEP_DEBUG', 'true'], ['WASM_RUNTIME', 'WasmEdge'], ['WASM_OS', 'wasip1']]))).toMatchObject({ keepDebug: true, keepNames: false, runtime: 'wasmedge', os: 'wasip1' });
    expect(wasmImageOptions(new Map())).toEqual({ keepDebug: false, keepNames: false, runtime: undefined, os: undefined, wasmOpt: undefined, wasmOptImage: 'docker.io/local/wasm-toolchain:bookworm', step: undefined });
    expect(wasmImageOptions(new Map([['WASM_KEEP_NAMES', '1'], ['WASM_OPT', ' -Oz  --strip-producers '], ['WASM_OPT_IMAGE', 'my/binaryen:1'], ['WASM_MODULE_STEP', 'frontend']]))).toMatchObject({
      keepNames: true,
      wasmOpt: ['-Oz', '--strip-producers'],
      wasmOptImage: 'my/binaryen:1',
      step: 'frontend',
    });
    expect(() => wasmImageOptions(new Map([['WASM_OPT', '-Oz -o /x.wasm']]))).toThrow('WASM_OPT "-Oz -o /x.wasm": give wasm-opt flags only, such as -Oz (the input and output are set by the frontend)');
    expect(() => wasmImageOptions(new Map([['WASM_OPT', 'Oz']]))).toThrow(/give wasm-opt flags only/);
    expect(() => wasmImageOptions(new Map([['WASM_MODULE_STEP', 'later']]))).toThrow('unknown WASM_MODULE_STEP "later": use exec or frontend');
    expect(() => wasmImageOptions(new Map([['WASM_RUNTIME', 'node']]))).toThrow('unknown WASM_RUNTIME "node": use one of wasmtime, wasmedge, wamr, wasmer, crun');
  });
});

describe('the go stage', () => {
  test('default image, GOCACHE and GOMODCACHE cache mounts, the wrapper', () => {
    const out = expandToolchainStages(parseDockerfile('FROM wasm-toolchain/go AS build\nRUN go build\n'), new Map());
    const stage = out.stages[0];
    expect(stage.from.image).toBe('docker.io/library/golang:1.24.4-bookworm');
    expect(stage.from.hint).toBe('wasm-toolchain/go uses docker.io/library/golang:1.24.4-bookworm; --build-arg WASM_GO_IMAGE=<image> chooses another');
    const run = stage.commands.find((c) => c.kind === 'run');
    expect(run?.kind === 'run' && run.cmdLine).toEqual(['/usr/local/libexec/wasm-frontend/run', '/bin/sh', '-c', 'go build']);
    expect(run?.kind === 'run' && run.mounts).toEqual([
      'type=cache,id=wasm-frontend/go-build,target=/var/cache/wasm-frontend/go-build',
      'type=cache,id=wasm-frontend/go-mod,target=/var/cache/wasm-frontend/go-mod',
    ]);
    expect(toolchainOf('wasm-toolchain/golang')).toBe('go');
    expect(expandToolchainStages(parseDockerfile('FROM wasm-toolchain/go\nRUN go build\n'), new Map([['WASM_GO_IMAGE', 'my/go:1']])).stages[0].from.image).toBe('my/go:1');
  });
});
