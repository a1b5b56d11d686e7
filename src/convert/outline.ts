/**
 * What `buildx build --call outline|targets` shows: the build arguments, secrets and SSH
 * sockets a target uses, and the list of stages, with BuildKit's JSON shapes
 * (frontend/subrequests/outline and targets) and its selection rules (dockerfile2llb outline.go).
 *
 * Invariants:
 * - no I/O: stages are walked from the text, base images are not resolved; so an ARG default that
 *   reads an ENV of a base image expands as if that ENV were unset (BuildKit resolves the image);
 * - an argument is listed once, with the definition the nearest stage sees: the target first,
 *   then its base, then the stages it copies or mounts from;
 * - a global ARG is listed only when a FROM line used it (or an ARG that such one used), an ARG
 *   inside a stage whenever the stage is reachable from the target;
 * - lists are ordered by line, as BuildKit sorts them; one instruction's arguments keep their order.
 */
import { DirectiveParser } from '../dockerfile/directives.js';
import { suggest, type Instruction, type ParsedDockerfile, type Stage } from '../dockerfile/index.js';
import type { Platform } from '../llb/index.js';
import { processWord, processWordWithMatches, trimSpace } from '../shell/index.js';
import { withLocation, type SourceRange } from '../util/located.js';
import { EnvList } from './env.js';
import { platformID } from './platform.js';
import { parseMount } from './runmount.js';

/** pb.Location as Go's encoding/json writes it: zero fields omitted. */
export interface Location {
  sourceIndex?: number;
  ranges: { start: { line: number }; end: { line: number } }[];
}

export interface OutlineArg {
  name: string;
  description?: string;
  value?: string;
  location?: Location;
}

export interface OutlineSecret {
  name: string;
  required?: boolean;
  location?: Location;
}

export interface Outline {
  name?: string;
  description?: string;
  args?: OutlineArg[];
  secrets?: OutlineSecret[];
  ssh?: OutlineSecret[];
  cache?: { ID: string; location?: Location }[];
  sources?: Uint8Array[];
}

export interface Target {
  name?: string;
  default?: boolean;
  description?: string;
  base?: string;
  platform?: string;
  location?: Location;
}

export interface TargetList {
  targets: Target[];
  sources: Uint8Array[];
}

export interface OutlineOptions {
  dockerfile: ParsedDockerfile;
  /** The Dockerfile as read, for doc comments and `sources`. */
  source: Uint8Array;
  target?: string;
  buildArgs: ReadonlyMap<string, string>;
  /** The outline is taken for the build platform, as BuildKit's (no target platform is set). */
  buildPlatform: Platform;
  /** True when a named context (`context:<name>`) replaces the stage of that name. */
  isNamedContext?: (stageName: string) => boolean;
}

/** BuildKit's toRanges: one range per line, characters left out. */
export function toLocation(r: SourceRange): Location {
  const ranges: Location['ranges'] = [];
  for (let line = r.start.line; line <= Math.max(r.start.line, r.end.line); line++) ranges.push({ start: { line }, end: { line } });
  return { ranges };
}

/** `frontend.targets`: every stage, the last one the default, as BuildKit's ListTargets. */
export function listTargets(dockerfile: ParsedDockerfile, source: Uint8Array): TargetList {
  const comments = docComments(dockerfile, source);
  const targets = dockerfile.stages.map((s, i): Target => ({
    name: s.name || undefined,
    default: i === dockerfile.stages.length - 1 || undefined,
    description: docComment(comments, s.from.range, s.name) || undefined,
    base: s.from.image || undefined,
    platform: s.from.platform || undefined,
    location: toLocation(s.from.range),
  }));
  return { targets, sources: [source] };
}

interface ArgInfo {
  name: string;
  value?: string;
  description: string;
  range: SourceRange;
  /** Declaration order, to keep one instruction's arguments in order. */
  order: number;
  /** Global args its default read. */
  deps: Set<string>;
}

interface Mounted {
  required: boolean;
  range: SourceRange;
}

