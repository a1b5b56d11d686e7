// The frontend image's entry: loads the bundle (frontend.cjs, beside this file) with V8's code
// cache (frontend.cjs.cache, made at image build time by `node start.cjs --make-code-cache`), so
// a start skips most of the compile work. A cache V8 rejects (another node version or flags) or a
// missing one only costs that saving: the bundle is then compiled as usual.
//
//   node start.cjs [ARGS]               run the frontend (or its module step) with ARGS
//   node start.cjs --make-code-cache    load the bundle without running it, write the cache
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'frontend.cjs');
const cacheFile = `${file}.cache`;
const make = process.argv[2] === '--make-code-cache';

const source = fs.readFileSync(file, 'utf8');
let cachedData;
if (!make) {
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
const fn = script.runInThisContext();
const mod = new Module(file, module);
mod.filename = file;
mod.paths = Module._nodeModulePaths(__dirname);
// The bundle reads process.argv[1] as its own path (the module step's exec runs it again).
process.argv[1] = __filename;
// For the cache, run the bundle's top level (every module initializer) but not the frontend, so
// the cache holds the functions a start compiles, not just the outer wrapper.
if (make) process.argv[2] = 'load-only';
fn.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, __dirname);
if (make) {
  fs.writeFileSync(cacheFile, script.createCachedData());
  process.stdout.write(`code cache: ${cacheFile} ${fs.statSync(cacheFile).size} bytes\n`);
}
