import type { FinishContext, PlatformResult } from '../convert/index.js';
import type { ImageConfig } from '../convert/image.js';
import type { ParsedDockerfile } from '../dockerfile/index.js';
import { FileAction, scratch } from '../llb/index.js';
import { LocatedError, type SourceRange } from '../util/located.js';
import { inspectWasm, isWasm, stripDebug, wasiImports, wasiKind, type WasmInfo } from './module.js';

/**
 * The wasi/wasm image: after the target stage is solved, its module is found and checked, debug
 * sections are stripped, and the filesystem becomes one layer with the module at mode 0644.
 * The image config gets the ENTRYPOINT (when the image has one module and none was set) and
 * labels naming the module.
 */
export const LABEL_PREFIX = 'org.wasm-frontend.module';

/** Runtimes whose shims run only core modules; wasmtime also runs components. */
const coreOnlyRuntimes = new Set(['wasmedge', 'wamr', 'wasmer', 'crun']);
const knownRuntimes = new Set(['wasmtime', ...coreOnlyRuntimes]);

/** Modules larger than this are copied rather than written inline (old daemons take 4 MiB requests). */
const INLINE_LIMIT = 3 * 1024 * 1024;

export interface WasmImageOptions {
  keepDebug: boolean;
  runtime?: string;
  /** `wasip1` when the image config should say os wasip1 instead of wasi. */
  os?: string;
}

export function wasmImageOptions(buildArgs: ReadonlyMap<string, string>): WasmImageOptions {
  const keep = (buildArgs.get('WASM_KEEP_DEBUG') ?? '').toLowerCase();
  const runtime = buildArgs.get('WASM_RUNTIME')?.toLowerCase() || undefined;
  if (runtime && !knownRuntimes.has(runtime)) {
    throw new Error(`unknown WASM_RUNTIME "${runtime}": use one of ${[...knownRuntimes].join(', ')}`);
  }
  const os = buildArgs.get('WASM_OS')?.toLowerCase() || undefined;
  if (os && os !== 'wasi' && os !== 'wasip1') throw new Error(`unknown WASM_OS "${os}": use wasi or wasip1`);
  return { keepDebug: keep === '1' || keep === 'true', runtime, os };
}

export async function finishWasmImage(r: PlatformResult, ctx: FinishContext): Promise<PlatformResult> {
  if (r.result.platform.architecture !== 'wasm') return r;
  const options = wasmImageOptions(ctx.opts.buildArgs);
  let at = entrypointRange(ctx.dockerfile, ctx.opts.target);
  const img = structuredClone(r.result.image);
  const layered = img.rootfs.diff_ids.length > 0;

  const modules = r.ref ? await findModules(ctx, r.ref) : [];
  let entry = img.config.Entrypoint?.[0];
  if (!entry) {
    if (modules.length === 1) {
      entry = modules[0];
      img.config.Entrypoint = [entry];
    } else if (modules.length === 0) {
      const unrun = await noModule(r, img, options, ctx, at);
      if (unrun) return unrun;
      entry = img.config.Cmd![0]!;
      at = instructionRange(ctx.dockerfile, ctx.opts.target, 'cmd') ?? at;
    } else {
      throw new LocatedError(`the wasi/wasm image has several modules (${modules.join(', ')}) and no ENTRYPOINT: set ENTRYPOINT ["/<module>.wasm"]`, at);
    }
  }
  const [path, exportName] = splitEntry(entry);
  if (!path.startsWith('/')) throw new LocatedError(`ENTRYPOINT "${entry}" must be an absolute path to a .wasm module`, at);
  let bytes: Uint8Array;
  try {
    bytes = await readWhole(ctx, r.ref, path.slice(1));
  } catch (err) {
    if (/no such file or directory|not found/i.test(String((err as Error)?.message ?? err))) {
      throw new LocatedError(`ENTRYPOINT "${path}" does not exist in the image${modules.length ? ` (modules: ${modules.join(', ')})` : ''}`, at);
    }
    throw err;
  }
  const info = checkModule(path, bytes, exportName, options, at);
  const warnings = importWarnings(path, info);
  for (const w of warnings) await ctx.daemon.warn?.(w, { range: at[0] }).catch(() => undefined);

  let stripped = options.keepDebug || info.kind === 'component' ? { bytes, removed: [] as { name: string; size: number }[] } : stripDebug(bytes);
  const inline = stripped.bytes.length <= INLINE_LIMIT;
  if (!inline && stripped.removed.length) {
    // The rewritten module travels inside the LLB request, which old daemons cap at 4 MiB.
    await ctx.daemon.warn?.(`"${path}" is ${kB(stripped.bytes.length)} without debug sections, too large to rewrite in the build request; its debug sections are kept`, { range: at[0] }).catch(() => undefined);
    stripped = { bytes, removed: [] };
  }
  const summary = describe(path, info, bytes.length, stripped.bytes.length, stripped.removed.length > 0);
  if (layered) {
    // Based on an image with layers (not FROM scratch): leave the filesystem as it is.
    await ctx.daemon.warn?.(`the wasi/wasm image is based on an image with layers; use FROM scratch for a module-only image`, { range: at[0] }).catch(() => undefined);
    applyLabels(img, path, info, stripped.bytes.length);
    if (options.os) img.os = options.os;
    return { result: { ...r.result, image: img, platform: { ...r.result.platform, os: img.os }, annotations: runtimeAnnotations(ctx) }, ref: r.ref };
  }
  // mkfile keeps the mode of a file it overwrites, so the copied module is removed first.
  let action = FileAction.copy(r.result.state, '/', '/', { dirCopyContents: true, createDestPath: true, allowWildcard: false });
  action = inline ? action.rm(path).mkfile(path, 0o644, stripped.bytes) : action.copy(r.result.state, path, path, { mode: 0o644 });
  const state = scratch().file(action, { customName: `[wasm] ${summary}`, locations: at });
  for (const h of img.history ?? []) h.empty_layer = true;
  (img.history ??= []).push({ created_by: `wasm-frontend: ${summary}`, comment: 'wasm-frontend' });
  applyLabels(img, path, info, stripped.bytes.length);
  if (options.os) img.os = options.os;
  const ref = await ctx.solve(state);
  return { result: { ...r.result, state, image: img, platform: { ...r.result.platform, os: img.os }, annotations: runtimeAnnotations(ctx) }, ref };
}

