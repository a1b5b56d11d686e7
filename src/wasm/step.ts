/**
 * The module step: find the image's module, check it, strip it. The same code runs in two
 * places (src/wasm/image.ts chooses):
 *
 * - inside BuildKit, as an exec on the frontend's own image (`node <bundle> wasm-module-step
 *   <request JSON>`), with the target stage's filesystem mounted read-only at /wasm-in and an
 *   empty writable mount at /wasm-out, where it writes `module.wasm` (the result) and
 *   `facts.json` (ModuleFacts). BuildKit caches the exec on its inputs, so a rebuild whose module
 *   did not change does no module I/O at all; the frontend reads only facts.json;
 * - in the frontend process, over the gateway's ReadDir/ReadFile, when the frontend does not
 *   run from an image BuildKit can start again (the test harness, an unknown `source`).
 *
 * A problem with the module (not a module, not a command, missing) is not an exit status: it is
 * `facts.error`, which the frontend raises at the ENTRYPOINT line.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import nodePath from 'node:path';
import { inspectWasm, isWasm, stripSections, wasiImports, wasiKind, type WasmInfo } from './module.js';

/** The argument given to the step as `wasm-module-step <JSON>`. */
export interface StepRequest {
  /** The ENTRYPOINT's first word (`/m.wasm` or `/m.wasm#export`); absent: the one module in the image. */
  entry?: string;
  /** The CMD's first word: the module when there is no ENTRYPOINT and no .wasm file. */
  cmd?: string;
  keepDebug: boolean;
  keepNames: boolean;
  /** WASM_RUNTIME, lower case, already validated. */
  runtime?: string;
}

/** What the step learned; written as facts.json by the exec form. */
export interface ModuleFacts {
  /** The ENTRYPOINT first word to use (the request's, or the one module found). */
  entry?: string;
  /** True when `entry` was taken from the one module in the image. */
  derivedEntry?: boolean;
  /** True when `entry` is the CMD's first word (no ENTRYPOINT, no .wasm file): errors point at the CMD. */
  fromCmd?: boolean;
  /** No ENTRYPOINT, no CMD, no .wasm file: a base image, built as it is. */
  noModule?: boolean;
  /** The module's absolute path in the image (`entry` without `#export`). */
  path?: string;
  /** The problem, when the module cannot be used; the frontend locates it at the ENTRYPOINT. */
  error?: string;
  kind?: 'command' | 'reactor' | 'library' | 'component';
  /** WASI import modules (wasi_snapshot_preview1, ...). */
  wasi?: string[];
  warnings: string[];
  /** Bytes before and after stripping. */
  sizeBefore?: number;
  size?: number;
  /** sha256 digests (`sha256:<hex>`) of the module before and after stripping. */
  digestBefore?: string;
  digest?: string;
  /** Custom sections removed, with their sizes in bytes. */
  removed?: { name: string; size: number }[];
  /** One line for the progress output and the history entry. */
  summary?: string;
  /** .wasm files found in the image (absolute paths, sorted). */
  modules: string[];
}

/** The filesystem the step reads: the target stage's, through fs or the gateway. */
export interface TreeReader {
  /** Entries of a directory (`''` is the root). */
  readDir(dir: string): Promise<{ name: string; isDir: boolean }[]>;
  /** A file's bytes; throws an error whose message says "no such file or directory" when missing. */
  readFile(path: string): Promise<Uint8Array>;
}

/** Runtimes whose shims run only core modules; wasmtime also runs components. */
export const coreOnlyRuntimes = new Set(['wasmedge', 'wamr', 'wasmer', 'crun']);

/**
 * Runs the step over `tree`. Returns the facts and, when the module is usable, its bytes after
 * stripping (the input itself when nothing was removed). Never throws for a bad module (that is
 * `facts.error`); throws for I/O errors other than a missing file.
 */
