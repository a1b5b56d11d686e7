/**
 * Build checks of our own for wasm targets, read from the Dockerfile and the build options
 * alone (no image is pulled, nothing runs), so the build's warnings and the `frontend.lint`
 * subrequest report the same. Documented in the README, "Build checks", one anchor per rule.
 * (WasmPlatformSpelling and WasmTargetPlatformRun need the expanded FROM line and are checked
 * by the converter, src/convert/checks.ts.)
 */
import type { BuildOptions } from '../convert/options.js';
import { isWasm } from '../convert/platform.js';
import { lint, type Instruction, type ParsedDockerfile, type Stage, type Warning } from '../dockerfile/index.js';
import type { Platform } from '../llb/index.js';
import { toolchainOf, toolchains } from './toolchain.js';

/** Runtimes whose shims run only core modules (as src/wasm/image.ts refuses components for). */
const CORE_ONLY = new Set(['wasmedge', 'wamr', 'wasmer', 'crun']);

export interface WasmCheckContext {
  opts: BuildOptions;
  targets: Platform[];
}

/** WasmRustTargetUnknown, WasmNoModule and WasmComponentRuntime for a wasm target. */
export function wasmChecks(df: ParsedDockerfile, ctx: WasmCheckContext): Warning[] {
  if (!ctx.targets.some(isWasm)) return [];
  const out: Warning[] = [];
  const args = ctx.opts.buildArgs;
  const stages = df.stages;
  for (const stage of stages) {
    const version = rustVersionOf(stage, args);
    if (version) out.push(...rustTargets(stage, version));
  }
  const target = targetStage(df, ctx.opts.target);
  if (target && !mayHoldModule(target)) out.push(lint.wasmNoModule(target.from.range));
  const runtime = (args.get('WASM_RUNTIME') ?? '').toLowerCase();
  const wasi = (args.get('WASM_WASI') ?? '').toLowerCase();
  if (CORE_ONLY.has(runtime) && wasi === 'preview2') {
    const rust = stages.find((s) => safeToolchain(s.from.image) === 'rust');
    if (rust) out.push(lint.wasmComponentRuntime(runtime, rust.from.range, rust.from.comments));
  }
  return out;
}

function safeToolchain(image: string) {
  try {
    return toolchainOf(image);
  } catch {
    return undefined;
  }
}

function targetStage(df: ParsedDockerfile, target: string | undefined): Stage | undefined {
  if (!target) return df.stages[df.stages.length - 1];
  return df.stages.find((s) => s.name === target.toLowerCase());
}

/** [major, minor] of the Rust image a stage runs on, when its tag says (`rust:1.84`, `rust:1.82.0-slim`). */
function rustVersionOf(stage: Stage, args: ReadonlyMap<string, string>): [number, number] | undefined {
  const lang = safeToolchain(stage.from.image);
  const image = lang === 'rust' ? args.get(toolchains.rust.imageArg) || toolchains.rust.defaultImage : stage.from.image;
  const m = /(?:^|\/)rust:(\d+)\.(\d+)(?:[.-]|$)/.exec(image);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const atLeast = (v: [number, number], major: number, minor: number) => v[0] > major || (v[0] === major && v[1] >= minor);

/**
 * Rust's WASI target names: `wasm32-wasi` was removed in 1.84 (use `wasm32-wasip1`, added in
 * 1.78); `wasm32-wasip2` is available from 1.82.
 */
function rustTargets(stage: Stage, v: [number, number]): Warning[] {
  const out: Warning[] = [];
  for (const c of stage.commands) {
    const text = commandText(c);
    if (text === undefined) continue;
    for (const m of text.matchAll(/(?:--target[= ]+|CARGO_BUILD_TARGET=)["']?(wasm32-wasi(?:p[12])?)\b/g)) {
      const t = m[1]!;
      const hint =
        t === 'wasm32-wasi' && atLeast(v, 1, 84) ? 'wasm32-wasip1'
        : t === 'wasm32-wasip1' && !atLeast(v, 1, 78) ? 'wasm32-wasi'
        : t === 'wasm32-wasip2' && !atLeast(v, 1, 82) ? (atLeast(v, 1, 78) ? 'wasm32-wasip1' : 'wasm32-wasi')
        : undefined;
      if (hint) out.push(lint.wasmRustTargetUnknown(t, hint, c.range, c.comments));
    }
  }
  return out;
}

function commandText(c: Instruction): string | undefined {
  if (c.kind === 'run') return [...c.cmdLine, ...c.heredocs.map((h) => h.content)].join(' ');
  if (c.kind === 'env' || c.kind === 'arg') return c.kind === 'env' ? c.pairs.map((p) => `${p.key}=${p.value}`).join(' ') : c.args.map((a) => `${a.key}=${a.value ?? ''}`).join(' ');
  return undefined;
}

/**
 * Whether the target stage can end up holding a module: it is based on another stage or image
 * (which may have one), or one of its COPY/ADD instructions names a `.wasm` file, a directory or
 * a glob. A `FROM scratch` stage that copies only other named files has nothing to run.
 */
function mayHoldModule(target: Stage): boolean {
  if (target.from.image.toLowerCase() !== 'scratch') return true;
  for (const c of target.commands) {
    if (c.kind !== 'copy' && c.kind !== 'add') continue;
    if (c.sourceHeredocs.length && c.sources.length === 0) continue;
    const words = [...c.sources, c.dest];
    if (words.some((w) => /\.wasm$/i.test(w) || /[*?[$]/.test(w))) return true;
    if (c.sources.some((w) => !/\.[A-Za-z0-9]+$/.test(w.replace(/\/+$/, '')) || w.endsWith('/'))) return true;
  }
  return false;
}