/**
 * crun picks its wasm handler from this manifest annotation (`compat-smart`: the ENTRYPOINT
 * ends in .wasm). Written only where the exporter takes annotations (BuildKit v0.11+).
 */
function runtimeAnnotations(ctx: FinishContext): Record<string, string> | undefined {
  return ctx.daemon.caps.llb.has('exporter.image.annotations') ? { 'module.wasm.image/variant': 'compat-smart' } : undefined;
}

function splitEntry(entry: string): [string, string | undefined] {
  const i = entry.lastIndexOf('#');
  return i > 0 ? [entry.slice(0, i), entry.slice(i + 1)] : [entry, undefined];
}

/** Validates what a wasm runtime will be asked to run; throws a located error otherwise. */
export function checkModule(path: string, bytes: Uint8Array, exportName: string | undefined, options: WasmImageOptions, at: SourceRange[]): WasmInfo {
  if (!isWasm(bytes)) {
    const what = bytes[0] === 0x7f && bytes[1] === 0x45 ? 'an ELF executable' : bytes[0] === 0x23 && bytes[1] === 0x21 ? 'a script' : 'not a WebAssembly module';
    throw new LocatedError(`ENTRYPOINT "${path}" is ${what}: a wasi/wasm image needs a .wasm module (starting with \\0asm)`, at);
  }
  let info: WasmInfo;
  try {
    info = inspectWasm(bytes);
  } catch (err) {
    throw new LocatedError(`ENTRYPOINT "${path}" is not a valid WebAssembly module: ${(err as Error).message}`, at);
  }
  if (info.kind === 'component') {
    if (options.runtime && coreOnlyRuntimes.has(options.runtime)) {
      throw new LocatedError(`"${path}" is a WebAssembly component (WASI preview 2); the ${options.runtime} runtime runs only core modules: build for wasm32-wasip1 or use wasmtime`, at);
    }
    return info;
  }
  const want = exportName ?? '_start';
  if (!info.exports.some((e) => e.name === want && e.kind === 'func')) {
    const kind = wasiKind(info);
    const hint = exportName ? '' : ' (a runtime calls _start; add #<function> to the ENTRYPOINT path to call another export)';
    throw new LocatedError(`"${path}" has no "${want}" function export: it is a ${kind} module, not a WASI command${hint}`, at);
  }
  return info;
}