export async function processModule(req: StepRequest, tree: TreeReader): Promise<{ facts: ModuleFacts; bytes?: Uint8Array }> {
  const modules = await findModules(tree);
  const facts: ModuleFacts = { warnings: [], modules };
  let entry = req.entry;
  if (!entry) {
    if (modules.length === 1) {
      entry = modules[0];
      facts.derivedEntry = true;
    } else if (modules.length === 0) {
      if (!req.cmd) return { facts: { ...facts, noModule: true } };
      entry = req.cmd;
      facts.fromCmd = true;
    } else {
      return { facts: { ...facts, error: `the wasi/wasm image has several modules (${modules.join(', ')}) and no ENTRYPOINT: set ENTRYPOINT ["/<module>.wasm"]` } };
    }
  }
  facts.entry = entry;
  const [path, exportName] = splitEntry(entry);
  facts.path = path;
  if (!path.startsWith('/')) return { facts: { ...facts, error: `ENTRYPOINT "${entry}" must be an absolute path to a .wasm module` } };
  let bytes: Uint8Array;
  try {
    bytes = await tree.readFile(path.slice(1));
  } catch (err) {
    if (/no such file or directory|not found|ENOENT|EISDIR|is a directory/i.test(String((err as Error)?.message ?? err))) {
      return { facts: { ...facts, error: `ENTRYPOINT "${path}" does not exist in the image${modules.length ? ` (modules: ${modules.join(', ')})` : ''}` } };
    }
    throw err;
  }
  const checked = checkModuleBytes(path, bytes, exportName, req.runtime);
  if (typeof checked === 'string') return { facts: { ...facts, error: checked } };
  const info = checked;
  const other = [...new Set(info.imports.map((i) => i.module).filter((m) => !m.startsWith('wasi')))];
  if (other.length) facts.warnings.push(`"${path}" imports from ${other.map((m) => `"${m}"`).join(', ')}: the runtime must provide them, WASI alone does not`);
  const stripped = info.kind === 'component' ? { bytes, removed: [] } : stripSections(bytes, { keepDebug: req.keepDebug, keepNames: req.keepNames || req.keepDebug }, info);
  facts.kind = info.kind === 'component' ? 'component' : wasiKind(info);
  facts.wasi = wasiImports(info);
  facts.sizeBefore = bytes.length;
  facts.size = stripped.bytes.length;
  facts.digestBefore = sha256(bytes);
  facts.digest = stripped.bytes === bytes ? facts.digestBefore : sha256(stripped.bytes);
  facts.removed = stripped.removed;
  facts.summary = describe(facts);
  return { facts, bytes: stripped.bytes };
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Splits `/m.wasm#fn` into the path and the export (the last `#` after the first character). */
export function splitEntry(entry: string): [string, string | undefined] {
  const i = entry.lastIndexOf('#');
  return i > 0 ? [entry.slice(0, i), entry.slice(i + 1)] : [entry, undefined];
}

/** Validates what a wasm runtime will be asked to run: the module's outline, or the problem as a message. */
export function checkModuleBytes(path: string, bytes: Uint8Array, exportName: string | undefined, runtime: string | undefined): WasmInfo | string {
  if (!isWasm(bytes)) {
    const what = bytes[0] === 0x7f && bytes[1] === 0x45 ? 'an ELF executable' : bytes[0] === 0x23 && bytes[1] === 0x21 ? 'a script' : 'not a WebAssembly module';
    return `ENTRYPOINT "${path}" is ${what}: a wasi/wasm image needs a .wasm module (starting with \\0asm)`;
  }
  let info: WasmInfo;
  try {
    info = inspectWasm(bytes);
  } catch (err) {
    return `ENTRYPOINT "${path}" is not a valid WebAssembly module: ${(err as Error).message}`;
  }
  if (info.kind === 'component') {
    if (runtime && coreOnlyRuntimes.has(runtime)) {
      return `"${path}" is a WebAssembly component (WASI preview 2); the ${runtime} runtime runs only core modules: build for wasm32-wasip1 or use wasmtime`;
    }
    return info;
  }
  const want = exportName ?? '_start';
  if (!info.exports.some((e) => e.name === want && e.kind === 'func')) {
    const kind = wasiKind(info);
    const hint = exportName ? '' : ' (a runtime calls _start; add #<function> to the ENTRYPOINT path to call another export)';
    return `"${path}" has no "${want}" function export: it is a ${kind} module, not a WASI command${hint}`;
  }
  return info;
}

/** Sizes as the progress output shows them: KiB below 1 MiB, else MiB, one decimal. */
export function kB(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function describe(f: ModuleFacts): string {
  const kind = f.kind === 'component' ? 'component' : `${f.kind} module`;
  const removed = f.removed ?? [];
  let size = kB(f.size ?? 0);
  if (removed.length) {
    const what = [removed.some((r) => r.name === 'name' || r.name === 'producers') && 'names', removed.some((r) => r.name !== 'name' && r.name !== 'producers') && 'debug sections'].filter(Boolean).join(' and ');
    size = `${kB(f.sizeBefore ?? 0)} -> ${kB(f.size ?? 0)}, ${what} stripped`;
  }
  return `${f.path}: ${kind}, ${size}${f.wasi?.length ? `, imports ${f.wasi.join(', ')}` : ''}`;
}

/** .wasm files in the image, searched a few levels deep (a module image is small); iterative. */
async function findModules(tree: TreeReader): Promise<string[]> {
  const out: string[] = [];
  let budget = 2000;
  const queue: { dir: string; depth: number }[] = [{ dir: '', depth: 0 }];
  while (queue.length && budget > 0) {
    const { dir, depth } = queue.shift()!;
    for (const e of await tree.readDir(dir)) {
      if (--budget < 0) break;
      const full = `${dir}/${e.name}`;
      if (e.isDir) {
        if (depth < 4 && !['proc', 'sys', 'dev'].includes(e.name)) queue.push({ dir: full, depth: depth + 1 });
      } else if (e.name.endsWith('.wasm')) out.push(full);
    }
  }
  return out.sort();
}

/** The argument that selects the step mode of the frontend bundle. */
export const STEP_ARG = 'wasm-module-step';
/** Where the exec form mounts its input and output. */
export const STEP_IN = '/wasm-in';
export const STEP_OUT = '/wasm-out';

/**
 * The exec form's main: `node <bundle> wasm-module-step <StepRequest JSON>`. Reads /wasm-in,
 * writes /wasm-out/facts.json and (when usable) /wasm-out/module.wasm, prints the summary.
 * Returns the exit status: 0 whenever facts.json was written, 1 for a bad request or I/O error.
 * `dirs` replaces the two mount points (tests run the step on folders).
 */
export async function stepMain(arg: string | undefined, dirs: { input: string; output: string } = { input: STEP_IN, output: STEP_OUT }): Promise<number> {
  const STEP_IN = dirs.input;
  const STEP_OUT = dirs.output;
  let req: StepRequest;
  try {
    req = JSON.parse(arg ?? '') as StepRequest;
  } catch {
    process.stderr.write(`${STEP_ARG}: the argument must be a JSON request\n`);
    return 1;
  }
  const abs = (p: string) => nodePath.join(STEP_IN, p);
  const tree: TreeReader = {
    readDir: async (dir) => (await fs.readdir(abs(dir), { withFileTypes: true })).map((d) => ({ name: d.name, isDir: d.isDirectory() })),
    readFile: async (p) => {
      // The image's symlinks resolve inside the image, not inside this container.
      const real = await resolveInside(STEP_IN, p);
      return fs.readFile(abs(real));
    },
  };
  try {
    const { facts, bytes } = await processModule(req, tree);
    if (bytes) await fs.writeFile(nodePath.join(STEP_OUT, 'module.wasm'), bytes, { mode: 0o644 });
    await fs.writeFile(nodePath.join(STEP_OUT, 'facts.json'), JSON.stringify(facts));
    process.stdout.write(`${facts.error ?? facts.summary}\n`);
    for (const w of facts.warnings) process.stdout.write(`warning: ${w}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${STEP_ARG}: ${(err as Error).message}\n`);
    return 1;
  }
}

/** Follows symlinks of `p` (relative to the image root) within the image; at most 40 links. */
async function resolveInside(root: string, p: string): Promise<string> {
  let parts = p.split('/').filter(Boolean);
  let done: string[] = [];
  for (let links = 0; parts.length; ) {
    const name = parts.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      done.pop();
      continue;
    }
    const here = [...done, name].join('/');
    let target: string | undefined;
    try {
      target = (await fs.lstat(nodePath.join(root, here))).isSymbolicLink() ? await fs.readlink(nodePath.join(root, here)) : undefined;
    } catch {
      target = undefined;
    }
    if (target === undefined) {
      done.push(name);
      continue;
    }
    if (++links > 40) throw new Error(`too many levels of symbolic links: /${p}`);
    if (target.startsWith('/')) done = [];
    parts = [...target.split('/').filter(Boolean), ...parts];
  }
  return done.join('/');
}
