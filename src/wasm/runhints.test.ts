import { describe, expect, it } from 'vitest';
import { decodeDefinition, marshal } from '../llb/marshal.js';
import { runCommands, runHintState } from './runhints.js';

describe('runCommands', () => {
  it('a core module: crun with the wasm handler annotation first, then the runwasi shims', () => {
    expect(runCommands({ kind: 'module' })).toEqual([
      'docker run --rm --runtime crun --platform wasi/wasm --annotation run.oci.handler=wasm IMAGE',
      'docker run --rm --runtime io.containerd.wasmtime.v1 --platform wasi/wasm IMAGE',
      'docker run --rm --runtime io.containerd.wasmedge.v1 --platform wasi/wasm IMAGE',
      'docker run --rm --runtime io.containerd.wasmer.v1 --platform wasi/wasm IMAGE',
      'docker run --rm --runtime io.containerd.wamr.v1 --platform wasi/wasm IMAGE',
    ]);
  });

  it('a component: only the wasmtime shim', () => {
    expect(runCommands({ kind: 'component' })).toEqual(['docker run --rm --runtime io.containerd.wasmtime.v1 --platform wasi/wasm IMAGE']);
  });

  it('WASM_RUNTIME picks one', () => {
    expect(runCommands({ kind: 'module' }, 'crun')).toEqual(['docker run --rm --runtime crun --platform wasi/wasm --annotation run.oci.handler=wasm IMAGE']);
    expect(runCommands({ kind: 'module' }, 'wasmedge')).toEqual(['docker run --rm --runtime io.containerd.wasmedge.v1 --platform wasi/wasm IMAGE']);
  });
});

describe('runHintState', () => {
  it('one named step per command, in order; none for no command', () => {
    expect(runHintState([])).toBeUndefined();
    const ops = decodeDefinition(marshal(runHintState(['a', 'b'])!));
    const names = ops.map((o) => o.metadata?.description?.['llb.customname']).filter(Boolean);
    expect(names).toEqual(['[wasm] run: a', '[wasm] run: b']);
  });
});
