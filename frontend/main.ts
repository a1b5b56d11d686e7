// The frontend process: BuildKit starts it with the gateway API on stdin/stdout. This file only
// wires the gateway (transport, Return, exit) to the converter; everything else lives in src/.
import { build } from '../src/convert/index.js';
import { runFrontend } from '../src/gateway/run.js';

void runFrontend((client, env) => build(client, env));
