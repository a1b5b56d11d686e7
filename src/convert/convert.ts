import { lint, parseInstruction, suggest, type Instruction, type ParsedDockerfile, type Warning } from '../dockerfile/index.js';
import { checkBaseImagePlatform, checkDefaultBaseNames, checkFrom } from './checks.js';
import { normalizeImageRef, scratch, image as imageSource, type Platform, type State } from '../llb/index.js';
import { processWordWithMatches } from '../shell/index.js';
import { LocatedError, withLocation, type SourceRange } from '../util/located.js';
import { dispatch, type DispatchContext } from './dispatch.js';
import { EnvList } from './env.js';
import { DEFAULT_PATH, emptyImage, parseImageConfig, type ImageConfig } from './image.js';
import { isWasm, normalizePlatform, parsePlatform, platformID } from './platform.js';
import type { BuildOptions } from './options.js';
import { collectContextPaths } from './contextpaths.js';
import { resolveNamedBase, resolveNamedStage, type NamedContextResolver } from './namedcontext.js';
import { parseMount } from './runmount.js';
import { StageState, type Command } from './stage.js';


export interface ResolvedImage {
  digest: string;
  config: Uint8Array;
  ref: string;
}

/** Resolves an image reference for a platform; memoised by the caller across platforms. */
export type ImageResolver = (ref: string, platform: Platform, logName: string) => Promise<ResolvedImage>;

/** The build options that shape the conversion, plus what the builder resolved. */
export interface ConvertOptions
  extends Pick<
    BuildOptions,
    'target' | 'buildArgs' | 'labels' | 'multiPlatform' | 'imageResolveMode' | 'noCache' | 'extraHosts' | 'shmSize' | 'ulimits' | 'networkMode' | 'hostname' | 'cgroupParent'
  > {
  dockerfile: ParsedDockerfile;
  targetPlatform: Platform;
  /** True when no `platform` option was given: the target is the build platform. */
  implicitTarget: boolean;
  buildPlatform: Platform;
  llbCaps: ReadonlySet<string>;
  /** The main build context (local://context with the .dockerignore excludes). */
  context: State;
  resolveImage: ImageResolver;
  warn?: (message: string, range?: SourceRange) => void;
  /** Receives every build check found while converting, unfiltered (see dockerfile/lint.ts). */
  lint?: (w: Warning) => void;
  /** Resolve and dispatch every stage, not only those the target needs (the lint subrequest). */
  allStages?: boolean;
  /** The main context's .dockerignore patterns, for CopyIgnoredFile. */
  dockerignore?: readonly string[];
  /** Named contexts (`context:<name>`) that replace stages, images and COPY --from sources. */
  namedContexts?: NamedContextResolver;
  /** Filled with the main-context paths COPY, ADD and bind mounts read (see contextpaths.ts). */
  contextPaths?: Set<string>;
}

export interface ConvertResult {
  state: State;
  image: ImageConfig;
  platform: Platform;
  /** Stages moved to the build platform because the target is wasm. */
  placed: string[];
  /** The target stage's base image config as resolved (StageState.baseImage); unset for scratch. */
  baseImage?: Uint8Array;
  /** Manifest annotations for the exporter (BuildKit v0.11+); none from the converter itself. */
  annotations?: Record<string, string>;
}

const SCRATCH = 'scratch';

/** Stages replaced by a named context of their own name. */
const namedStages = new WeakSet<StageState>();

/**
 * Dockerfile → LLB for one target platform. Reads as BuildKit's toDispatchState: the steps
 * below run in order and each is a function of its own.
 */
