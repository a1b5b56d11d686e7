#!/usr/bin/env node
// Benchmark, printed not asserted: a fully cached rebuild of one Dockerfile through this
// frontend (gateway image, --build-arg BUILDKIT_SYNTAX) beside the same Dockerfile through a
// reference on the same engine, alternating, after one warm-up build each; medians and the ratio.
//
//   node scripts/bench-noop.mjs [DIR] [--runs 9] [--platform wasi/wasm] [--reference IMAGE]
//
//   DIR              build context with a Dockerfile (default testdata/rust-hello). Its `# syntax=`
//                    line is dropped, and for wasi/wasm every FROM of a stage that has a RUN gets
//                    --platform=$BUILDPLATFORM, so the reference builds the very same text.
//   --ours-arg K=V   a build argument for our builds only (e.g. WASM_MODULE_STEP=frontend, to
//                    measure the module step in the frontend against --reference the same image)
//   --reference      a frontend image to compare with (e.g. a docker/dockerfile built by hand);
//                    default: the engine's built-in Dockerfile frontend (in-process on Docker 26,
//                    a lower bound no gateway image can reach).
//   FRONTEND_IMAGE   this frontend (default local/wasm-frontend:dev)
//   DOCKER           client (default /usr/bin/docker, dockerd 20.10 here; the Docker 26 engine:
//                    DOCKER=scripts/ci/docker26, see the README)
// The result is exported with -o type=local (a wasi image cannot be loaded into dockerd 20.10);
// both sides export the same files.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const top = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    platform: { type: 'string', default: 'wasi/wasm' },
    reference: { type: 'string' },
    'ours-arg': { type: 'string', multiple: true, default: [] },
  },
  allowPositionals: true,
});
const DOCKER = process.env.DOCKER ?? '/usr/bin/docker';
const frontend = process.env.FRONTEND_IMAGE ?? 'local/wasm-frontend:dev';
const runs = Number(values.runs);
const src = path.resolve(positionals[0] ?? path.join(top, 'testdata/rust-hello'));
if (!fs.existsSync(path.join(src, 'Dockerfile'))) {
  console.error(`bench:noop: ${src} has no Dockerfile`);
  process.exit(2);
}

const tmp = fs.mkdtempSync(path.join('/tmp', 'bench-noop-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const ctx = path.join(tmp, 'ctx');
fs.cpSync(src, ctx, { recursive: true });
const text = fs.readFileSync(path.join(ctx, 'Dockerfile'), 'utf8');
if (/^\s*FROM\s+(--\S+\s+)*(docker\.io\/)?wasm-toolchain\//im.test(text)) {
  console.error('bench:noop: toolchain stages (wasm-toolchain/...) exist only in this frontend; the reference cannot build them');
  process.exit(2);
}
fs.writeFileSync(path.join(ctx, 'Dockerfile'), sameForBoth(text, values.platform));

/** The Dockerfile both frontends build: no syntax line; stages that RUN placed on the build platform for wasm. */
function sameForBoth(df, platform) {
  const lines = df.split('\n').filter((l) => !/^#\s*syntax\s*=/i.test(l));
  if (!platform.startsWith('wasi')) return lines.join('\n');
  const froms = lines.map((l, i) => (/^\s*FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
  froms.forEach((start, k) => {
    const end = froms[k + 1] ?? lines.length;
    const runsSomething = lines.slice(start, end).some((l) => /^\s*RUN\s/i.test(l));
    if (runsSomething && !/--platform/i.test(lines[start])) lines[start] = lines[start].replace(/^(\s*FROM)\s/i, '$1 --platform=$BUILDPLATFORM ');
  });
  return lines.join('\n');
}

const env = { ...process.env, DOCKER_BUILDKIT: '1' };
async function build(which) {
  const out = path.join(tmp, `out-${which}`);
  const args = ['build', '-q', '--platform', values.platform, '-o', `type=local,dest=${out}`];
  if (which === 'ours') args.push('--build-arg', `BUILDKIT_SYNTAX=${frontend}`, ...values['ours-arg'].flatMap((a) => ['--build-arg', a]));
  else if (values.reference) args.push('--build-arg', `BUILDKIT_SYNTAX=${values.reference}`);
  args.push(ctx);
  const t0 = performance.now();
  try {
    await run(DOCKER, args, { env, cwd: tmp, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    console.error(`bench:noop: the ${which} build failed:\n${err.stderr || err.message}`);
    process.exit(1);
  }
  return performance.now() - t0;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const refName = values.reference ?? 'built-in Dockerfile frontend';
console.log(`bench:noop: ${path.relative(top, src) || src} for ${values.platform}, ${runs} cached rebuilds each, alternating (${DOCKER})`);
console.log(`  ours: ${frontend}${values['ours-arg'].length ? ` with ${values['ours-arg'].join(' ')}` : ''}; reference: ${refName}`);
await build('ours');
await build('reference');
const t = { ours: [], reference: [] };
for (let i = 0; i < runs; i++) {
  const order = i % 2 ? ['reference', 'ours'] : ['ours', 'reference'];
  for (const w of order) t[w].push(await build(w));
}
const mo = median(t.ours);
const mr = median(t.reference);
const fmt = (xs) => xs.map((x) => Math.round(x)).join(' ');
console.log(`  ours       median ${Math.round(mo)} ms  (min ${Math.round(Math.min(...t.ours))}; ${fmt(t.ours)})`);
console.log(`  reference  median ${Math.round(mr)} ms  (min ${Math.round(Math.min(...t.reference))}; ${fmt(t.reference)})`);
console.log(`  ratio ours/reference ${(mo / mr).toFixed(2)}`);
const load = os.loadavg()[0];
if (load > os.cpus().length) console.log(`  note: load average ${load.toFixed(1)} on ${os.cpus().length} CPUs while measuring`);
