#!/usr/bin/env node
// Run a WASI (preview1) command module with Node's built-in node:wasi.
//
//   node scripts/run-wasm.mjs module.wasm [args...]
//
// The module's stdout/stderr go to ours; we exit with its exit code.
// No filesystem is preopened and the environment is empty, so the module
// sees only its arguments (argv[0] is the module's file name).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...args] = process.argv.slice(2);
if (!file || file === '-h' || file === '--help') {
  process.stderr.write('usage: node scripts/run-wasm.mjs module.wasm [args...]\n');
  process.exit(file ? 0 : 2);
}

// node:wasi prints an ExperimentalWarning on stderr; keep stderr for the module.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') process.stderr.write(`${w.stack ?? w}\n`);
});

const wasi = new WASI({
  version: 'preview1',
  args: [basename(file), ...args],
  env: {},
  preopens: {},
  returnOnExit: true,
});

let code;
try {
  const module = await WebAssembly.compile(await readFile(file));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  code = wasi.start(instance);
} catch (err) {
  process.stderr.write(`run-wasm: ${file}: ${err?.stack ?? err}\n`);
  code = 70;
}
process.exitCode = typeof code === 'number' ? code : 0;
