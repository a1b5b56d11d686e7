// Startup time of the bundled frontend, measured through the gateway test harness:
//   node scripts/bench-startup.mjs [--bundle dist/frontend.cjs] [--runs 20] [--context dir]
//                                  [--dockerfile dir] [--opt key=value ...]
// Prints median/p90/min of spawn → Ping and spawn → first Solve, next to a bare `node -e ''`
// (spawn → exit) on the same machine. Printed, not asserted.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    bundle: { type: 'string', default: 'dist/frontend.cjs' },
    runs: { type: 'string', default: '20' },
    context: { type: 'string' },
    dockerfile: { type: 'string' },
    opt: { type: 'string', multiple: true, default: [] },
  },
  strict: true,
});

const bundle = path.resolve(top, values.bundle);
const runs = Number(values.runs);
if (!fs.existsSync(bundle)) {
  console.error(`bench: ${path.relative(top, bundle)} does not exist: run \`npm run build\` first or pass --bundle`);
  process.exit(1);
}
if (!Number.isInteger(runs) || runs < 1) {
  console.error('bench: --runs must be a positive integer');
  process.exit(1);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

// The harness is TypeScript: bundle it (with grpc-js and protobufjs) into one CJS file.
const harnessFile = path.join(tmp, 'harness.cjs');
await esbuild.build({
  entryPoints: [path.join(top, 'test/harness/index.ts')],
  outfile: harnessFile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  loader: { '.json': 'json' },
  logLevel: 'warning',
});
const { runHarness } = createRequire(import.meta.url)(harnessFile);

let contextDir = values.context && path.resolve(values.context);
if (!contextDir) {
  contextDir = path.join(tmp, 'context');
  fs.mkdirSync(contextDir);
  fs.writeFileSync(path.join(contextDir, 'Dockerfile'), 'FROM scratch\nCOPY app.wasm /app.wasm\nENTRYPOINT ["/app.wasm"]\n');
  fs.writeFileSync(path.join(contextDir, 'app.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
}
const opts = { filename: 'Dockerfile' };
for (const kv of values.opt) {
  const eq = kv.indexOf('=');
  opts[eq < 0 ? kv : kv.slice(0, eq)] = eq < 0 ? '' : kv.slice(eq + 1);
}

function bareNode() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - t0));
  });
}

async function frontend() {
  const run = await runHarness({
    bundle,
    contextDir,
    dockerfileDir: values.dockerfile ? path.resolve(values.dockerfile) : contextDir,
    opts,
    timeoutMs: 30_000,
  });
  if (run.timeline.firstSolve === undefined) {
    const tail = run.stderr.trim().split('\n').slice(-5).join('\n');
    throw new Error(`the frontend made no Solve (exit ${run.exitCode}${run.timedOut ? ', timed out' : ''}):\n${tail}`);
  }
  return run.timeline;
}

// one unmeasured round each, so both start from a warm page cache
await bareNode();
await frontend();

const bare = [];
const ping = [];
const firstSolve = [];
const exited = [];
for (let i = 0; i < runs; i++) {
  bare.push(await bareNode());
  const t = await frontend();
  ping.push(t.ping);
  firstSolve.push(t.firstSolve);
  exited.push(t.exited);
}

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}
const fmt = (x) => x.toFixed(1).padStart(8);
const row = (label, xs) => console.log(`${label.padEnd(34)}${fmt(quantile(xs, 0.5))}${fmt(quantile(xs, 0.9))}${fmt(Math.min(...xs))}  ms`);

const size = (fs.statSync(bundle).size / 1024).toFixed(0);
const shown = path.relative(top, bundle).startsWith('..') ? bundle : path.relative(top, bundle);
console.log(`startup over ${runs} runs: ${shown} (${size} KiB), node ${process.version}, ${os.cpus()[0]?.model ?? os.arch()}`);
console.log(`${''.padEnd(34)}${'median'.padStart(8)}${'p90'.padStart(8)}${'min'.padStart(8)}`);
row("node -e '' (spawn → exit)", bare);
row('frontend spawn → Ping', ping);
row('frontend spawn → first Solve', firstSolve);
row('frontend spawn → exit', exited);
console.log(`${'first Solve minus bare node'.padEnd(34)}${fmt(quantile(firstSolve, 0.5) - quantile(bare, 0.5))}`);
