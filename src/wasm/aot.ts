import type { FinishContext, PlatformResult } from '../convert/index.js';
import { parseImageConfig, type ImageConfig } from '../convert/image.js';
import { FileAction, image, normalizeImageRef, scratch, formatPlatform, type Platform, type State } from '../llb/index.js';
import { LocatedError, type SourceRange } from '../util/located.js';

/**
 * AOT precompilation (`--build-arg WASM_AOT=<runtime>[,arch=<arch>]`), run after the module
 * image step. The shape follows the target platform:
 *
 * - `wasi/wasm`: the **portable** shape, WasmEdge only. The module is replaced by WasmEdge's
 *   universal wasm (`wasmedge compile --generic-binary`: native code in a custom section of a
 *   module that stays valid wasm), so the image is still a wasi/wasm module image.
 * - `linux/<arch>`: the **bundled** shape, for every runtime. The compiler image for
 *   `linux/<arch>` (it holds the runtime too) plus the compiled artifact, with an ENTRYPOINT that
 *   runs it: `wasmedge`, `wasmtime run --allow-precompiled`, `iwasm`. wasmtime's `.cwasm` and
 *   WAMR's `.aot` are not wasm modules, so these runtimes have only this shape.
 *
 * The compile is an exec step on the build platform in the runtime's compiler image (pinned
 * default, or the image the build argument names), with the module mounted read-only; BuildKit
 * caches it by the module's bytes. The step also writes the version its compiler reports, which
 * the frontend reads back for the labels.
 */
export type AotRuntime = 'wasmedge' | 'wasmtime' | 'wamr';

export interface AotOptions {
  runtime: AotRuntime;
  /** The architecture named by `arch=` (normalised: amd64, arm64, riscv64, s390x), if any. */
  arch?: string;
}

export interface AotRuntimeSpec {
  /** The build argument that replaces the compiler image. */
  imageArg: string;
  /**
   * Pinned public default (needs /bin/sh, the compiler and the runtime), or undefined where no
   * public image exists and the build argument is required.
   */
  defaultImage?: string;
  /** Artifact file extension; `.wasm` means the result is still a module. */
  ext: string;
  /** Runs core modules only (a component is refused). */
  coreOnly: boolean;
  /** Architectures the compiler can target, by OCI name; undefined: the machine it runs on only. */
  targets?: Record<string, string>;
  /** The shell command that compiles $IN to $OUT for target $TARGET and prints the version. */
  compile: string;
  version: string;
  /** ENTRYPOINT of the bundled image, before the artifact path. */
  run(env: string[]): string[];
}

export const AOT_LABEL = 'org.wasm-frontend.aot';

/**
 * Per runtime: WasmEdge 0.14 (`wasmedge compile`, host CPU only; docs: wasmedge.org "AOT
 * compiler"), wasmtime (`wasmtime compile --target`), WAMR (`wamrc --target`).
 */
export const aotRuntimes: Record<AotRuntime, AotRuntimeSpec> = {
  wasmedge: {
    imageArg: 'WASM_WASMEDGE_IMAGE',
    defaultImage: 'docker.io/wasmedge/slim:0.14.1',
    ext: '.wasm',
    coreOnly: true,
    compile: 'wasmedge compile --generic-binary "$IN" "$OUT"',
    version: 'wasmedge --version',
    run: (env) => ['wasmedge', '--dir', '/:/', ...env.flatMap((e) => ['--env', e])],
  },
  wasmtime: {
    imageArg: 'WASM_WASMTIME_IMAGE',
    defaultImage: 'ghcr.io/componentized/wasmtime:v36.0.10',
    ext: '.cwasm',
    coreOnly: false,
    targets: { amd64: 'x86_64-unknown-linux-gnu', arm64: 'aarch64-unknown-linux-gnu', riscv64: 'riscv64gc-unknown-linux-gnu', s390x: 's390x-unknown-linux-gnu' },
    compile: 'wasmtime compile --target "$TARGET" -o "$OUT" "$IN"',
    version: 'wasmtime --version',
    run: (env) => ['wasmtime', 'run', '--allow-precompiled', '--dir', '/::/', ...env.flatMap((e) => ['--env', e])],
  },
  wamr: {
    imageArg: 'WASM_WAMR_IMAGE',
    defaultImage: undefined,
    ext: '.aot',
    coreOnly: true,
    targets: { amd64: 'x86_64', arm64: 'aarch64v8', riscv64: 'riscv64' },
    compile: 'wamrc --target="$TARGET" -o "$OUT" "$IN"',
    version: 'wamrc --version',
    run: (env) => ['iwasm', '--dir=/', ...env.map((e) => `--env=${e}`)],
  },
};