export async function convert(opt: ConvertOptions): Promise<ConvertResult> {
  const { dockerfile } = opt;
  if (dockerfile.stages.length === 0) throw new Error('dockerfile contains no stages to build');
  const defaults = defaultArgs(opt);
  if (opt.lint) checkDefaultBaseNames(opt, defaultsOnly(opt, defaults));
  const globalArgs = buildMetaArgs(opt, defaults);
  const states = buildStageStates(opt, globalArgs);
  const target = resolveTarget(opt, states);
  const index = buildDependencies(states);
  const placed = placeExecStagesForWasm(opt, states);
  const reachable = await resolveStages(opt, index, target);
  await dispatchStages(opt, states, reachable, globalArgs, target);
  finalizeImage(opt, target);
  return { state: target.state, image: target.image, platform: opt.targetPlatform, placed, ...(target.baseImage ? { baseImage: target.baseImage } : {}) };
}

function defaultArgs(opt: ConvertOptions): EnvList {
  const bp = opt.buildPlatform;
  const tp = opt.targetPlatform;
  const pairs: [string, string][] = [
    ['BUILDPLATFORM', platformID(bp)],
    ['BUILDOS', bp.os],
    ['BUILDOSVERSION', bp.osVersion ?? ''],
    ['BUILDARCH', bp.architecture],
    ['BUILDVARIANT', bp.variant ?? ''],
    ['TARGETPLATFORM', platformID(tp)],
    ['TARGETOS', tp.os],
    ['TARGETOSVERSION', tp.osVersion ?? ''],
    ['TARGETARCH', tp.architecture],
    ['TARGETVARIANT', tp.variant ?? ''],
    ['TARGETSTAGE', opt.target || lastStageName(opt) || 'default'],
  ];
  let env = EnvList.empty();
  for (const [k, v] of pairs) env = env.set(k, opt.buildArgs.get(k) ?? v);
  return env;
}

function lastStageName(opt: ConvertOptions): string | undefined {
  return opt.dockerfile.stages[opt.dockerfile.stages.length - 1].name;
}

/** Global ARGs (before the first FROM), with build-arg overrides and expansion in order. */
function buildMetaArgs(opt: ConvertOptions, args: EnvList): EnvList {
  for (const cmd of opt.dockerfile.metaArgs) {
    for (const kv of cmd.args) {
      let value = opt.buildArgs.get(kv.key);
      if (value === undefined && kv.value !== undefined) {
        try {
          value = processWordWithMatches(kv.value, args.getter, { escapeToken: opt.dockerfile.directives.escape }).result;
        } catch (err) {
          throw withLocation(err, cmd.range);
        }
      }
      if (value !== undefined) args = args.set(kv.key, value);
    }
  }
  return args;
}

/** The global ARGs with their defaults alone, for InvalidDefaultArgInFrom; undefined if they do not expand. */
function defaultsOnly(opt: ConvertOptions, defaults: EnvList): EnvList | undefined {
  try {
    return buildMetaArgs({ ...opt, buildArgs: new Map() }, defaults);
  } catch {
    return undefined;
  }
}

