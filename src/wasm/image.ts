import type { FinishContext, PlatformResult } from '../convert/index.js';
import type { ImageConfig } from '../convert/image.js';
import type { ParsedDockerfile } from '../dockerfile/index.js';
import { FileAction, image, marshal, scratch, type State } from '../llb/index.js';
import { LocatedError, type SourceRange } from '../util/located.js';
import { coreOnlyRuntimes, kB, processModule, splitEntry, STEP_ARG, STEP_IN, STEP_OUT, type ModuleFacts, type StepRequest, type TreeReader } from './step.js';
import { aotOptions, precompileModule, type ModuleStep } from './aot.js';
import { runCommands, runHintState } from './runhints.js';

/**
 * The wasi/wasm image: after the target stage is built, its module is found, checked and
 * stripped (the module step, src/wasm/step.ts), optionally rewritten inside BuildKit
 * (WASM_OPT: binaryen's wasm-opt), and the filesystem becomes one layer with the module at mode
 * 0644. The image config gets the ENTRYPOINT (when the image has one module and none was set)
 * and labels naming the module.
 *
 * Where the module step runs:
 * - **exec** (the frontend runs from an image, the `source` option): an LLB exec on that same
 *   image runs the bundle in step mode over the target stage mounted read-only. Its output
 *   (`/module.wasm`, `/facts.json`) is a BuildKit result, cached on the stage's content; the
 *   frontend reads only facts.json, and the final layer copies the module from the step's output.
 * - **frontend** (no `source`, e.g. the test harness, or `--build-arg WASM_MODULE_STEP=frontend`):
 *   the same code reads the module over the gateway and the layer writes it inline.
 */
export const LABEL_PREFIX = 'org.wasm-frontend.module';

const knownRuntimes = new Set(['wasmtime', ...coreOnlyRuntimes]);

/** Modules larger than this are copied rather than written inline (old daemons take 4 MiB requests). */
const INLINE_LIMIT = 3 * 1024 * 1024;

/** The image WASM_OPT runs in unless WASM_OPT_IMAGE names another: it must have wasm-opt on PATH. */
export const DEFAULT_WASM_OPT_IMAGE = 'docker.io/local/wasm-toolchain:bookworm';

export interface WasmImageOptions {
  keepDebug: boolean;
  /** Keep the `name` and `producers` sections (WASM_KEEP_NAMES=1; implied by keepDebug). */
  keepNames: boolean;
  runtime?: string;
  /** `wasip1` when the image config should say os wasip1 instead of wasi. */
  os?: string;
  /** WASM_OPT: wasm-opt's arguments (e.g. ['-Oz']); undefined: no wasm-opt step. */
  wasmOpt?: string[];
  /** WASM_OPT_IMAGE: where wasm-opt runs. */
  wasmOptImage: string;
  /** WASM_MODULE_STEP: `exec` (default where the frontend image is known) or `frontend`. */
  step?: 'exec' | 'frontend';
}

const truthy = (v: string | undefined) => ['1', 'true', 'yes'].includes((v ?? '').toLowerCase());

/** Reads the wasm build arguments; throws Error naming the argument for a bad value. */
export function wasmImageOptions(buildArgs: ReadonlyMap<string, string>): WasmImageOptions {
  const runtime = buildArgs.get('WASM_RUNTIME')?.toLowerCase() || undefined;
  if (runtime && !knownRuntimes.has(runtime)) {
    throw new Error(`unknown WASM_RUNTIME "${runtime}": use one of ${[...knownRuntimes].join(', ')}`);
  }
  const os = buildArgs.get('WASM_OS')?.toLowerCase() || undefined;
  if (os && os !== 'wasi' && os !== 'wasip1') throw new Error(`unknown WASM_OS "${os}": use wasi or wasip1`);
  const step = buildArgs.get('WASM_MODULE_STEP')?.toLowerCase() || undefined;
  if (step && step !== 'exec' && step !== 'frontend') throw new Error(`unknown WASM_MODULE_STEP "${step}": use exec or frontend`);
  return {
    keepDebug: truthy(buildArgs.get('WASM_KEEP_DEBUG')),
    keepNames: truthy(buildArgs.get('WASM_KEEP_NAMES')),
    runtime,
    os,
    wasmOpt: wasmOptArgs(buildArgs.get('WASM_OPT')),
    wasmOptImage: buildArgs.get('WASM_OPT_IMAGE') || DEFAULT_WASM_OPT_IMAGE,
    step: step as WasmImageOptions['step'],
  };
}