const archAliases: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', riscv64: 'riscv64', s390x: 's390x' };

/**
 * Reads `WASM_AOT`: undefined when unset or empty (AOT is off by default). Throws a plain Error
 * (the caller locates it) for an unknown runtime, key or architecture.
 */
export function aotOptions(buildArgs: ReadonlyMap<string, string>): AotOptions | undefined {
  const raw = (buildArgs.get('WASM_AOT') ?? '').trim().toLowerCase();
  if (!raw || raw === '0' || raw === 'false' || raw === 'off') return undefined;
  const [name, ...rest] = raw.split(',').map((s) => s.trim());
  if (!(name in aotRuntimes)) {
    throw new Error(`unknown WASM_AOT runtime "${name}": use one of ${Object.keys(aotRuntimes).join(', ')}`);
  }
  const opts: AotOptions = { runtime: name as AotRuntime };
  for (const kv of rest) {
    const [k, v = ''] = kv.split('=', 2);
    if (k !== 'arch') throw new Error(`unknown WASM_AOT option "${kv}": the form is WASM_AOT=<runtime>[,arch=<arch>]`);
    const arch = archAliases[v];
    if (!arch) throw new Error(`unknown WASM_AOT architecture "${v}": use ${[...new Set(Object.values(archAliases))].join(', ')}`);
    opts.arch = arch;
  }
  return opts;
}

/**
 * What the module step hands over besides its result (the module image): facts about the module
 * as written there (debug sections stripped unless kept). No bytes: the compile step reads the
 * module from the module image itself.
 */
export interface ModuleStep {
  /** The module's absolute path in the image (the ENTRYPOINT without `#export`). */
  path: string;
  exportName?: string;
  /** A core module or a component (WASI preview 2). */
  component: boolean;
  /** `sha256:<hex>` of the module, for the label. */
  digest: string;
  /** Bytes. */
  size: number;
  /** The ENTRYPOINT line, where AOT errors point. */
  at: SourceRange[];
}


/**
 * The hook the module image step calls last: returns the module image unchanged when WASM_AOT
 * is off, else the portable or bundled AOT image (see the file comment). Errors are located at
 * the ENTRYPOINT line: unknown runtime, component on a core-only runtime, a shape the runtime
 * lacks, an architecture the compiler cannot target or that differs from the image platform, a
 * missing compiler image, a failing compiler.
 */