function buildStageStates(opt: ConvertOptions, globalArgs: EnvList): StageState[] {
  const states: StageState[] = [];
  const byName = new Map<string, StageState>();
  const lex = { escapeToken: opt.dockerfile.directives.escape };
  const declared = opt.lint ? [...new Set([...opt.dockerfile.metaArgs.flatMap((a) => a.args.map((kv) => kv.key)), ...globalArgs.keys()])] : [];
  opt.dockerfile.stages.forEach((stage, i) => {
    const from = stage.from;
    if (opt.lint) checkFrom(opt, stage, globalArgs, declared);
    let baseName: string;
    try {
      baseName = processWordWithMatches(from.image, globalArgs.getter, lex).result;
    } catch (err) {
      throw withLocation(err, from.range);
    }
    if (baseName === '') throw new LocatedError(`base name (${from.image}) should not be blank`, [from.range]);
    const ds = new StageState(i, stage, baseName);
    if (from.platform) {
      let value: string;
      let unmatched: Set<string>;
      try {
        ({ result: value, unmatched } = processWordWithMatches(from.platform, globalArgs.getter, lex));
      } catch (err) {
        throw new LocatedError(`failed to process arguments for platform ${from.platform}: ${(err as Error).message}`, [from.range]);
      }
      if (value === '') {
        // BuildKit's wrapSuggestAny: the first unset name with a near declared one
        const keys = globalArgs.keys();
        const hint = [...unmatched].map((k) => suggest(k, keys)).find((h) => h !== undefined);
        throw new LocatedError(`empty platform value from expression ${from.platform}${hint ? ` (did you mean ${hint}?)` : ''}`, [from.range]);
      }
      try {
        const parsed = parsePlatform(value);
        ds.platform = parsed.platform;
        if (parsed.warning) opt.lint?.(lint.wasmPlatformSpelling(parsed.warning, from.range, from.comments));
      } catch (err) {
        throw new LocatedError(`failed to parse platform ${from.platform}: ${(err as Error).message}`, [from.range]);
      }
      ds.explicitPlatform = true;
    }
    const named = !!stage.name && !!opt.namedContexts?.has(stage.name, ds.platform ?? opt.targetPlatform);
    if (named) namedStages.add(ds);
    const base = named ? undefined : byName.get(baseName.toLowerCase());
    if (base) ds.base = base;
    if (stage.name) byName.set(stage.name.toLowerCase(), ds);
    let total = ds.baseName !== SCRATCH && !ds.base ? 1 : 0;
    for (const c of stage.commands) {
      if (c.kind === 'add' || c.kind === 'copy' || c.kind === 'run' || c.kind === 'workdir') total++;
    }
    ds.cmdTotal = total;
    if (opt.noCache) ds.ignoreCache = opt.noCache.size === 0 || (!!stage.name && opt.noCache.has(stage.name));
    states.push(ds);
  });
  return states;
}