interface StageOutline {
  stage: Stage;
  base?: StageOutline;
  /** Replaced by a named context: its instructions never run. */
  named: boolean;
  deps: Set<StageOutline>;
  args: Map<string, ArgInfo>;
  used: Set<string>;
  secrets: Map<string, Mounted>;
  ssh: Map<string, Mounted>;
  env: EnvList;
}

/** `frontend.outline` for the target stage. */
export function outline(opt: OutlineOptions): Outline {
  const { dockerfile } = opt;
  const comments = docComments(dockerfile, opt.source);
  const lex = { escapeToken: dockerfile.directives.escape };
  let order = 0;

  const { globals, globalArgs } = metaArgs(opt, comments, () => order++);
  const states: StageOutline[] = [];
  const byName = new Map<string, StageOutline>();
  for (const stage of dockerfile.stages) {
    const used = new Set<string>();
    let baseName: string;
    try {
      const m = processWordWithMatches(stage.from.image, globals.getter, lex);
      baseName = m.result;
      m.matched.forEach((k) => used.add(k));
      if (stage.from.platform) processWordWithMatches(stage.from.platform, globals.getter, lex).matched.forEach((k) => used.add(k));
    } catch (err) {
      throw withLocation(err, stage.from.range);
    }
    const named = !!stage.name && !!opt.isNamedContext?.(stage.name);
    const base = named ? undefined : byName.get(baseName.toLowerCase());
    // a stage starts from what its base knew when it was created, before any dispatch (addState)
    const ds: StageOutline = {
      stage,
      base,
      named,
      deps: new Set(),
      args: new Map(base ? base.args : globalArgs),
      used: new Set(base ? base.used : []),
      secrets: new Map(),
      ssh: new Map(),
      env: EnvList.empty(),
    };
    if (stage.name) byName.set(stage.name.toLowerCase(), ds);
    states.push(ds);
    if (!named) used.forEach((k) => ds.used.add(k));
  }
  for (const ds of states) {
    if (ds.named) continue;
    if (ds.base) ds.env = ds.base.env;
    for (const c of ds.stage.commands) {
      try {
        dispatchForOutline(ds, c, { opt, globals, comments, lex, order: () => order++, lookup: (n) => lookupStage(states, byName, n) });
      } catch (err) {
        throw withLocation(err, c.range);
      }
    }
  }

  const target = findTarget(opt, states);
  const args = collect(target, (s) => stageArgs(s));
  const byLine = <T extends { range: SourceRange; order: number }>(a: T, b: T) => a.range.start.line - b.range.start.line || a.order - b.order;
  args.sort(byLine);
  const secrets = collect(target, (s) => [...s.secrets].map(([name, m], i) => ({ name, ...m, order: i })));
  const ssh = collect(target, (s) => [...s.ssh].map(([name, m], i) => ({ name, ...m, order: i })));
  secrets.sort(byLine);
  ssh.sort(byLine);

  const mounted = (list: { name: string; required: boolean; range: SourceRange }[]) =>
    list.length ? list.map((m) => ({ name: m.name, required: m.required || undefined, location: toLocation(m.range) })) : undefined;
  return {
    name: target.stage.name || undefined,
    description: docComment(comments, target.stage.from.range, target.stage.name) || undefined,
    args: args.length
      ? args.map((a) => ({ name: a.name, description: a.description || undefined, value: a.value || undefined, location: toLocation(a.range) }))
      : undefined,
    secrets: mounted(secrets),
    ssh: mounted(ssh),
    cache: undefined,
    sources: [opt.source],
  };
}

