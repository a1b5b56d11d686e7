import { describe, expect, test } from 'vitest';
import { runWasi } from '../../test/wasi.js';
import { wasmCommand, wasmComponent } from '../../test/wasm-fixture.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspectWasm, isWasm, stripDebug, stripSections, wasiImports, wasiKind, WasmFormatError } from './module.js';

describe('inspectWasm', () => {
  test('a WASI command: imports, exports, custom sections', () => {
    const info = inspectWasm(wasmCommand({ custom: [['.debug_info', 100], ['name', 10]] }));
    expect(info.kind).toBe('module');
    expect(info.imports).toEqual([{ module: 'wasi_snapshot_preview1', name: 'proc_exit', kind: 'func' }]);
    expect(info.exports).toEqual([
      { name: 'memory', kind: 'memory' },
      { name: '_start', kind: 'func' },
    ]);
    expect(info.sections.filter((s) => s.id === 0).map((s) => s.name)).toEqual(['.debug_info', 'name']);
    expect(wasiKind(info)).toBe('command');
    expect(wasiImports(info)).toEqual(['wasi_snapshot_preview1']);
  });

  test('reactors, libraries and components', () => {
    expect(wasiKind(inspectWasm(wasmCommand({ entry: '_initialize' })))).toBe('reactor');
    expect(wasiKind(inspectWasm(wasmCommand({ entry: 'run' })))).toBe('library');
    expect(inspectWasm(wasmComponent()).kind).toBe('component');
  });

  test('malformed input is a clear error', () => {
    expect(isWasm(Buffer.from('\x7fELF....'))).toBe(false);
    expect(() => inspectWasm(Buffer.from('#!/bin/sh\necho'))).toThrow(WasmFormatError);
    const truncated = wasmCommand().subarray(0, 20);
    expect(() => inspectWasm(truncated)).toThrow(/runs past the end|unexpected end/);
  });
});

describe('stripDebug', () => {
  test('removes .debug_* sections only; the module still runs', async () => {
    const full = wasmCommand({ exitCode: 7, custom: [['.debug_info', 5000], ['.debug_line', 3000], ['name', 20]] });
    const { bytes, removed } = stripDebug(full);
    expect(removed.map((r) => r.name)).toEqual(['.debug_info', '.debug_line']);
    expect(bytes.length).toBe(full.length - removed.reduce((n, r) => n + r.size, 0));
    expect(inspectWasm(bytes).sections.filter((s) => s.id === 0).map((s) => s.name)).toEqual(['name']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strip-'));
    fs.writeFileSync(path.join(dir, 'm.wasm'), bytes);
    expect((await runWasi(path.join(dir, 'm.wasm'))).exitCode).toBe(7);
    fs.rmSync(dir, { recursive: true });
  });

  test('a module without debug sections is returned as it was', () => {
    const m = wasmCommand();
    expect(stripDebug(m)).toEqual({ bytes: m, removed: [] });
  });
});

describe('stripSections', () => {
  const custom = (b: Uint8Array) => inspectWasm(b).sections.filter((s) => s.id === 0).map((s) => s.name);
  test('by default removes debug, name and producers sections; other custom sections stay; the module still runs', async () => {
    const full = wasmCommand({ exitCode: 3, custom: [['.debug_info', 500], ['name', 300], ['producers', 40], ['target_features', 10]] });
    const { bytes, removed } = stripSections(full);
    expect(removed.map((r) => r.name)).toEqual(['.debug_info', 'name', 'producers']);
    expect(custom(bytes)).toEqual(['target_features']);
    expect(bytes.length).toBe(full.length - removed.reduce((n, r) => n + r.size, 0));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strip-'));
    fs.writeFileSync(path.join(dir, 'm.wasm'), bytes);
    expect((await runWasi(path.join(dir, 'm.wasm'))).exitCode).toBe(3);
    fs.rmSync(dir, { recursive: true });
  });

  test('keepNames keeps name and producers; keepDebug keeps the debug sections', () => {
    const full = wasmCommand({ custom: [['.debug_info', 500], ['name', 300], ['producers', 40]] });
    expect(custom(stripSections(full, { keepNames: true }).bytes)).toEqual(['name', 'producers']);
    expect(custom(stripSections(full, { keepDebug: true }).bytes)).toEqual(['.debug_info']);
    expect(stripSections(full, { keepDebug: true, keepNames: true }).bytes).toBe(full);
  });
});