function resolveTarget(opt: ConvertOptions, states: StageState[]): StageState {
  if (!opt.target) return states[states.length - 1];
  const t = states.find((s) => s.name?.toLowerCase() === opt.target!.toLowerCase());
  if (!t) {
    const names = states.map((s) => s.name).filter((n): n is string => !!n);
    const hint = suggest(opt.target, names);
    throw new Error(`target stage "${opt.target}" could not be found${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  return t;
}

/**
 * Stages by name, by index and images named by COPY --from, for lookups in constant time (a
 * Dockerfile with thousands of stages stays linear). Adding an image stage appends to `states`.
 */
class StageIndex {
  readonly #byName = new Map<string, StageState>();
  readonly #registered: StageState[] = [];
  readonly #images = new Map<string, StageState>();

  constructor(readonly states: StageState[]) {
    for (const s of states) {
      if (s.unregistered) {
        if (!this.#images.has(s.baseName)) this.#images.set(s.baseName, s);
        continue;
      }
      this.#registered.push(s);
      const key = s.name?.toLowerCase();
      if (key !== undefined && !this.#byName.has(key)) this.#byName.set(key, s);
    }
  }

  /** Finds a stage by name or index for COPY --from / --mount from; else an image stage. */
  lookup(name: string, range: SourceRange): StageState {
    const byName = this.#byName.get(name.toLowerCase());
    if (byName) return byName;
    if (/^\d+$/.test(name)) {
      const idx = Number(name);
      if (idx >= this.#registered.length) throw new LocatedError(`invalid stage index ${idx}`, [range]);
      return this.#registered[idx]!;
    }
    const existing = this.#images.get(name);
    if (existing) return existing;
    const ds = new StageState(this.states.length, { from: { kind: 'from', image: name, range, original: '' }, commands: [], range }, name);
    ds.unregistered = true;
    ds.stageName = '';
    this.states.push(ds);
    this.#images.set(name, ds);
    return ds;
  }
}

function toCommand(index: StageIndex, instruction: Instruction, isOnBuild: boolean): Command {
  const cmd: Command = { instruction, sources: [], isOnBuild };
  if (instruction.kind === 'copy' && instruction.from) {
    let probe;
    try {
      probe = processWordWithMatches(instruction.from, () => undefined);
    } catch (err) {
      // BuildKit returns this one unlocated; it concerns this line, so it is located here
      throw withLocation(err, instruction.range);
    }
    if (probe.result !== instruction.from) {
      throw new LocatedError('variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround', [instruction.range]);
    }
    cmd.sources = [index.lookup(instruction.from, instruction.range)];
  }
  if (instruction.kind === 'run') {
    cmd.sources = instruction.mounts.map((m) => {
      let parsed;
      try {
        parsed = parseMount(m);
      } catch (err) {
        throw withLocation(err, instruction.range);
      }
      return parsed.from ? index.lookup(parsed.from, instruction.range) : undefined;
    });
  }
  return cmd;
}

function buildDependencies(states: StageState[]): StageIndex {
  const index = new StageIndex(states);
  const own = states.filter((s) => !s.unregistered);
  for (const ds of own) {
    ds.commands = ds.stage.commands.map((c) => toCommand(index, c, false));
    for (const c of ds.commands) for (const s of c.sources) if (s) ds.deps.add(s);
  }
  checkCircular(states);
  if (own.length === 1) own[0]!.stageName = '';
  return index;
}

/** The stages a stage needs: its COPY --from / mount sources, then its base. */
function edges(s: StageState): StageState[] {
  return s.base ? [...s.deps, s.base] : [...s.deps];
}

/**
 * Depth-first search for a cycle through deps and bases, on an explicit stack (no recursion:
 * stage chains can be thousands long). Linear in stages plus edges.
 */
function checkCircular(states: StageState[]): void {
  const onPath = new Set<StageState>();
  const done = new Set<StageState>();
  for (const root of states) {
    if (done.has(root)) continue;
    const path: StageState[] = [root];
    const pending: StageState[][] = [edges(root)];
    onPath.add(root);
    while (path.length > 0) {
      const next = pending[pending.length - 1]!.shift();
      if (next === undefined) {
        const s = path.pop()!;
        pending.pop();
        onPath.delete(s);
        done.add(s);
        continue;
      }
      if (done.has(next)) continue;
      if (onPath.has(next)) {
        const cycle = [...path.slice(path.indexOf(next)), next].map((x) => x.stageName).join(' -> ');
        throw new LocatedError(`circular dependency detected on stage: ${cycle}`, [next.stage.range]);
      }
      onPath.add(next);
      path.push(next);
      pending.push(edges(next));
    }
  }
}

/** Every stage the target needs, itself included; iterative. */
function reachableFrom(target: StageState): Set<StageState> {
  const out = new Set<StageState>([target]);
  const todo = [target];
  while (todo.length > 0) {
    const s = todo.pop()!;
    for (const d of edges(s)) {
      if (out.has(d)) continue;
      out.add(d);
      todo.push(d);
    }
  }
  return out;
}

/**
 * With a wasm target, a stage that runs commands (or whose descendants do) cannot run on the
 * target platform: no image has a wasm variant with a shell. Such stages, unless the Dockerfile
 * names their platform, are placed on the build platform; TARGET* args keep the wasm target so
 * the toolchain cross-compiles.
 */
function placeExecStagesForWasm(opt: ConvertOptions, states: StageState[]): string[] {
  if (!isWasm(opt.targetPlatform)) return [];
  // A stage's base always comes earlier in the file, so one pass from the last stage to the
  // first carries "runs commands" from every stage to its base: linear, no recursion.
  const runs = new Set<StageState>();
  for (let i = states.length - 1; i >= 0; i--) {
    const s = states[i]!;
    if (runs.has(s) || s.stage.commands.some((c) => c.kind === 'run')) {
      runs.add(s);
      if (s.base) runs.add(s.base);
    }
  }
  const placed: string[] = [];
  for (const s of states) {
    if (s.base || s.explicitPlatform || s.unregistered || s.baseName === SCRATCH) continue;
    if (runs.has(s)) {
      s.platform = { ...opt.buildPlatform };
      s.placedOnBuildPlatform = true;
      placed.push(s.name ?? `stage-${s.index}`);
    }
  }
  return placed;
}

async function resolveStages(opt: ConvertOptions, index: StageIndex, target: StageState): Promise<Set<StageState>> {
  const states = index.states;
  for (;;) {
    const reachable = opt.allStages ? new Set(states) : reachableFrom(target);
    await Promise.all(
      // an image named only by COPY --from / --mount from is ready once resolved (Go marks it dispatched)
      states.filter((s) => reachable.has(s) && !s.base && !s.resolved).map((s) => resolveBase(opt, s).then(() => void (s.unregistered && (s.dispatched = true)))),
    );
    let newDeps = false;
    for (const s of states) {
      if (!reachable.has(s) || s.onBuildInit) continue;
      // a stage's image is copied from its base at dispatch; here only its ONBUILD triggers count,
      // and a derived stage's come from its base's commands (Go deletes the copied OnBuild)
      s.init('skip');
      const triggers = [...(s.image?.config.OnBuild ?? [])];
      if (s.base) {
        for (const c of s.base.stage.commands) if (c.kind === 'onbuild') triggers.push(c.expression);
      }
      s.onBuildInit = true;
      if (triggers.length === 0) continue;
      const cmds = triggers.map((t) => {
        let ins: Instruction;
        try {
          ins = { ...parseInstruction(t), range: s.stage.from.range };
        } catch (err) {
          throw withLocation(err, s.stage.from.range);
        }
        const cmd = toCommand(index, ins, true);
        for (const src of cmd.sources) {
          if (src) {
            s.deps.add(src);
            newDeps = true;
          }
        }
        return cmd;
      });
      s.commands = [...cmds, ...s.commands];
      s.cmdTotal += cmds.length;
      if (s.image) delete s.image.config.OnBuild;
    }
    if (!newDeps) return reachable;
  }
}

async function resolveBase(opt: ConvertOptions, s: StageState): Promise<void> {
  s.resolved = true;
  const requested = s.platform ?? opt.targetPlatform;
  if (namedStages.has(s)) return resolveNamedStage(opt.namedContexts!, s, requested, opt.imageResolveMode);
  if (s.baseName === SCRATCH) {
    s.state = scratch();
    s.image = emptyImage(requested);
    s.platform = requested;
    return;
  }
  const range = s.stage.from.range;
  let ref: string;
  try {
    ref = normalizeImageRef(s.baseName);
  } catch (err) {
    throw new LocatedError(`failed to parse stage name "${s.baseName}": ${(err as Error).message}`, [range]);
  }
  if (opt.namedContexts && (await resolveNamedBase(opt.namedContexts, s, ref, requested, opt.imageResolveMode))) return;
  const prefix = opt.multiPlatform ? `[${platformID(requested)} internal]` : '[internal]';
  let resolved: ResolvedImage;
  let platform = requested;
  try {
    resolved = await opt.resolveImage(ref, platform, `${prefix} load metadata for ${ref}`);
  } catch (err) {
    // Files copied from an image (COPY --from=<image>) need no wasm variant: with a wasm target,
    // an image without one is read for the build platform instead.
    if (!(s.unregistered && !s.platform && isWasm(platform) && noPlatformMatch(err))) {
      const hint = s.stage.from.hint ? ` (${s.stage.from.hint})` : '';
      throw new LocatedError(describeResolveError(s.baseName, err, platform, s.unregistered) + hint, [range], { cause: err });
    }
    platform = { ...opt.buildPlatform };
    try {
      resolved = await opt.resolveImage(ref, platform, `${prefix} load metadata for ${ref}`);
    } catch (err2) {
      throw new LocatedError(describeResolveError(s.baseName, err2, platform, true), [range], { cause: err2 });
    }
  }
  let img: ImageConfig;
  try {
    img = parseImageConfig(resolved.config);
  } catch {
    throw new LocatedError('failed to parse image config', [range]);
  }
  delete img.created;
  let pinned = resolved.ref && resolved.ref !== ref ? normalizeImageRef(resolved.ref) : ref;
  if (resolved.digest && !pinned.includes('@')) pinned = `${pinned}@${resolved.digest}`;
  let resolvedPlatform = platform;
  if (!s.platform && opt.implicitTarget) {
    const ip = img.os && img.architecture ? normalizePlatform({ os: img.os, architecture: img.architecture, variant: img.variant }) : undefined;
    if (ip && platformID(ip) !== platformID(platform)) resolvedPlatform = ip;
  }
  const isScratch = img.rootfs.diff_ids.length === 0 && (img.history ?? []).every((h) => h.empty_layer);
  s.image = img;
  if (!isScratch) s.baseImage = resolved.config;
  s.platform = resolvedPlatform;
  if (!isScratch) checkBaseImagePlatform(opt, s.baseName, resolvedPlatform, img, range);
  s.state = isScratch
    ? scratch()
    : imageSource(pinned, {
        platform: resolvedPlatform,
        resolveMode: opt.imageResolveMode,
        customName: s.prefixCommand(`FROM ${pinned}`, opt.multiPlatform),
        description: { 'com.docker.dockerfile.v1.command': s.stage.from.original },
        locations: [range],
      });
}

function noPlatformMatch(err: unknown): boolean {
  return /no match for platform/i.test(err instanceof Error ? err.message : String(err));
}

function describeResolveError(name: string, err: unknown, platform: Platform, copySource: boolean): string {
  const msg = err instanceof Error ? err.message.replace(/^\d+ [A-Z_]+: /, '') : String(err);
  if (noPlatformMatch(err) && isWasm(platform) && !copySource) {
    return `${name}: ${msg}: the image has no ${platformID(platform)} variant; add --platform=$BUILDPLATFORM to this FROM if the stage only builds the module`;
  }
  return `${name}: ${msg}`;
}

async function dispatchStages(opt: ConvertOptions, states: StageState[], reachable: Set<StageState>, globalArgs: EnvList, target: StageState): Promise<void> {
  const ctx: DispatchContext = { opt, globalArgs, states };
  // how many reachable stages are based on each stage: a base with one child (not the target)
  // hands its image config over instead of having it copied
  const children = new Map<StageState, number>();
  for (const s of states) if (s.base && reachable.has(s)) children.set(s.base, (children.get(s.base) ?? 0) + 1);
  for (const s of states) {
    if (!reachable.has(s) || s.dispatched) continue;
    s.init(s.base && s.base !== target && s.base.dispatched && children.get(s.base) === 1 ? 'take' : 'clone');
    s.dispatched = true;
    if (s.unregistered) continue;
    s.platform ??= opt.targetPlatform;
    if (!(s.image.config.Env ?? []).some((e) => e.startsWith('PATH=')) && s.platform.os !== 'windows') {
      s.image.config.Env = [...(s.image.config.Env ?? []), `PATH=${DEFAULT_PATH}`];
    }
    if (!s.base) {
      s.env = EnvList.fromArray(s.image.config.Env ?? []);
      if (s.image.config.WorkingDir) s.cwd = s.image.config.WorkingDir;
      if (s.image.config.User) s.user = s.image.config.User;
    }
    for (const cmd of s.commands) {
      if (opt.contextPaths) collectContextPaths(opt.contextPaths, s, cmd, opt.dockerfile.directives.escape);
      try {
        await dispatch(ctx, s, cmd);
      } catch (err) {
        throw withLocation(err, cmd.instruction.range);
      }
    }
  }
}

function finalizeImage(opt: ConvertOptions, target: StageState): void {
  const img = target.image;
  if (opt.labels.size > 0) {
    img.config.Labels = { ...(img.config.Labels ?? {}) };
    for (const [k, v] of opt.labels) img.config.Labels[k] = v;
  }
  if (!opt.implicitTarget) {
    const tp = opt.targetPlatform;
    const same = tp.os === img.os && tp.architecture === img.architecture;
    img.os = tp.os;
    img.architecture = tp.architecture;
    if (tp.variant || !same) {
      if (tp.variant) img.variant = tp.variant;
      else delete img.variant;
    }
    if (tp.osVersion || !same) {
      if (tp.osVersion) img['os.version'] = tp.osVersion;
      else delete img['os.version'];
    }
  }
}
