#!/usr/bin/env node
// Benchmark, printed not asserted: fibonacci(35) (testdata/rust-fib) side by side through
// `docker run` on the Docker 26 engine (scripts/ci/engine26.sh), as
//   native   a static linux/amd64 binary in a scratch image (plain runc),
//   wasm     the plain wasi/wasm module image (crun's WasmEdge handler, interpreted),
//   portable WASM_AOT=wasmedge for wasi/wasm (crun's WasmEdge handler, universal wasm),
//   bundled  WASM_AOT=wasmedge for linux/amd64 (plain runc; wasmedge runs the universal wasm),
// with the build's compile times (cargo step, AOT step; --no-cache) and the sizes. Each image is
// run RUNS times, round robin; the table shows the median wall time of `docker run` and checks
// that every run printed expected-stdout.txt.
//
//   node scripts/bench-aot.mjs        (needs Docker 26 up, local/wasmedge:0.14.1, npm run image)
// Env: DOCKER26 (client wrapper, default scripts/ci/docker26), ENGINE26 (scripts/ci/engine26.sh,
// used to load the host images), FRONTEND_IMAGE, TOOLCHAIN_IMAGE, WASMEDGE_IMAGE, RUNS (5).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const top = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DOCKER26 = process.env.DOCKER26 ?? path.join(top, 'scripts/ci/docker26');
const ENGINE26 = process.env.ENGINE26 ?? path.join(top, 'scripts/ci/engine26.sh');
const frontend = process.env.FRONTEND_IMAGE ?? 'local/wasm-frontend:dev';
const toolchain = process.env.TOOLCHAIN_IMAGE ?? 'local/wasm-toolchain:bookworm';
const wasmedge = process.env.WASMEDGE_IMAGE ?? 'local/wasmedge:0.14.1';
const RUNS = Number(process.env.RUNS ?? 5);
const tagBase = `bench-aot/fib:${frontend.replace(/[^\w.-]/g, '-')}`;

