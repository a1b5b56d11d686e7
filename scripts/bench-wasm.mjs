#!/usr/bin/env node
// Benchmark, printed not asserted: for each example, the module and image size built through
// wasm-frontend against the same project built the plain way (hand-written stages, dockerd's
// built-in frontend); and the time of a rebuild after a one-line source change, with the
// toolchain stage's cache mounts against the plain build without them. Then the module size
// through this frontend three ways: the default (debug, name and producers sections stripped),
// WASM_KEEP_NAMES=1, and WASM_OPT (default -Oz; WASM_OPT_IMAGE defaults to TOOLCHAIN_IMAGE).
//
//   node scripts/bench-wasm.mjs [example ...]     (needs dockerd, the local images, npm run image)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const top = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DOCKER = process.env.DOCKER ?? '/usr/bin/docker';
const toolchain = process.env.TOOLCHAIN_IMAGE ?? 'local/wasm-toolchain:bookworm';
const frontend = process.env.FRONTEND_IMAGE ?? 'local/wasm-frontend:dev';
const wasmOpt = process.env.WASM_OPT ?? '-Oz';

/** The plain way: what a user writes without this frontend (and runs with the built-in one). */
const plain = {
  'rust-dep': { build: 'cargo build --release --target wasm32-wasi', out: 'target/wasm32-wasi/release/hello-dep.wasm', src: 'src/main.rs' },
  'rust-fib': { build: 'cargo build --release --target wasm32-wasi', out: 'target/wasm32-wasi/release/fib.wasm', src: 'src/main.rs' },
  'cpp-hello': { build: 'clang++ --target=wasm32-wasi -fno-exceptions -O2 -o hello.wasm hello.cpp', out: 'hello.wasm', src: 'hello.cpp' },
  'as-hello': { build: 'node_modules/.bin/asc assembly/index.ts --config node_modules/@assemblyscript/wasi-shim/asconfig.json -O3 -o hello.wasm', out: 'hello.wasm', src: 'assembly/index.ts' },
};

function plainDockerfile(p) {
  return [
    `FROM --platform=$BUILDPLATFORM ${toolchain} AS build`,
    'WORKDIR /src',
    'COPY . .',
    `RUN ${p.build}`,
    'FROM scratch',
    `COPY --from=build /src/${p.out} /module.wasm`,
    'ENTRYPOINT ["/module.wasm"]',
    '',
  ].join('\n');
}

async function dockerBuild(dir, extra) {
  const t0 = performance.now();
  const r = await execa(DOCKER, ['build', '--progress=plain', '--platform', 'wasi/wasm', ...extra, dir], { env: { DOCKER_BUILDKIT: '1' }, reject: false });
  if (r.exitCode !== 0) throw new Error(`docker build ${dir} failed:\n${String(r.stderr).split('\n').slice(-15).join('\n')}`);
  return performance.now() - t0;
}

function copyTree(from, to) {
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, filter: (p) => p !== path.join(from, 'target') });
}

function sizes(outDir) {
  const files = fs.readdirSync(outDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  const total = files.reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
  const module = files.find((e) => e.name.endsWith('.wasm'));
  return { module: module ? fs.statSync(path.join(module.parentPath, module.name)).size : 0, image: total };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function bench(name) {
  const p = plain[name];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  const ours = path.join(work, 'ours');
  const theirs = path.join(work, 'plain');
  copyTree(path.join(top, 'testdata', name), ours);
  copyTree(path.join(top, 'testdata', name), theirs);
  fs.writeFileSync(path.join(theirs, 'Dockerfile'), plainDockerfile(p));
  const args = [...['WASM_RUST_IMAGE', 'WASM_C_IMAGE', 'WASM_ASSEMBLYSCRIPT_IMAGE', 'WASM_GO_IMAGE'].flatMap((a) => ['--build-arg', `${a}=${toolchain}`]), '--build-arg', `BUILDKIT_SYNTAX=${frontend}`];
  const outs = { ours: path.join(work, 'out-ours'), plain: path.join(work, 'out-plain') };
  // First builds (warm the layer cache), then a one-line change and the measured rebuild.
  await dockerBuild(ours, [...args, '-o', `type=local,dest=${outs.ours}`]);
  await dockerBuild(theirs, ['-o', `type=local,dest=${outs.plain}`]);
  const s = { ours: sizes(outs.ours), plain: sizes(outs.plain) };
  // The same build with the module options: only the module step runs again.
  await dockerBuild(ours, [...args, '--build-arg', 'WASM_KEEP_NAMES=1', '-o', `type=local,dest=${outs.ours}-names`]);
  await dockerBuild(ours, [...args, '--build-arg', `WASM_OPT=${wasmOpt}`, '--build-arg', `WASM_OPT_IMAGE=${toolchain}`, '-o', `type=local,dest=${outs.ours}-opt`]);
  s.names = sizes(`${outs.ours}-names`);
  s.opt = sizes(`${outs.ours}-opt`);
  for (const dir of [ours, theirs]) fs.appendFileSync(path.join(dir, p.src), `\n// touched ${Date.now()}\n`);
  const t = {
    ours: await dockerBuild(ours, [...args, '-o', `type=local,dest=${outs.ours}-2`]),
    plain: await dockerBuild(theirs, ['-o', `type=local,dest=${outs.plain}-2`]),
  };
  fs.rmSync(work, { recursive: true, force: true });
  return { name, s, t };
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(plain);
const rows = [];
for (const n of names) {
  if (n === 'as-hello' && !fs.existsSync(path.join(top, 'testdata/as-hello/node_modules'))) {
    await execa('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: path.join(top, 'testdata/as-hello') });
  }
  process.stderr.write(`bench-wasm: ${n}...\n`);
  rows.push(await bench(n));
}
console.log(`wasm-frontend (${frontend}) against hand-written stages on dockerd's built-in frontend`);
console.log('example      module: ours      plain    image: ours      plain    rebuild: ours  plain');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(12)} ${kib(r.s.ours.module).padStart(12)} ${kib(r.s.plain.module).padStart(10)} ${kib(r.s.ours.image).padStart(13)} ${kib(r.s.plain.image).padStart(10)} ${sec(r.t.ours).padStart(13)} ${sec(r.t.plain).padStart(6)}`,
  );
}
console.log(`\nmodule size through wasm-frontend: default, WASM_KEEP_NAMES=1, WASM_OPT=${wasmOpt}`);
console.log('example        default   keep names   wasm-opt');
for (const r of rows) console.log(`${r.name.padEnd(12)} ${kib(r.s.ours.module).padStart(9)} ${kib(r.s.names.module).padStart(12)} ${kib(r.s.opt.module).padStart(10)}`);
