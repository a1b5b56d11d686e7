// The frontend process: BuildKit starts it with the gateway API on stdin/stdout. This file only
// wires the gateway (transport, Return, exit) to the converter and its wasm layer; everything
// else lives in src/.
import { build } from '../src/convert/index.js';
import { runFrontend } from '../src/gateway/run.js';
import { wasmExtensions } from '../src/wasm/index.js';

void runFrontend((client, env) => build(client, env, wasmExtensions));