async function d26(args, cwd) {
  const r = await execa(DOCKER26, args, { cwd, reject: false, stdin: 'ignore' });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function must(r, what) {
  if (r.exitCode !== 0) throw new Error(`${what} failed:\n${(r.stderr || r.stdout).split('\n').slice(-20).join('\n')}`);
  return r;
}

/** Seconds of the plain-progress step whose title matches `re` ("#12 DONE 31.0s"). */
function stepSeconds(log, re) {
  const m = new RegExp(`#(\\d+) ${re.source}`).exec(log);
  if (!m) return undefined;
  const done = new RegExp(`#${m[1]} DONE ([\\d.]+)s`).exec(log);
  return done ? Number(done[1]) : undefined;
}

/** The size of /fib in the native image (docker create + cp: the image has no shell). */
async function nativeBinarySize(tag) {
  const name = `bench-aot-${process.pid}`;
  must(await d26(['create', '--name', name, tag]), 'create');
  try {
    must(await d26(['cp', `${name}:/fib`, path.join(ctx, 'fib.bin')]), 'cp');
    return fs.statSync(path.join(ctx, 'fib.bin')).size;
  } finally {
    await d26(['rm', name]);
  }
}

const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-aot-'));
try {
  if (fs.existsSync(ENGINE26)) must(await execa('bash', [ENGINE26, 'load', frontend, toolchain, wasmedge], { reject: false }), 'loading images into Docker 26');
  fs.cpSync(path.join(top, 'testdata/rust-fib'), ctx, { recursive: true, filter: (p) => !p.endsWith('/target') });
  const expected = fs.readFileSync(path.join(ctx, 'expected-stdout.txt'), 'utf8');
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), fs.readFileSync(path.join(ctx, 'Dockerfile'), 'utf8').replace(/^# syntax=.*\n/, ''));
  fs.writeFileSync(
    path.join(ctx, 'native.Dockerfile'),
    [
      `FROM ${toolchain} AS build`,
      'WORKDIR /src',
      'COPY . .',
      'RUN RUSTFLAGS="-C target-feature=+crt-static" cargo build --release && cp target/release/fib /fib',
      'FROM scratch',
      'COPY --from=build /fib /fib',
      'ENTRYPOINT ["/fib"]',
      '',
    ].join('\n'),
  );
  const ours = ['--build-arg', `BUILDKIT_SYNTAX=${frontend}`, '--build-arg', `WASM_RUST_IMAGE=${toolchain}`];
  const aot = ['--build-arg', 'WASM_AOT=wasmedge', '--build-arg', `WASM_WASMEDGE_IMAGE=${wasmedge}`];
  const crun = (img) => ['run', '--rm', '--runtime', 'crun', '--platform', 'wasi/wasm', '--annotation', 'run.oci.handler=wasm', '--network', 'none', img];
  const runc = (img) => ['run', '--rm', '--network', 'none', img];
  const variants = [
    { name: 'native linux/amd64 (runc)', tag: `${tagBase}-native`, build: ['--platform', 'linux/amd64', '-f', 'native.Dockerfile'], run: runc, cargo: /\[build \d\/\d\] RUN RUSTFLAGS/ },
    { name: 'wasm, interpreted (crun WasmEdge)', tag: `${tagBase}-wasm`, build: ['--platform', 'wasi/wasm', ...ours], run: crun, cargo: /\[build \d\/\d\] RUN cargo build/ },
    { name: 'portable AOT (crun WasmEdge)', tag: `${tagBase}-portable`, build: ['--platform', 'wasi/wasm', ...ours, ...aot], run: crun, cargo: /\[build \d\/\d\] RUN cargo build/ },
    { name: 'bundled AOT linux/amd64 (runc)', tag: `${tagBase}-bundled`, build: ['--platform', 'linux/amd64', ...ours, ...aot], run: runc, cargo: /\[build \d\/\d\] RUN cargo build/ },
  ];
  for (const v of variants) {
    const t0 = performance.now();
    const r = must(await d26(['buildx', 'build', '--progress=plain', '--no-cache', '--provenance=false', '--load', '-t', v.tag, ...v.build, '.'], ctx), `building ${v.name}`);
    v.buildSeconds = (performance.now() - t0) / 1000;
    v.cargoSeconds = stepSeconds(r.stderr, v.cargo);
    v.aotSeconds = stepSeconds(r.stderr, /\[wasm aot\] wasmedge compile/);
    const inspect = JSON.parse(must(await d26(['image', 'inspect', v.tag]), 'inspect').stdout)[0];
    v.imageSize = inspect.Size;
    const labels = inspect.Config.Labels ?? {};
    v.artifact = Number(labels['org.wasm-frontend.aot.size'] ?? labels['org.wasm-frontend.module.size'] ?? (await nativeBinarySize(v.tag)));
    v.times = [];
  }
  for (let i = 0; i < RUNS; i++) {
    for (const v of variants) {
      const t0 = performance.now();
      const r = must(await d26(v.run(v.tag)), `running ${v.name}`);
      v.times.push((performance.now() - t0) / 1000);
      if (r.stdout + '\n' !== expected) throw new Error(`${v.name} printed ${JSON.stringify(r.stdout)}, expected ${JSON.stringify(expected)}`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const native = median(variants[0].times);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const s = (x) => (x === undefined ? '-' : `${x.toFixed(1)} s`);
  console.log(`fibonacci(35), docker run on Docker 26, median of ${RUNS} runs (${os.cpus().length} vCPU, load ${os.loadavg()[0].toFixed(1)})\n`);
  console.log('| image | docker run | vs native | cargo step | AOT step | artifact | image size (inspect) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const v of variants) {
    const m = median(v.times);
    console.log(`| ${v.name} | ${m.toFixed(2)} s | ${(m / native).toFixed(2)}x | ${s(v.cargoSeconds)} | ${s(v.aotSeconds)} | ${kib(v.artifact)} | ${kib(v.imageSize)} |`);
  }
  await d26(['rmi', ...variants.map((v) => v.tag)]);
} finally {
  fs.rmSync(ctx, { recursive: true, force: true });
}
