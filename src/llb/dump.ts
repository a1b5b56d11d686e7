/**
 * A readable, deterministic text form of a Definition for golden files: one line per op in def
 * order, `<digest12> <kind> <fields>`, inputs by short digest and output index, then the step
 * name. Every field that changes an op's bytes appears, so a golden diff shows cache-key changes.
 */
import type * as pb from '../pb/index.js';
import { decodeDefinition } from './marshal.js';
import { formatPlatform } from './platform.js';

export function dump(def: pb.Definition): string {
  const lines = decodeDefinition(def).map(({ digest, op, metadata }) => {
    const parts = [short(digest), ...opFields(op)];
    if (op.platform) parts.push(`platform=${platformText(op.platform)}`);
    if (op.constraints?.filter?.length) parts.push(`constraints=${q(op.constraints.filter)}`);
    if (op.inputs?.length && !isTerminal(op)) parts.push(`inputs=[${op.inputs.map(inputText).join(' ')}]`);
    const name = metadata?.description?.['llb.customname'];
    if (name !== undefined) parts.push(`name=${q(name)}`);
    if (metadata?.ignore_cache) parts.push('no-cache');
    return parts.join(' ');
  });
  return lines.join('\n') + (lines.length ? '\n' : '');
}

function opFields(op: pb.Op): string[] {
  if (op.source) return sourceFields(op.source);
  if (op.exec) return execFields(op.exec);
  if (op.file) return fileFields(op.file, op.inputs?.length ?? 0);
  if (op.merge) return ['merge', ...(op.merge.inputs ?? []).map((i) => ref(i.input ?? 0))];
  if (op.diff) return ['diff', `lower=${ref(op.diff.lower?.input ?? 0)}`, `upper=${ref(op.diff.upper?.input ?? 0)}`];
  if (isTerminal(op)) return ['result', inputText(op.inputs![0])];
  return ['unknown'];
}

function isTerminal(op: pb.Op): boolean {
  return !op.source && !op.exec && !op.file && !op.merge && !op.diff && (op.inputs?.length ?? 0) > 0;
}

function sourceFields(s: pb.SourceOp): string[] {
  const out = ['source', s.identifier ?? ''];
  for (const [k, v] of Object.entries(s.attrs ?? {})) out.push(`${k}=${q(v)}`);
  return out;
}

function execFields(e: pb.ExecOp): string[] {
  const m = e.meta ?? {};
  const out = ['exec', q(m.args ?? [])];
  if (m.env?.length) out.push(`env=${q(m.env)}`);
  out.push(`cwd=${q(m.cwd ?? '')}`);
  if (m.user) out.push(`user=${q(m.user)}`);
  if (m.hostname) out.push(`hostname=${q(m.hostname)}`);
  if (m.extraHosts?.length) out.push(`hosts=${q(m.extraHosts.map((h) => `${h.Host}=${h.IP}`))}`);
  if (m.ulimit?.length) out.push(`ulimit=${q(m.ulimit.map((u) => `${u.Name}=${u.Soft}:${u.Hard}`))}`);
  if (m.cgroupParent) out.push(`cgroup-parent=${q(m.cgroupParent)}`);
  if (m.proxy_env) out.push(`proxy=${q(Object.entries(m.proxy_env).map(([k, v]) => `${k}=${v}`))}`);
  if (m.validExitCodes?.length) out.push(`valid-exit-codes=${m.validExitCodes.join(',')}`);
  if (!m.removeMountStubsRecursive) out.push('keep-mount-stubs');
  if (e.network) out.push(`network=${['sandbox', 'host', 'none'][e.network] ?? e.network}`);
  if (e.security) out.push(`security=${['sandbox', 'insecure'][e.security] ?? e.security}`);
  for (const s of e.secretenv ?? []) out.push(`secret-env=${s.name}:${s.ID}${s.optional ? '?' : ''}`);
  out.push(`mounts=[${(e.mounts ?? []).map(mountText).join(', ')}]`);
  return out;
}

const MOUNT_TYPES = ['bind', 'secret', 'ssh', 'cache', 'tmpfs'];
const SHARING = ['shared', 'private', 'locked'];

function mountText(m: pb.Mount): string {
  const p = [m.dest ?? '', MOUNT_TYPES[m.mountType ?? 0] ?? String(m.mountType)];
  if ((m.input ?? 0) >= 0) p.push(`from=${ref(m.input ?? 0)}`);
  if (m.selector) p.push(`sel=${q(m.selector)}`);
  if (m.readonly) p.push('ro');
  if ((m.output ?? 0) >= 0 && !m.secretOpt && !m.SSHOpt) p.push(`out=${m.output ?? 0}`);
  if (m.cacheOpt) p.push(`id=${q(m.cacheOpt.ID ?? '')}`, `sharing=${SHARING[m.cacheOpt.sharing ?? 0]}`);
  if (m.TmpfsOpt?.size) p.push(`size=${m.TmpfsOpt.size}`);
  const o = m.secretOpt ?? m.SSHOpt;
  if (o) p.push(`id=${q(o.ID ?? '')}`, `uid=${o.uid ?? 0}`, `gid=${o.gid ?? 0}`, `mode=${octal(o.mode ?? 0)}`, ...(o.optional ? ['optional'] : []));
  return p.join(' ');
}