/** WASM_OPT's words: flags only (input and output are the frontend's). */
function wasmOptArgs(value: string | undefined): string[] | undefined {
  const words = (value ?? '').split(/\s+/).filter(Boolean);
  if (!words.length) return undefined;
  for (const w of words) {
    if (!w.startsWith('-') || /^(-o|--output)(=|$)/.test(w)) throw new Error(`WASM_OPT "${value}": give wasm-opt flags only, such as -Oz (the input and output are set by the frontend)`);
  }
  return words;
}

/**
 * The module as it moves through the steps: bytes held by the frontend (frontend mode), or a
 * file in a BuildKit state (exec mode, and after any step that runs in BuildKit).
 */
export type ModuleFile = { bytes: Uint8Array } | { state: State; file: string };

/** The module step's answer plus where its result is. */
export interface CheckedModule {
  facts: ModuleFacts & { path: string; entry: string };
  module: ModuleFile;
}

export async function finishWasmImage(r: PlatformResult, ctx: FinishContext): Promise<PlatformResult> {
  // A linux target gets the module step only to bundle it with a runtime (WASM_AOT, aot.ts).
  if (r.result.platform.architecture !== 'wasm' && !wantsAot(ctx)) return r;
  let at = entrypointRange(ctx.dockerfile, ctx.opts.target);
  let options: WasmImageOptions;
  try {
    options = wasmImageOptions(ctx.opts.buildArgs);
  } catch (err) {
    throw new LocatedError((err as Error).message, at);
  }
  const img = structuredClone(r.result.image);
  const layered = img.rootfs.diff_ids.length > 0;
  const req: StepRequest = { entry: img.config.Entrypoint?.[0], cmd: img.config.Entrypoint?.[0] ? undefined : img.config.Cmd?.[0] || undefined, keepDebug: options.keepDebug, keepNames: options.keepNames, runtime: options.runtime };

  const step = await runModuleStep({ state: r.result.state, ref: r.ref }, ctx, req, options, at, instructionRange(ctx.dockerfile, ctx.opts.target, 'cmd'));
  if ('noModule' in step) {
    // A base image of data files, as the standard frontend builds it.
    const msg = 'the wasi/wasm image has no ENTRYPOINT, no CMD and no .wasm module: built as a base image that cannot run; a Dockerfile based on it must add the module';
    await ctx.daemon.warn?.(msg, { range: at[0] }).catch(() => undefined);
    if (options.os) img.os = options.os;
    return { result: { ...r.result, image: img, platform: { ...r.result.platform, os: img.os } }, ref: r.ref };
  }
  let checked = step;
  if (checked.facts.fromCmd) at = instructionRange(ctx.dockerfile, ctx.opts.target, 'cmd') ?? at;
  if (checked.facts.derivedEntry) img.config.Entrypoint = [checked.facts.entry];
  for (const w of checked.facts.warnings) await ctx.daemon.warn?.(w, { range: at[0] }).catch(() => undefined);
  if (options.wasmOpt && !layered) checked = await wasmOpt(checked, ctx, { ...req, cmd: undefined }, options, at);
  await showRunCommands(ctx, checked.facts, options);

  const { facts } = checked;
  const path = facts.path;
  if (layered) {
    // Based on an image with layers (not FROM scratch): leave the filesystem as it is.
    await ctx.daemon.warn?.(`the wasi/wasm image is based on an image with layers; use FROM scratch for a module-only image`, { range: at[0] }).catch(() => undefined);
    applyLabels(img, facts, facts.sizeBefore ?? 0);
    if (options.os) img.os = options.os;
    const done = { result: { ...r.result, image: img, platform: { ...r.result.platform, os: img.os }, annotations: runtimeAnnotations(ctx) }, ref: r.ref };
    return precompileModule(done, ctx, aotModule(facts, facts.digestBefore, facts.sizeBefore, at));
  }
  let module = checked.module;
  if ('bytes' in module && module.bytes.length > INLINE_LIMIT) {
    // The rewritten module would travel inside the LLB request, which old daemons cap at 4 MiB.
    if (facts.removed?.length) {
      await ctx.daemon.warn?.(`"${path}" is ${kB(module.bytes.length)} without debug sections, too large to rewrite in the build request; its debug sections are kept`, { range: at[0] }).catch(() => undefined);
      facts.removed = [];
      facts.size = facts.sizeBefore;
      facts.digest = facts.digestBefore;
      facts.summary = `${path}: ${facts.kind === 'component' ? 'component' : `${facts.kind} module`}, ${kB(facts.size ?? 0)}${facts.wasi?.length ? `, imports ${facts.wasi.join(', ')}` : ''}`;
    }
    module = { state: r.result.state, file: path };
  }
  const summary = facts.summary ?? path;
  // mkfile keeps the mode of a file it overwrites, so the copied module is removed first.
  let action = FileAction.copy(r.result.state, '/', '/', { dirCopyContents: true, createDestPath: true, allowWildcard: false }).rm(path, { allowNotFound: true });
  action = 'bytes' in module ? action.mkfile(path, 0o644, module.bytes) : action.copy(module.state, module.file, path, { mode: 0o644 });
  const state = scratch().file(action, { customName: `[wasm] ${summary}`, locations: at });
  for (const h of img.history ?? []) h.empty_layer = true;
  (img.history ??= []).push({ created_by: `wasm-frontend: ${summary}`, comment: 'wasm-frontend' });
  applyLabels(img, facts, facts.size ?? 0);
  if (options.os) img.os = options.os;
  const ref = await ctx.solve(state);
  const done = { result: { ...r.result, state, image: img, platform: { ...r.result.platform, os: img.os }, annotations: runtimeAnnotations(ctx) }, ref };
  return precompileModule(done, ctx, aotModule(facts, facts.digest, facts.size, at));
}