function importWarnings(path: string, info: WasmInfo): string[] {
  const other = [...new Set(info.imports.map((i) => i.module).filter((m) => !m.startsWith('wasi')))];
  return other.length ? [`"${path}" imports from ${other.map((m) => `"${m}"`).join(', ')}: the runtime must provide them, WASI alone does not`] : [];
}

function kB(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function describe(path: string, info: WasmInfo, before: number, after: number, stripped: boolean): string {
  const kind = info.kind === 'component' ? 'component' : `${wasiKind(info)} module`;
  const wasi = wasiImports(info);
  const size = stripped ? `${kB(before)} -> ${kB(after)}, debug sections stripped` : kB(after);
  return `${path}: ${kind}, ${size}${wasi.length ? `, imports ${wasi.join(', ')}` : ''}`;
}

function applyLabels(img: ImageConfig, path: string, info: WasmInfo, size: number): void {
  img.config.Labels = {
    ...(img.config.Labels ?? {}),
    [LABEL_PREFIX]: path,
    [`${LABEL_PREFIX}.kind`]: info.kind === 'component' ? 'component' : wasiKind(info),
    [`${LABEL_PREFIX}.size`]: String(size),
  };
  const wasi = wasiImports(info);
  if (wasi.length) img.config.Labels[`${LABEL_PREFIX}.wasi`] = wasi.join(',');
}

/** ReadFile answers are capped (16 MiB in our client), so a module is read in chunks. */
const CHUNK = 4 * 1024 * 1024;

async function readWhole(ctx: FinishContext, ref: string, file: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let offset = 0; ; offset += CHUNK) {
    const part = await ctx.daemon.readFile(ref, file, { offset, length: CHUNK });
    parts.push(part);
    if (part.length < CHUNK) return parts.length === 1 ? part : Buffer.concat(parts);
  }
}

/** .wasm files in the image, searched a few levels deep (a module image is small). */
async function findModules(ctx: FinishContext, ref: string): Promise<string[]> {
  const out: string[] = [];
  let budget = 2000;
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await ctx.daemon.readDir(ref, dir || '/');
    for (const e of entries) {
      if (--budget < 0) return;
      const name = e.path ?? '';
      const full = `${dir}/${name}`;
      const isDir = ((e.mode ?? 0) >>> 31) === 1;
      if (isDir) {
        if (depth < 4 && !['proc', 'sys', 'dev'].includes(name)) await walk(full, depth + 1);
      } else if (name.endsWith('.wasm')) out.push(full);
    }
  };
  await walk('', 0);
  return out.sort();
}

/**
 * A wasi/wasm image with no ENTRYPOINT and no module. Without a CMD either it is a legitimate
 * base image (data files, on which another Dockerfile adds the module), as the standard frontend
 * builds it: returned as built, with a warning at the stage's FROM. With a CMD, undefined is
 * returned and the CMD is checked as the module.
 */
async function noModule(r: PlatformResult, img: ImageConfig, options: WasmImageOptions, ctx: FinishContext, at: SourceRange[]): Promise<PlatformResult | undefined> {
  if (img.config.Cmd?.[0]) return undefined;
  const msg = 'the wasi/wasm image has no ENTRYPOINT, no CMD and no .wasm module: built as a base image that cannot run; a Dockerfile based on it must add the module';
  await ctx.daemon.warn?.(msg, { range: at[0] }).catch(() => undefined);
  if (options.os) img.os = options.os;
  return { result: { ...r.result, image: img, platform: { ...r.result.platform, os: img.os } }, ref: r.ref };
}

/** The range of the target stage's last instruction of this kind, if it has one. */
function instructionRange(df: ParsedDockerfile, target: string | undefined, kind: string): SourceRange[] | undefined {
  const stage = target ? df.stages.find((s) => s.name === target.toLowerCase()) : df.stages[df.stages.length - 1];
  const c = stage && [...stage.commands].reverse().find((x) => x.kind === kind);
  return c ? [c.range] : undefined;
}

/** Where module errors point: the target stage's ENTRYPOINT, else its FROM. */
function entrypointRange(df: ParsedDockerfile, target: string | undefined): SourceRange[] {
  const stage = target ? df.stages.find((s) => s.name === target.toLowerCase()) : df.stages[df.stages.length - 1];
  if (!stage) return [];
  const ep = [...stage.commands].reverse().find((c) => c.kind === 'entrypoint');
  return [ep?.range ?? stage.from.range];
}