/** Global ARGs with build-arg overrides; each remembers the globals its default read. */
function metaArgs(opt: OutlineOptions, comments: Map<number, string[]>, next: () => number) {
  const lex = { escapeToken: opt.dockerfile.directives.escape };
  let globals = automaticArgs(opt);
  const globalArgs = new Map<string, ArgInfo>();
  for (const cmd of opt.dockerfile.metaArgs) {
    for (const kv of cmd.args) {
      const info: ArgInfo = { name: kv.key, description: docComment(comments, cmd.range, kv.key), range: cmd.range, order: next(), deps: new Set() };
      const given = opt.buildArgs.get(kv.key);
      if (given !== undefined) info.value = given;
      else if (kv.value !== undefined) {
        let m;
        try {
          m = processWordWithMatches(kv.value, globals.getter, lex);
        } catch (err) {
          throw withLocation(err, cmd.range);
        }
        info.value = m.result;
        info.deps = new Set(m.matched);
        if (m.matched.has(kv.key)) {
          info.deps.delete(kv.key);
          globalArgs.get(kv.key)?.deps.forEach((d) => info.deps.add(d));
        }
      }
      if (info.value !== undefined) globals = globals.set(kv.key, info.value);
      globalArgs.set(kv.key, info);
    }
  }
  return { globals, globalArgs };
}

/** The predefined platform args, for the build platform; build args override them. */
function automaticArgs(opt: OutlineOptions): EnvList {
  const p = opt.buildPlatform;
  const last = opt.dockerfile.stages[opt.dockerfile.stages.length - 1]?.name;
  const pairs: [string, string][] = [];
  for (const prefix of ['BUILD', 'TARGET']) {
    pairs.push(
      [`${prefix}PLATFORM`, platformID(p)],
      [`${prefix}OS`, p.os],
      [`${prefix}OSVERSION`, p.osVersion ?? ''],
      [`${prefix}ARCH`, p.architecture],
      [`${prefix}VARIANT`, p.variant ?? ''],
    );
  }
  pairs.push(['TARGETSTAGE', opt.target || last || 'default']);
  let env = EnvList.empty();
  for (const [k, v] of pairs) env = env.set(k, opt.buildArgs.get(k) ?? v);
  return env;
}

interface DispatchEnv {
  opt: OutlineOptions;
  globals: EnvList;
  comments: Map<number, string[]>;
  lex: { escapeToken: '\\' | '`' };
  order: () => number;
  lookup: (name: string) => StageOutline | undefined;
}

/** Build args that never become environment variables of RUN steps. */
const nonEnvArgs = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE']);

/** The part of dispatch an outline needs: ARG values, ENV for expansion, RUN mounts, stage deps. */
function dispatchForOutline(ds: StageOutline, c: Instruction, d: DispatchEnv): void {
  const expand = (w: string) => processWord(w, ds.env.getter, d.lex);
  switch (c.kind) {
    case 'arg':
      for (const kv of c.args) {
        const given = d.opt.buildArgs.get(kv.key);
        let value: string | undefined;
        let inherited = false;
        if (given !== undefined) value = given;
        else if (kv.value !== undefined) value = expand(kv.value);
        else if (d.globals.has(kv.key)) {
          value = d.globals.get(kv.key);
          inherited = true;
        }
        if (value !== undefined && !nonEnvArgs.has(kv.key)) ds.env = ds.env.set(kv.key, value);
        if (!inherited) {
          ds.args.set(kv.key, { name: kv.key, value, description: docComment(d.comments, c.range, kv.key), range: c.range, order: d.order(), deps: new Set() });
        }
        ds.used.add(kv.key);
      }
      return;
    case 'env':
      for (const kv of c.pairs) ds.env = ds.env.set(expand(kv.key), expand(kv.value));
      return;
    case 'copy':
      if (c.from) addDep(ds, d.lookup(c.from));
      return;
    case 'run':
      for (const value of c.mounts) {
        const from = parseMount(value).from;
        if (from) addDep(ds, d.lookup(from));
        const m = parseMount(value, expand);
        if (m.type === 'secret') {
          const id = m.source || m.id || (m.target ? m.target.split('/').pop()! : '');
          if (id && !ds.secrets.has(id)) ds.secrets.set(id, { required: m.required, range: c.range });
        } else if (m.type === 'ssh') {
          const id = m.id || 'default';
          if (!ds.ssh.has(id)) ds.ssh.set(id, { required: m.required, range: c.range });
        }
      }
      return;
    default:
      return;
  }
}