/** WASM_AOT is set; an invalid value counts, so that its error reaches the ENTRYPOINT line. */
function wantsAot(ctx: FinishContext): boolean {
  try {
    return aotOptions(ctx.opts.buildArgs) !== undefined;
  } catch {
    return true;
  }
}

/** What the AOT step needs of the module in the image: its path, export, kind, digest and size. */
function aotModule(facts: CheckedModule['facts'], digest: string | undefined, size: number | undefined, at: SourceRange[]): ModuleStep {
  const exportName = splitEntry(facts.entry)[1];
  return { path: facts.path, exportName, component: facts.kind === 'component', digest: digest ?? '', size: size ?? 0, at };
}

/** The image this frontend runs from, when the module step can run there. */
function stepImage(ctx: FinishContext, options: WasmImageOptions): string | undefined {
  if (options.step === 'frontend') return undefined;
  const source = ctx.opts.source;
  // The bundle path inside the image is the one this process runs from.
  if (!source || !process.argv[1]?.startsWith('/')) return undefined;
  return source;
}

/**
 * Runs the module step over the target stage: as an exec on the frontend image when there is
 * one, else in this process over the gateway. Throws the step's error at the ENTRYPOINT line.
 */
async function runModuleStep(r: { state: State; ref?: string }, ctx: FinishContext, req: StepRequest, options: WasmImageOptions, at: SourceRange[], cmdAt?: SourceRange[]): Promise<CheckedModule | { noModule: true }> {
  const from = stepImage(ctx, options);
  // An empty filesystem (ref "") has nothing to mount; the frontend form says so.
  if (from && r.ref !== '') {
    const out = moduleStepExec(from, r.state, req, ctx, `[wasm] check and strip ${req.entry ?? 'the module'}`, at);
    let facts: ModuleFacts | undefined;
    try {
      const ref = await ctx.solve(out);
      facts = JSON.parse(Buffer.from(await ctx.daemon.readFile(ref, 'facts.json')).toString('utf8')) as ModuleFacts;
    } catch (err) {
      // The engine could not run the step (no runtime for execs, an image it cannot start):
      // the frontend does it instead, as it would outside an image.
      const why = String((err as Error)?.message ?? err).split('\n')[0];
      await ctx.daemon.warn?.(`the module step could not run as a build step (${why}); the frontend runs it`, { range: at[0] }).catch(() => undefined);
    }
    if (facts) return located(facts, { state: out, file: '/module.wasm' }, at, cmdAt);
  }
  const tree = gatewayTree(ctx, r.ref ?? (await ctx.solve(r.state)));
  const { facts, bytes } = await processModule(req, tree);
  return located(facts, { bytes: bytes ?? new Uint8Array() }, at, cmdAt);
}

