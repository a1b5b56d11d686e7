/**
 * Exec ops, following client/llb/exec.go:
 *
 * - the filesystem mounts (root, bind, cache, tmpfs) are sorted by dest, so "/" comes first;
 *   secret mounts follow in the given order, then ssh mounts;
 * - outputs go to the writable mounts in that order: the root is output 0, then each read-write
 *   bind mount that keeps its output; readonly, no-output, cache and tmpfs mounts get -1, and
 *   secret and ssh mounts leave the field unset as Go does;
 * - an output mounted twice uses one input slot; scratch mounts use input -1;
 * - Meta.removeMountStubsRecursive is always true; Op.platform is the given platform, else the
 *   platform of the base State, else the marshal default platform.
 */
import { MountType, NetMode, SecurityMode, CacheSharingOpt } from '../pb/index.js';
import { compareBytewise } from './encode.js';
import type * as pb from '../pb/index.js';
import { normalizePlatform, toPbPlatform, type Platform } from './platform.js';
import { newState, type State } from './state.js';
import { InputSlots, Vertex, uniqueOutputs, type BuildContext, type Built, type Constraints, type Output } from './vertex.js';

export interface ExecOptions {
  args: string[];
  env: string[];
  cwd: string;
  user?: string;
  platform?: Platform;
  /** Besides the root mount (the State run() is called on, at "/", output 0). */
  mounts?: MountSpec[];
  network?: 'sandbox' | 'host' | 'none';
  security?: 'sandbox' | 'insecure';
  hostname?: string;
  extraHosts?: { host: string; ip: string }[];
  ulimits?: { name: string; soft: number; hard: number }[];
  cgroupParent?: string;
  proxyEnv?: { httpProxy?: string; httpsProxy?: string; ftpProxy?: string; noProxy?: string; allProxy?: string };
  secretEnv?: { id: string; name: string; optional?: boolean }[];
  validExitCodes?: number[];
}

export type MountSpec =
  | {
      type: 'bind';
      dest: string;
      source: State;
      selector?: string;
      readonly?: boolean;
      /** false: read-write without an output (exec.mount.bind.readwrite-nooutput). */
      output?: boolean;
    }
  | { type: 'cache'; dest: string; id: string; sharing?: 'shared' | 'private' | 'locked'; source?: State; selector?: string }
  | { type: 'tmpfs'; dest: string; size?: number }
  | { type: 'secret'; dest: string; id: string; uid?: number; gid?: number; mode?: number; optional?: boolean }
  | { type: 'ssh'; dest: string; id: string; uid?: number; gid?: number; mode?: number; optional?: boolean };

type FsMount = Extract<MountSpec, { type: 'bind' | 'cache' | 'tmpfs' }> | { type: 'root'; dest: '/'; source: State };
type SecretMount = Extract<MountSpec, { type: 'secret' }>;
type SSHMount = Extract<MountSpec, { type: 'ssh' }>;

