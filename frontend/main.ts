// The frontend process: BuildKit starts it with the gateway API on stdin/stdout. This file only
// wires the gateway (transport, Return, exit) to the converter and its wasm layer; everything
// else lives in src/.
//
// `node frontend.cjs wasm-module-step <JSON>` is the other mode: the module step the frontend
// runs as a BuildKit exec on its own image (src/wasm/step.ts).
import { build } from '../src/convert/index.js';
import { runFrontend } from '../src/gateway/run.js';
import { STEP_ARG, stepMain, wasmExtensions } from '../src/wasm/index.js';

if (process.argv[2] === STEP_ARG) {
  // WASM_STEP_IN/WASM_STEP_OUT replace the mount points when a test runs the step on folders.
  const dirs = process.env.WASM_STEP_IN && process.env.WASM_STEP_OUT ? { input: process.env.WASM_STEP_IN, output: process.env.WASM_STEP_OUT } : undefined;
  void stepMain(process.argv[3], dirs).then((code) => process.exit(code));
} else if (process.argv[2] !== 'load-only') {
  // load-only: frontend/start.cjs loads the bundle to make its V8 code cache.
  void runFrontend((client, env) => build(client, env, wasmExtensions));
}
