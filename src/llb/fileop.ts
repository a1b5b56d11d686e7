/**
 * File ops, following client/llb/fileop.go. A FileAction is an immutable chain; State.file turns
 * one chain into one FileOp whose actions run in order, each on the result of the previous:
 *
 * - op inputs: the base State, then each copy source (and chown `from` State) in action order,
 *   one slot per distinct output;
 * - action i reads input `base` (i = 0) or `len(inputs) + i - 1`, the result of the previous
 *   action; -1 is scratch; a copy's secondaryInput is its source slot, -1 for scratch;
 * - the last action is output 0, the others -1;
 * - paths are cleaned and made absolute against "/"; a copy dest keeps a trailing "/" or "/.";
 * - mode -1 keeps the source mode, timestamp -1 leaves times unset; mkdir and mkfile modes keep
 *   only the permission bits, as Go does;
 * - Op.platform is never set: file ops are not platform specific.
 */
import type * as pb from '../pb/index.js';
import { clean, isAbs, join } from '../util/gopath.js';
import type { State } from './state.js';
import { InputSlots, Vertex, uniqueOutputs, type BuildContext, type Built, type Constraints, type Output } from './vertex.js';

/** A user or group: by name (resolved in `from`, default the State being changed) or by ID. */
export type UserSpec = { name: string; from?: State } | { id: number };

export interface ChownSpec {
  user?: UserSpec;
  group?: UserSpec;
}

export interface CopyOptions {
  owner?: ChownSpec;
  /** A number sets the mode; a string is sent as modeStr (read by BuildKit v0.17+, no cap declared). */
  mode?: number | string;
  followSymlink?: boolean;
  dirCopyContents?: boolean;
  attemptUnpack?: boolean;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  /** Milliseconds since the epoch. */
  timestamp?: number;
  includePatterns?: string[];
  excludePatterns?: string[];
  alwaysReplaceExistingDestPaths?: boolean;
}

export interface MkdirOptions {
  makeParents?: boolean;
  owner?: ChownSpec;
  timestamp?: number;
}

export interface MkfileOptions {
  owner?: ChownSpec;
  timestamp?: number;
}

export interface RmOptions {
  allowNotFound?: boolean;
  allowWildcard?: boolean;
}

export type SymlinkOptions = MkfileOptions;

export type FileStep =
  | { kind: 'mkdir'; path: string; mode: number; opts: MkdirOptions }
  | { kind: 'mkfile'; path: string; mode: number; data: Uint8Array; opts: MkfileOptions }
  | { kind: 'rm'; path: string; opts: RmOptions }
  | { kind: 'copy'; src: State; srcPath: string; dest: string; opts: CopyOptions }
  | { kind: 'symlink'; oldpath: string; newpath: string; opts: SymlinkOptions };

export class FileAction {
  readonly #prev: FileAction | undefined;
  readonly #step: FileStep;

  private constructor(prev: FileAction | undefined, step: FileStep) {
    this.#prev = prev;
    this.#step = step;
  }

  static mkdir(path: string, mode: number, opts: MkdirOptions = {}): FileAction {
    return new FileAction(undefined, { kind: 'mkdir', path, mode, opts: cloneOwnerOpts(opts) });
  }

  static mkfile(path: string, mode: number, data: Uint8Array | string, opts: MkfileOptions = {}): FileAction {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
    return new FileAction(undefined, { kind: 'mkfile', path, mode, data: bytes, opts: cloneOwnerOpts(opts) });
  }

  static rm(path: string, opts: RmOptions = {}): FileAction {
    return new FileAction(undefined, { kind: 'rm', path, opts: { ...opts } });
  }

  static copy(src: State, srcPath: string, dest: string, opts: CopyOptions = {}): FileAction {
    const o: CopyOptions = { ...cloneOwnerOpts(opts) };
    if (opts.includePatterns) o.includePatterns = [...opts.includePatterns];
    if (opts.excludePatterns) o.excludePatterns = [...opts.excludePatterns];
    return new FileAction(undefined, { kind: 'copy', src, srcPath, dest, opts: o });
  }