const DEFAULT_PATH_UNIX = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class ExecOp extends Vertex {
  readonly kind = 'exec';
  readonly opts: Readonly<ExecOptions>;
  /** Root, bind, cache and tmpfs mounts, sorted by dest. */
  readonly fsMounts: readonly FsMount[];
  readonly secrets: readonly SecretMount[];
  readonly ssh: readonly SSHMount[];

  constructor(base: State, opts: ExecOptions, c: Constraints | undefined) {
    super(c);
    if (opts.args.length === 0) throw new Error('arguments are required');
    if (!opts.cwd) throw new Error('working directory is required');
    this.opts = { ...opts, args: [...opts.args], env: [...opts.env] };
    const fs: FsMount[] = [{ type: 'root', dest: '/', source: base }];
    const secrets: SecretMount[] = [];
    const ssh: SSHMount[] = [];
    for (const m of opts.mounts ?? []) {
      if (m.type === 'secret') secrets.push({ ...m });
      else if (m.type === 'ssh') ssh.push({ ...m });
      else fs.push({ ...m });
    }
    // Bytewise like Go's strings.Compare. Array.prototype.sort is stable; Go's sort is too for
    // the short lists it sees here (insertion sort up to 12 elements).
    fs.sort((a, b) => compareBytewise(a.dest, b.dest));
    this.fsMounts = fs;
    this.secrets = secrets;
    this.ssh = ssh;
  }

  /** The output index of a mount, or undefined when it has none. */
  outputIndex(m: FsMount): number | undefined {
    let i = 0;
    for (const m2 of this.fsMounts) {
      if (!hasOutput(m2)) continue;
      if (m2 === m) return i;
      i++;
    }
    return undefined;
  }

  inputs(): Output[] {
    return uniqueOutputs(this.fsMounts.map((m) => sourceOf(m)?.output()));
  }

  build(ctx: BuildContext): Built {
    const o = this.opts;
    const caps = new Set<string>();
    const platform = o.platform ?? this.fsMounts.find((m) => m.type === 'root')!.source.getPlatform() ?? ctx.defaultPlatform;
    let env = [...o.env];
    if (this.ssh.length > 0 && !hasEnv(env, 'SSH_AUTH_SOCK')) env.push(`SSH_AUTH_SOCK=${this.ssh[0].dest}`);
    if (ctx.caps) {
      if (ctx.caps.has('exec.meta.setsdefaultpath')) caps.add('exec.meta.setsdefaultpath');
      // Go looks at the marshal platform here, not the op's.
      else if (ctx.defaultPlatform.os !== 'windows' && !hasEnv(env, 'PATH')) env = [...env, `PATH=${DEFAULT_PATH_UNIX}`];
    }

    const meta: pb.Meta = { args: [...o.args], env, cwd: o.cwd };
    if (o.user) meta.user = o.user;
    if (o.proxyEnv) {
      const p = o.proxyEnv;
      meta.proxy_env = { http_proxy: p.httpProxy ?? '', https_proxy: p.httpsProxy ?? '', ftp_proxy: p.ftpProxy ?? '', no_proxy: p.noProxy ?? '', all_proxy: p.allProxy ?? '' };
      caps.add('exec.meta.proxyenv');
    }
    if (o.extraHosts?.length) meta.extraHosts = o.extraHosts.map((h) => ({ Host: h.host, IP: h.ip }));
    if (o.hostname) meta.hostname = o.hostname;
    if (o.ulimits?.length) {
      meta.ulimit = o.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
      caps.add('exec.meta.ulimit');
    }
    if (o.cgroupParent) {
      meta.cgroupParent = o.cgroupParent;
      caps.add('exec.meta.cgroup.parent');
    }
    meta.removeMountStubsRecursive = true;
    if (o.validExitCodes) {
      meta.validExitCodes = [...o.validExitCodes];
      caps.add('exec.validexitcode');
    }

    const exec: pb.ExecOp = { meta, mounts: [] };
    const network = o.network ?? 'sandbox';
    if (network !== 'sandbox') {
      exec.network = network === 'host' ? NetMode.HOST : NetMode.NONE;
      caps.add('exec.meta.network');
    }
    if (o.security === 'insecure') {
      exec.security = SecurityMode.INSECURE;
      caps.add('exec.meta.security');
    }
    caps.add('exec.meta.base');

    const slots = new InputSlots();
    for (const m of this.fsMounts) {
      const src = sourceOf(m);
      const out = src?.output();
      const pm: pb.Mount = { input: out ? slots.add(ctx.input(out)) : -1, dest: m.dest, output: this.outputIndex(m) ?? -1 };
      if (m.type === 'root' || m.type === 'bind') {
        if (out) caps.add('exec.mount.bind'); // Go counts the root mount too
      }
      if (m.type === 'bind') {
        if (m.readonly) pm.readonly = true;
        if (m.selector) pm.selector = m.selector;
        if (m.output === false && !m.readonly) caps.add('exec.mount.bind.readwrite-nooutput');
      } else if (m.type === 'cache') {
        if (m.selector) pm.selector = m.selector;
        pm.mountType = MountType.CACHE;
        pm.cacheOpt = { ID: m.id, sharing: SHARING[m.sharing ?? 'shared'] };
        caps.add('exec.mount.cache').add('exec.mount.cache.sharing');
      } else if (m.type === 'tmpfs') {
        pm.mountType = MountType.TMPFS;
        pm.TmpfsOpt = { size: m.size ?? 0 };
        caps.add('exec.mount.tmpfs');
        if ((m.size ?? 0) > 0) caps.add('exec.mount.tmpfs.size');
      }
      if (pm.selector) caps.add('exec.mount.selector');
      exec.mounts!.push(pm);
    }

    if (this.secrets.length > 0 || (o.secretEnv?.length ?? 0) > 0) caps.add('exec.mount.secret');
    if (o.secretEnv?.length) {
      exec.secretenv = o.secretEnv.map((s) => ({ ID: s.id, name: s.name, optional: s.optional ?? false }));
      caps.add('exec.secretenv');
    }
    for (const s of this.secrets) {
      exec.mounts!.push({
        input: -1,
        dest: s.dest,
        mountType: MountType.SECRET,
        secretOpt: { ID: s.id, uid: s.uid ?? 0, gid: s.gid ?? 0, mode: s.mode ?? 0o400, optional: s.optional ?? false },
      });
    }
    for (const s of this.ssh) {
      exec.mounts!.push({
        input: -1,
        dest: s.dest,
        mountType: MountType.SSH,
        SSHOpt: { ID: s.id, uid: s.uid ?? 0, gid: s.gid ?? 0, mode: s.mode ?? 0o600, optional: s.optional ?? false },
      });
    }
    if (this.ssh.length > 0) caps.add('exec.mount.ssh');

    const op: pb.Op = { inputs: slots.list, exec, platform: toPbPlatform(platform), constraints: {} };
    return { op, caps: [...caps] };
  }
}