function located(facts: ModuleFacts, module: ModuleFile, at: SourceRange[], cmdAt: SourceRange[] | undefined): CheckedModule | { noModule: true } {
  if (facts.noModule) return { noModule: true };
  // With no ENTRYPOINT, the CMD is the module: its problems point at the CMD line.
  if (facts.fromCmd) at = cmdAt ?? at;
  if (facts.error || !facts.path || !facts.entry) throw new LocatedError(facts.error ?? 'the module step gave no result', at);
  return { facts: facts as CheckedModule['facts'], module };
}

/**
 * The exec form of the module step: `node <bundle> wasm-module-step <request>` on the frontend
 * image (build platform, no network), `input` read-only at /wasm-in; returns /wasm-out.
 */
function moduleStepExec(from: string, input: State, req: StepRequest, ctx: FinishContext, name: string, at: SourceRange[]): State {
  const root = image(from, { platform: ctx.buildPlatform });
  const run = root.run(
    {
      args: [process.execPath, process.argv[1], STEP_ARG, JSON.stringify(req)],
      env: [],
      cwd: '/',
      platform: ctx.buildPlatform,
      network: 'none',
      mounts: [
        { type: 'bind', dest: STEP_IN, source: input, readonly: true },
        { type: 'bind', dest: STEP_OUT, source: scratch() },
      ],
    },
    { customName: name, locations: at },
  );
  return run.mount(STEP_OUT);
}

/**
 * WASM_OPT: binaryen's wasm-opt over the checked module, an exec in WASM_OPT_IMAGE; then the
 * module step again over its output (sizes, the _start check, names wasm-opt may add).
 * A component is refused: wasm-opt reads core modules only.
 */