export async function precompileModule(done: PlatformResult, ctx: FinishContext, m: ModuleStep): Promise<PlatformResult> {
  const located = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new LocatedError((err as Error).message, m.at);
    }
  };
  const opts = located(() => aotOptions(ctx.opts.buildArgs));
  if (!opts) return done;
  const spec = aotRuntimes[opts.runtime];
  const target = done.result.platform;
  const bundled = target.architecture !== 'wasm';
  const fail = (msg: string): never => {
    throw new LocatedError(`WASM_AOT=${opts.runtime}: ${msg}`, m.at);
  };

  if (bundled && target.os !== 'linux') fail(`a bundled AOT image is built for linux/<arch>, not ${formatPlatform(target)}`);
  if (!bundled && spec.ext !== '.wasm') {
    fail(`${opts.runtime} compiles to a ${spec.ext} file, which is not a wasm module: no wasm shim runs it as a wasi/wasm ENTRYPOINT. Build a linux image that bundles ${opts.runtime} instead: --platform linux/${ctx.buildPlatform.architecture}`);
  }
  if (m.component && spec.coreOnly) fail(`"${m.path}" is a WebAssembly component (WASI preview 2); ${opts.runtime} compiles only core modules: build for wasm32-wasip1 or use wasmtime`);
  if (bundled && m.exportName) fail(`an ENTRYPOINT export ("#${m.exportName}") is not supported in a bundled AOT image: call _start`);

  // The AOT architecture: named, else the bundled image's, else the build platform's.
  const buildArch = ctx.buildPlatform.architecture;
  const arch = opts.arch ?? (bundled ? target.architecture : buildArch);
  if (bundled && arch !== target.architecture) fail(`the AOT architecture ${arch} does not match the image platform ${formatPlatform(target)}`);
  let triple = '';
  if (spec.targets) {
    triple = spec.targets[arch] ?? fail(`the compiler cannot target ${arch} (it targets ${Object.keys(spec.targets).join(', ')})`);
  } else if (arch !== buildArch) {
    fail(`the compiler targets only the machine it runs on, the build platform (${buildArch}), not ${arch}`);
  }
  const named = ctx.opts.buildArgs.get(spec.imageArg) || spec.defaultImage;
  if (!named) fail(`no public image has ${opts.runtime === 'wamr' ? 'wamrc and iwasm' : 'its compiler'}: set --build-arg ${spec.imageArg}=<image>`);
  let compilerImage = '';
  try {
    compilerImage = normalizeImageRef(named!);
  } catch (err) {
    fail(`${spec.imageArg}="${named}" is not an image reference: ${(err as Error).message}`);
  }

  // `--no-cache` (every stage) recompiles too, as BuildKit's Dockerfile frontend reruns its steps.
  const ignoreCache = ctx.opts.noCache?.size === 0;
  const compiled = compileState(compilerImage, spec, { ...ctx.buildPlatform, os: 'linux' }, done.result.state, m, triple, opts.runtime, ignoreCache);
  let out: string;
  try {
    out = await ctx.solve(compiled);
  } catch (err) {
    throw new LocatedError(`WASM_AOT=${opts.runtime}: the compiler failed: ${(err as Error).message}`, m.at, { cause: err });
  }
  const version = versionOf(Buffer.from(await ctx.daemon.readFile(out, VERSION_FILE)).toString('utf8'));
  const artifact = (await ctx.daemon.readDir(out, '/')).find((e) => e.path === ARTIFACT + spec.ext);
  const size = artifact?.size ?? 0;
  if (!size) fail(`the compiler wrote no ${spec.ext} file`);

  const labels: Record<string, string> = {
    [`${AOT_LABEL}.runtime`]: opts.runtime,
    [`${AOT_LABEL}.version`]: version,
    [`${AOT_LABEL}.arch`]: arch,
    [`${AOT_LABEL}.module-digest`]: m.digest,
    [`${AOT_LABEL}.shape`]: bundled ? 'bundled' : 'portable',
    [`${AOT_LABEL}.size`]: String(size),
  };
  const what = `${m.path}: ${kB(m.size)} module -> ${kB(size)} ${spec.ext === '.wasm' ? 'universal wasm' : spec.ext} (${version}, ${arch})`;
  return bundled
    ? bundle(done, ctx, { spec, compilerImage, target, compiled, m, labels, what })
    : portable(done, ctx, { compiled, m, labels, what });
}

const ARTIFACT = 'module';
const VERSION_FILE = 'version';