  static symlink(oldpath: string, newpath: string, opts: SymlinkOptions = {}): FileAction {
    return new FileAction(undefined, { kind: 'symlink', oldpath, newpath, opts: cloneOwnerOpts(opts) });
  }

  mkdir(path: string, mode: number, opts?: MkdirOptions): FileAction {
    return new FileAction(this, FileAction.mkdir(path, mode, opts).#step);
  }

  mkfile(path: string, mode: number, data: Uint8Array | string, opts?: MkfileOptions): FileAction {
    return new FileAction(this, FileAction.mkfile(path, mode, data, opts).#step);
  }

  rm(path: string, opts?: RmOptions): FileAction {
    return new FileAction(this, FileAction.rm(path, opts).#step);
  }

  copy(src: State, srcPath: string, dest: string, opts?: CopyOptions): FileAction {
    return new FileAction(this, FileAction.copy(src, srcPath, dest, opts).#step);
  }

  symlink(oldpath: string, newpath: string, opts?: SymlinkOptions): FileAction {
    return new FileAction(this, FileAction.symlink(oldpath, newpath, opts).#step);
  }

  /** The steps of the chain, first to last. */
  steps(): FileStep[] {
    const out: FileStep[] = [];
    for (let a: FileAction | undefined = this; a; a = a.#prev) out.push(a.#step);
    return out.reverse();
  }
}

function cloneOwnerOpts<T extends { owner?: ChownSpec }>(opts: T): T {
  const o = { ...opts };
  if (opts.owner) o.owner = { ...opts.owner };
  return o;
}

export class FileOp extends Vertex {
  readonly kind = 'file';
  readonly steps: readonly FileStep[];

  constructor(
    readonly base: State,
    action: FileAction,
    c: Constraints | undefined,
  ) {
    super(c);
    this.steps = action.steps();
  }

  /** Go's order: from the last action back, its base, copy source, then chown sources. */
  inputs(): Output[] {
    const outs: (Output | undefined)[] = [];
    for (const s of [...this.steps].reverse()) {
      outs.push(this.base.output());
      if (s.kind === 'copy') outs.push(s.src.output());
      if ('owner' in s.opts) outs.push(...ownerStates(s.opts.owner).map((st) => st.output()));
    }
    return uniqueOutputs(outs);
  }

  build(ctx: BuildContext): Built {
    const caps = new Set<string>(['file.base']);
    const slots = new InputSlots();
    const slotOf = (st: State): number => {
      const out = st.output();
      return out ? slots.add(ctx.input(out)) : -1;
    };
    const rows: { base: number; secondary: number; action: pb.FileAction }[] = [];
    for (const s of this.steps) {
      const base = slotOf(this.base);
      let secondary = -1;
      const action: pb.FileAction = {};
      switch (s.kind) {
        case 'mkdir':
          action.mkdir = {
            path: normalizePath(s.path, false),
            mode: s.mode & 0o777,
            makeParents: s.opts.makeParents ?? false,
            owner: chownOpt(s.opts.owner, base, slotOf),
            timestamp: nanos(s.opts.timestamp),
          };
          break;
        case 'mkfile':
          action.mkfile = {
            path: normalizePath(s.path, false),
            mode: s.mode & 0o777,
            data: s.data,
            owner: chownOpt(s.opts.owner, base, slotOf),
            timestamp: nanos(s.opts.timestamp),
          };
          break;
        case 'rm':
          action.rm = { path: normalizePath(s.path, false), allowNotFound: s.opts.allowNotFound ?? false, allowWildcard: s.opts.allowWildcard ?? false };
          break;
        case 'symlink':
          action.symlink = { oldpath: s.oldpath, newpath: s.newpath, owner: chownOpt(s.opts.owner, base, slotOf), timestamp: nanos(s.opts.timestamp) };
          caps.add('file.symlink.create');
          break;
        case 'copy':
          secondary = slotOf(s.src);
          action.copy = copyAction(s, chownOpt(s.opts.owner, base, slotOf), caps);
          break;
      }
      rows.push({ base, secondary, action });
    }
    const n = slots.list.length;
    const actions = rows.map((r, i) => ({
      ...r.action,
      input: i === 0 ? r.base : n + i - 1,
      secondaryInput: r.secondary,
      output: i === rows.length - 1 ? 0 : -1,
    }));
    const op: pb.Op = { inputs: slots.list, file: { actions }, constraints: {} };
    return { op, caps: [...caps] };
  }
}

function copyAction(s: Extract<FileStep, { kind: 'copy' }>, owner: pb.ChownOpt | undefined, caps: Set<string>): pb.FileActionCopy {
  const o = s.opts;
  const c: pb.FileActionCopy = {
    src: join('/', clean(s.srcPath)),
    dest: normalizePath(s.dest, true),
    owner,
    mode: -1,
    followSymlink: o.followSymlink ?? false,
    dirCopyContents: o.dirCopyContents ?? false,
    attemptUnpackDockerCompatibility: o.attemptUnpack ?? false,
    createDestPath: o.createDestPath ?? false,
    allowWildcard: o.allowWildcard ?? false,
    allowEmptyWildcard: o.allowEmptyWildcard ?? false,
    timestamp: nanos(o.timestamp),
    include_patterns: o.includePatterns ?? [],
    exclude_patterns: o.excludePatterns ?? [],
    alwaysReplaceExistingDestPaths: o.alwaysReplaceExistingDestPaths ?? false,
  };
  if (typeof o.mode === 'string' && o.mode !== '') {
    c.modeStr = o.mode;
    c.mode = 0; // Go leaves the numeric mode unset when a mode string is given
    // No cap is declared: BuildKit defines file.copy.modestring but never advertises it, so its
    // solver (WithValidateCaps) would refuse an op declaring it. The converter gates instead.
  } else if (typeof o.mode === 'number') {
    c.mode = o.mode;
  }
  if (o.includePatterns?.length || o.excludePatterns?.length) caps.add('file.copy.includeexcludepatterns');
  if (o.alwaysReplaceExistingDestPaths) caps.add('file.copy.alwaysreplaceexistingdestpaths');
  return c;
}

function ownerStates(owner: ChownSpec | undefined): State[] {
  const out: State[] = [];
  for (const u of [owner?.user, owner?.group]) if (u && 'name' in u && u.from) out.push(u.from);
  return out;
}

function chownOpt(spec: ChownSpec | undefined, base: number, slotOf: (s: State) => number): pb.ChownOpt | undefined {
  if (!spec) return undefined;
  const userOpt = (u: UserSpec | undefined): pb.UserOpt | undefined => {
    if (!u) return undefined;
    if ('id' in u) return { byID: u.id };
    if (u.name === '') return { byID: 0 };
    return { byName: { name: u.name, input: u.from ? slotOf(u.from) : base } };
  };
  return { user: userOpt(spec.user), group: userOpt(spec.group) };
}

/** ms since the epoch → ns as a decimal string (beyond 2^53), or -1 when unset. */
function nanos(ms: number | undefined): number {
  if (ms === undefined) return -1;
  const whole = Math.trunc(ms);
  const ns = BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
  // int64 fields accept decimal strings; the pb interfaces type them as number.
  return ns.toString() as unknown as number;
}

/** client/llb's normalizePath with the working directory "/". */
export function normalizePath(p: string, keepSlash: boolean): string {
  const orig = p;
  p = clean(p);
  if (!isAbs(p)) p = join('/', '/', p);
  if (keepSlash) {
    if (orig.endsWith('/') && !p.endsWith('/')) p += '/';
    else if (orig.endsWith('/.')) {
      if (p !== '/') p += '/';
      p += '.';
    }
  }
  return p;
}

export function newFileOp(base: State, action: FileAction, c: Constraints | undefined): Output {
  return { vertex: new FileOp(base, action, c), index: 0 };
}