function addDep(ds: StageOutline, dep: StageOutline | undefined): void {
  if (dep && dep !== ds) ds.deps.add(dep);
}

/** A stage named by COPY --from / --mount from: by name, else by index; images have no outline. */
function lookupStage(states: StageOutline[], byName: Map<string, StageOutline>, name: string): StageOutline | undefined {
  const s = byName.get(name.toLowerCase());
  if (s) return s;
  return /^\d+$/.test(name) ? states[Number(name)] : undefined;
}

function findTarget(opt: OutlineOptions, states: StageOutline[]): StageOutline {
  if (!opt.target) return states[states.length - 1]!;
  const t = states.find((s) => s.stage.name === opt.target!.toLowerCase());
  if (t) return t;
  const names = states.map((s) => s.stage.name).filter((n): n is string => !!n);
  const hint = suggest(opt.target, names);
  throw new Error(`target stage "${opt.target}" could not be found${hint ? ` (did you mean ${hint}?)` : ''}`);
}

/** Walks target, base, then deps, listing each name once: BuildKit's visiting order. */
function collect<T extends { name: string }>(target: StageOutline, own: (s: StageOutline) => T[]): T[] {
  const visited = new Set<string>();
  const seen = new Set<StageOutline>();
  const out: T[] = [];
  const walk = (s: StageOutline) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const item of own(s)) {
      if (visited.has(item.name)) continue;
      visited.add(item.name);
      out.push(item);
    }
    if (s.base) walk(s.base);
    for (const d of s.deps) walk(d);
  };
  walk(target);
  return out;
}

/** The args a stage uses: its used names, plus the globals their defaults read. */
function stageArgs(s: StageOutline): ArgInfo[] {
  const used = new Set<string>();
  const mark = (k: string) => {
    if (used.has(k)) return;
    used.add(k);
    s.args.get(k)?.deps.forEach(mark);
  };
  s.used.forEach(mark);
  return [...used].map((k) => s.args.get(k)).filter((a): a is ArgInfo => !!a);
}

/**
 * The comment lines directly above each instruction, keyed by its first line, as BuildKit's
 * parser gathers them: `#` lines accumulate, an empty `#` line starts over, blank lines are
 * skipped, parser directives are left out.
 */
export function docComments(dockerfile: ParsedDockerfile, source: Uint8Array): Map<number, string[]> {
  const spans = new Map<number, number>();
  const add = (r: SourceRange) => spans.set(r.start.line, r.end.line);
  dockerfile.metaArgs.forEach((a) => add(a.range));
  for (const s of dockerfile.stages) {
    add(s.from.range);
    s.commands.forEach((c) => add(c.range));
  }
  const lines = Buffer.from(source).toString('utf8').replace(/^\ufeff/, '').split('\n');
  const directives = new DirectiveParser();
  const out = new Map<number, string[]>();
  let comments: string[] = [];
  for (let n = 1; n <= lines.length; ) {
    const end = spans.get(n);
    if (end !== undefined) {
      out.set(n, comments);
      comments = [];
      directives.parseLine('FROM'); // an instruction ends the directives
      n = Math.max(end, n) + 1;
      continue;
    }
    const raw = lines[n - 1]!.replace(/\r$/, '');
    const line = raw.replace(/^[\t\n\v\f\r ]+/, '');
    let directive = false;
    try {
      directive = directives.parseLine(line) !== undefined;
    } catch {
      // a repeated directive is the parser's error to report
    }
    if (line.startsWith('#') && !directive) {
      // Go slices the untrimmed line: an indented comment keeps its '#'
      const text = trimSpace(raw.slice(1));
      if (text === '') comments = [];
      else comments.push(text);
    }
    n++;
  }
  return out;
}

/** BuildKit's getDocComment: the first comment line that starts with the name and a space. */
export function docComment(comments: Map<number, string[]>, range: SourceRange, name: string | undefined): string {
  if (!name) return '';
  for (const line of comments.get(range.start.line) ?? []) {
    if (line.startsWith(`${name} `)) return line.slice(name.length + 1);
  }
  return '';
}
