/** Runs a WASI preview1 command module in-process with node:wasi and captures its output. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WASI } from 'node:wasi';

/** The WebAssembly global: the ES2022 lib this project compiles against does not declare it. */
const wasm = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<object>; instantiate(m: object, i: object): Promise<object> } }).WebAssembly;

export async function runWasi(file: string, args: string[] = []): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasi-run-'));
  const out = path.join(dir, 'stdout');
  const err = path.join(dir, 'stderr');
  const stdout = fs.openSync(out, 'w');
  const stderr = fs.openSync(err, 'w');
  try {
    const wasi = new WASI({ version: 'preview1', args: [path.basename(file), ...args], env: {}, stdout, stderr, returnOnExit: true });
    const module = await wasm.compile(fs.readFileSync(file));
    const instance = await wasm.instantiate(module, wasi.getImportObject());
    const exitCode = wasi.start(instance);
    return { exitCode, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    fs.closeSync(stdout);
    fs.closeSync(stderr);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