function fileFields(f: pb.FileOp, nInputs: number): string[] {
  const r = (i: number | undefined) => fileRef(i ?? 0, nInputs);
  const actions = (f.actions ?? []).map((a) => {
    const p: string[] = [];
    if (a.copy) {
      const c = a.copy;
      p.push('copy', `${r(a.secondaryInput)}:${q(c.src ?? '')}`, '->', `${r(a.input)}:${q(c.dest ?? '')}`);
      if (c.modeStr) p.push(`mode=${c.modeStr}`);
      else if ((c.mode ?? 0) !== -1) p.push(`mode=${octal(c.mode ?? 0)}`);
      const flags: [boolean | undefined, string][] = [
        [c.followSymlink, 'follow'],
        [c.dirCopyContents, 'contents'],
        [c.attemptUnpackDockerCompatibility, 'unpack'],
        [c.createDestPath, 'mkdir-dest'],
        [c.allowWildcard, 'wildcard'],
        [c.allowEmptyWildcard, 'empty-wildcard'],
        [c.alwaysReplaceExistingDestPaths, 'replace'],
      ];
      for (const [on, name] of flags) if (on) p.push(name);
      if (c.include_patterns?.length) p.push(`include=${q(c.include_patterns)}`);
      if (c.exclude_patterns?.length) p.push(`exclude=${q(c.exclude_patterns)}`);
      pushOwnerTime(p, c.owner, c.timestamp, nInputs);
    } else if (a.mkdir) {
      p.push('mkdir', `${r(a.input)}:${q(a.mkdir.path ?? '')}`, octal(a.mkdir.mode ?? 0));
      if (a.mkdir.makeParents) p.push('parents');
      pushOwnerTime(p, a.mkdir.owner, a.mkdir.timestamp, nInputs);
    } else if (a.mkfile) {
      const data = a.mkfile.data ?? new Uint8Array();
      p.push('mkfile', `${r(a.input)}:${q(a.mkfile.path ?? '')}`, octal(a.mkfile.mode ?? 0), `data=${q(preview(data))}`);
      pushOwnerTime(p, a.mkfile.owner, a.mkfile.timestamp, nInputs);
    } else if (a.rm) {
      p.push('rm', `${r(a.input)}:${q(a.rm.path ?? '')}`);
      if (a.rm.allowNotFound) p.push('allow-not-found');
      if (a.rm.allowWildcard) p.push('wildcard');
    } else if (a.symlink) {
      p.push('symlink', `${r(a.input)}:${q(a.symlink.newpath ?? '')}`, '->', q(a.symlink.oldpath ?? ''));
      pushOwnerTime(p, a.symlink.owner, a.symlink.timestamp, nInputs);
    }
    if ((a.output ?? 0) >= 0) p.push(`out=${a.output ?? 0}`);
    return p.join(' ');
  });
  return ['file', `[${actions.join('; ')}]`];
}

function pushOwnerTime(p: string[], owner: pb.ChownOpt | undefined, ts: number | undefined, nInputs: number): void {
  if (owner) {
    const u = (x: pb.UserOpt | undefined) => (!x ? '' : x.byName ? `${x.byName.name}@${fileRef(x.byName.input ?? 0, nInputs)}` : `#${x.byID ?? 0}`);
    p.push(`chown=${u(owner.user)}:${u(owner.group)}`);
  }
  // Absent on the wire means 0, the epoch; only -1 means unset.
  if (String(ts ?? 0) !== '-1') p.push(`time=${ts ?? 0}`);
}

function preview(data: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  return text.length > 40 ? `${text.slice(0, 40)}…(${data.length} bytes)` : text;
}

function ref(i: number): string {
  return i < 0 ? 'scratch' : `in${i}`;
}

/** A file action input: an op input, the result of an earlier action, or scratch. */
function fileRef(i: number, nInputs: number): string {
  return i < 0 ? 'scratch' : i < nInputs ? `in${i}` : `a${i - nInputs}`;
}

function inputText(i: pb.Input): string {
  return `${short(i.digest ?? '')}:${i.index ?? 0}`;
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

function octal(n: number): string {
  return '0' + n.toString(8);
}

function platformText(p: pb.Platform): string {
  let s = formatPlatform({ os: p.OS ?? '', architecture: p.Architecture ?? '', variant: p.Variant });
  if (p.OSVersion) s += `(${p.OSVersion})`;
  if (p.OSFeatures?.length) s += `+${p.OSFeatures.join('+')}`;
  return s;
}

function q(v: unknown): string {
  return JSON.stringify(v);
}