async function wasmOpt(checked: CheckedModule, ctx: FinishContext, req: StepRequest, options: WasmImageOptions, at: SourceRange[]): Promise<CheckedModule> {
  const { facts } = checked;
  if (facts.kind === 'component') {
    throw new LocatedError(`WASM_OPT: "${facts.path}" is a WebAssembly component; wasm-opt optimizes only core modules (leave WASM_OPT unset for components)`, at);
  }
  const input = 'bytes' in checked.module ? scratch().file(FileAction.mkfile('/module.wasm', 0o644, checked.module.bytes)) : checked.module.state;
  const file = 'bytes' in checked.module ? '/module.wasm' : checked.module.file;
  const args = options.wasmOpt!;
  const opt = image(options.wasmOptImage, { platform: ctx.buildPlatform }).run(
    {
      args: ['wasm-opt', ...args, `/wasm-opt-in${file}`, '-o', '/wasm-opt-out/module.wasm'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      platform: ctx.buildPlatform,
      network: 'none',
      mounts: [
        { type: 'bind', dest: '/wasm-opt-in', source: input, readonly: true },
        { type: 'bind', dest: '/wasm-opt-out', source: scratch() },
      ],
    },
    { customName: `[wasm] wasm-opt ${args.join(' ')} ${facts.path}`, locations: at },
  ).mount('/wasm-opt-out');
  const again: StepRequest = { ...req, entry: `/module.wasm${splitEntry(facts.entry)[1] !== undefined ? `#${splitEntry(facts.entry)[1]}` : ''}` };
  try {
    await ctx.solve(opt);
  } catch (err) {
    throw new LocatedError(`WASM_OPT: wasm-opt ${args.join(' ')} failed in ${options.wasmOptImage} (WASM_OPT_IMAGE must have wasm-opt on PATH): ${String((err as Error)?.message ?? err).split('\n')[0]}`, at);
  }
  const after = await runModuleStep({ state: opt }, ctx, again, options, at);
  if ('noModule' in after) throw new LocatedError(`WASM_OPT: wasm-opt wrote no module for "${facts.path}"`, at);
  const f = after.facts;
  const summary = `${facts.path}: ${f.kind} module, ${kB(facts.sizeBefore ?? 0)} -> ${kB(f.size ?? 0)}, wasm-opt ${args.join(' ')}${f.wasi?.length ? `, imports ${f.wasi.join(', ')}` : ''}`;
  return { facts: { ...facts, size: f.size, digest: f.digest, summary, removed: [...(facts.removed ?? []), ...(f.removed ?? [])] }, module: after.module };
}

/** The target stage's files over the gateway (frontend mode). */
function gatewayTree(ctx: FinishContext, ref: string): TreeReader {
  return {
    readDir: async (dir) => {
      if (!ref) return [];
      const entries = await ctx.daemon.readDir(ref, dir || '/');
      return entries.map((e) => ({ name: e.path ?? '', isDir: ((e.mode ?? 0) >>> 31) === 1 }));
    },
    readFile: (file) => (ref ? readWhole(ctx, ref, file) : Promise.reject(new Error(`${file}: no such file or directory`))),
  };
}

/** Shows how to start the image as named progress steps ("[wasm] run: ..."; src/wasm/runhints.ts). */
async function showRunCommands(ctx: FinishContext, facts: Pick<ModuleFacts, 'kind'>, options: WasmImageOptions): Promise<void> {
  const hints = runHintState(runCommands(facts, options.runtime));
  if (hints) await ctx.daemon.solve({ definition: marshal(hints, { caps: ctx.daemon.caps.llb }), evaluate: true });
}

/**
 * crun picks its wasm handler from this manifest annotation (`compat-smart`: the ENTRYPOINT
 * ends in .wasm). Written only where the exporter takes annotations (BuildKit v0.11+).
 */
function runtimeAnnotations(ctx: FinishContext): Record<string, string> | undefined {
  return ctx.daemon.caps.llb.has('exporter.image.annotations') ? { 'module.wasm.image/variant': 'compat-smart' } : undefined;
}

function applyLabels(img: ImageConfig, facts: ModuleFacts & { path: string }, size: number): void {
  img.config.Labels = {
    ...(img.config.Labels ?? {}),
    [LABEL_PREFIX]: facts.path,
    [`${LABEL_PREFIX}.kind`]: facts.kind ?? 'command',
    [`${LABEL_PREFIX}.size`]: String(size),
  };
  if (facts.wasi?.length) img.config.Labels[`${LABEL_PREFIX}.wasi`] = facts.wasi.join(',');
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