/** The compile step: compiler image on the build platform, module at /in (ro), result at /out. */
function compileState(ref: string, spec: AotRuntimeSpec, platform: Platform, moduleImage: State, m: ModuleStep, triple: string, runtime: string, ignoreCache: boolean): State {
  const script = [
    'set -e',
    `${spec.version} > /out/${VERSION_FILE}`,
    spec.compile,
    // A compiler that exits 0 without writing is an error too.
    'test -s "$OUT"',
  ].join('\n');
  const exec = image(ref, { platform }).run(
    {
      args: ['/bin/sh', '-c', script],
      env: [`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, `IN=/in${m.path}`, `OUT=/out/${ARTIFACT}${spec.ext}`, `TARGET=${triple}`],
      cwd: '/',
      platform,
      network: 'none',
      mounts: [
        { type: 'bind', dest: '/in', source: moduleImage, readonly: true },
        { type: 'bind', dest: '/out', source: scratch() },
      ],
    },
    { customName: `[wasm aot] ${runtime} compile ${m.path}${triple ? ` --target ${triple}` : ''}`, locations: m.at, ignoreCache: ignoreCache || undefined },
  );
  return exec.mount('/out');
}

/** wasi/wasm image: the module replaced by the universal wasm, the rest of the layer kept. */
function portable(done: PlatformResult, ctx: FinishContext, a: { compiled: State; m: ModuleStep; labels: Record<string, string>; what: string }): Promise<PlatformResult> {
  const action = FileAction.copy(done.result.state, '/', '/', { dirCopyContents: true, createDestPath: true, allowWildcard: false })
    .rm(a.m.path)
    .copy(a.compiled, `/${ARTIFACT}.wasm`, a.m.path, { mode: 0o644 });
  const state = scratch().file(action, { customName: `[wasm aot] ${a.what}`, locations: a.m.at });
  const img = structuredClone(done.result.image);
  img.config.Labels = { ...(img.config.Labels ?? {}), ...a.labels };
  (img.history ??= []).forEach((h) => (h.empty_layer = true));
  img.history.push({ created_by: `wasm-frontend: AOT ${a.what}`, comment: 'wasm-frontend' });
  return finishWith(done, ctx, state, img);
}

/**
 * linux/<arch> image: the compiler image for that platform (it carries the runtime), the module
 * image's files on top, the artifact beside the module's path, and an ENTRYPOINT running it.
 */
async function bundle(
  done: PlatformResult,
  ctx: FinishContext,
  a: { spec: AotRuntimeSpec; compilerImage: string; target: Platform; compiled: State; m: ModuleStep; labels: Record<string, string>; what: string },
): Promise<PlatformResult> {
  const resolved = await ctx.daemon.resolveImageConfig(a.compilerImage, { platform: a.target, logName: `[wasm aot] load metadata for ${a.compilerImage}` });
  const base = parseImageConfig(resolved.config);
  const artifactPath = a.m.path.replace(/\.wasm$/, '') + a.spec.ext;
  let action = FileAction.copy(done.result.state, '/', '/', { dirCopyContents: true, createDestPath: true, allowWildcard: false }).rm(a.m.path, { allowNotFound: true });
  action = action.copy(a.compiled, `/${ARTIFACT}${a.spec.ext}`, artifactPath, { mode: 0o644 });
  const runtimeFs = image(a.compilerImage, resolved.digest ? { platform: a.target, digest: resolved.digest } : { platform: a.target });
  const state = runtimeFs.file(action, { customName: `[wasm aot] ${a.what}`, locations: a.m.at });

  const own = done.result.image;
  const env = mergeEnv(base.config.Env ?? [], own.config.Env ?? []);
  const moduleEnv = (own.config.Env ?? []).filter((e) => !e.startsWith('PATH='));
  const img: ImageConfig = {
    ...base,
    architecture: a.target.architecture,
    os: 'linux',
    config: {
      ...base.config,
      Env: env,
      Entrypoint: [...a.spec.run(moduleEnv), artifactPath],
      Cmd: own.config.Cmd ?? null,
      WorkingDir: own.config.WorkingDir || base.config.WorkingDir || '/',
      Labels: { ...(base.config.Labels ?? {}), ...(own.config.Labels ?? {}), ...a.labels },
    },
    history: [...(base.history ?? []), { created_by: `wasm-frontend: AOT ${a.what}`, comment: 'wasm-frontend' }],
  };
  if (a.target.variant) img.variant = a.target.variant;
  else delete img.variant;
  return finishWith(done, ctx, state, img);
}

async function finishWith(done: PlatformResult, ctx: FinishContext, state: State, img: ImageConfig): Promise<PlatformResult> {
  const ref = await ctx.solve(state);
  const platform = { ...done.result.platform, os: img.os };
  // crun's wasm-handler annotation belongs to wasm images only.
  const annotations = img.os === 'linux' ? undefined : done.result.annotations;
  return { result: { ...done.result, state, image: img, platform, annotations }, ref };
}

/** Env entries by key, later lists winning (the Dockerfile's over the runtime image's). */
function mergeEnv(...lists: string[][]): string[] {
  const byKey = new Map<string, string>();
  for (const list of lists) for (const e of list) byKey.set(e.split('=', 1)[0], e);
  return [...byKey.values()];
}

/** The version in the compiler's first output line ("wasmedge version 0.14.1" -> 0.14.1). */
function versionOf(s: string): string {
  const line = s.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return /\d+\.\d+\.\d+[\w.+-]*/.exec(line)?.[0] ?? (line || 'unknown');
}

function kB(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}