const SHARING = { shared: CacheSharingOpt.SHARED, private: CacheSharingOpt.PRIVATE, locked: CacheSharingOpt.LOCKED };

function hasOutput(m: FsMount): boolean {
  if (m.type === 'root') return true;
  if (m.type === 'bind') return !m.readonly && m.output !== false;
  return false;
}

function sourceOf(m: FsMount): State | undefined {
  if (m.type === 'root' || m.type === 'bind') return m.source;
  if (m.type === 'cache') return m.source;
  return undefined;
}

function hasEnv(env: string[], key: string): boolean {
  return env.some((e) => e === key || e.startsWith(key + '='));
}

/** The result of State.run: the root filesystem and the writable mounts after the process. */
export class ExecState {
  readonly #exec: ExecOp;
  readonly #platform: Platform | undefined;
  readonly #root: State;

  constructor(exec: ExecOp, rootPlatform: Platform | undefined, outPlatform: Platform | undefined) {
    this.#exec = exec;
    this.#platform = outPlatform;
    this.#root = newState({ vertex: exec, index: 0 }, rootPlatform);
  }

  /** The root filesystem after the process ran (output 0). */
  root(): State {
    return this.#root;
  }

  /**
   * The filesystem mounted at `dest` after the process: the output of a writable bind mount, or
   * the unchanged source of a readonly one. Other mounts have no result and throw.
   */
  mount(dest: string): State {
    const m = this.#exec.fsMounts.find((x) => x.dest === dest && x.type !== 'root');
    if (!m) throw new Error(`no mount at ${dest}`);
    if (m.type === 'bind' && m.readonly) return m.source;
    const index = this.#exec.outputIndex(m);
    if (index === undefined) throw new Error(`${m.type} mount at ${dest} has no output`);
    return newState({ vertex: this.#exec, index }, this.#platform);
  }
}

export function newExecOp(base: State, opts: ExecOptions, c: Constraints | undefined): ExecState {
  const op = new ExecOp(base, opts, c);
  const outPlatform = opts.platform && normalizePlatform(opts.platform);
  return new ExecState(op, outPlatform ?? base.getPlatform(), outPlatform);
}

