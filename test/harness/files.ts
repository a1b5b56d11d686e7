/**
 * Serves ReadFile / ReadDir / StatFile for refs mapped to host folders, the way BuildKit v0.8
 * does for a solved local source (`cache/util/fsutil.go`, fsutil `Stat`/`Walk`): Go os.FileMode
 * bits, daemon-side paths in error messages, `no such file or directory` for missing files.
 * The local-source filters (followpaths, includepattern, excludepatterns) are applied loosely.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Stat } from '../../src/pb/index.js';

/** A gRPC status the harness answers with. */
export class HarnessCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const UNKNOWN = 2;

export interface FolderRef {
  dir: string;
  followPaths?: string[];
  includePatterns?: string[];
  excludePatterns?: string[];
  /** Path shown in error messages instead of the host folder, as the daemon's mount. */
  daemonRoot: string;
}

/** Go os.FileMode from a Node stat (doc §2.6). fsutil clears the socket bit. */
export function goFileMode(st: fs.Stats | fs.BigIntStats): number {
  const mode = Number(st.mode);
  let m = mode & 0o777;
  if (st.isDirectory()) m |= 1 << 31;
  if (st.isSymbolicLink()) m |= 1 << 27;
  if (st.isBlockDevice()) m |= 1 << 26;
  if (st.isCharacterDevice()) m |= (1 << 26) | (1 << 21);
  if (st.isFIFO()) m |= 1 << 25;
  if (mode & 0o4000) m |= 1 << 23;
  if (mode & 0o2000) m |= 1 << 22;
  if (mode & 0o1000) m |= 1 << 20;
  return m >>> 0;
}

/** Glob as fsutil/filepath.Match reads it, plus `**` across directories. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function clean(p: string): string {
  const c = path.posix.normalize(`/${p}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return c === '.' ? '' : c;
}

/**
 * Whether `rel` ('' = root) survives the local source's filters. A directory is also visible
 * when it lies on the way to something an include pattern may match.
 */
export function visible(ref: FolderRef, rel: string, isDir = false): boolean {
  if (rel === '') return true;
  const follow = (ref.followPaths ?? []).map(clean);
  const include = (ref.includePatterns ?? []).map(clean);
  if (follow.length > 0 || include.length > 0) {
    const followed = follow.some((f) => rel === f || f.startsWith(`${rel}/`) || rel.startsWith(`${f}/`));
    const included = include.some((p) => {
      const re = globToRegExp(p);
      const parts = rel.split('/');
      for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join('/'))) return true;
      if (!isDir) return false;
      // a directory on the way to a possible match
      const pParts = p.split('/');
      return parts.length < pParts.length && parts.every((seg, i) => globToRegExp(pParts[i]!).test(seg));
    });
    if (!followed && !included) return false;
  }
  let excluded = false;
  for (const raw of ref.excludePatterns ?? []) {
    const negate = raw.startsWith('!');
    const re = globToRegExp(clean(negate ? raw.slice(1) : raw));
    const parts = rel.split('/');
    let hit = false;
    for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join('/'))) hit = true;
    if (hit) excluded = !negate;
  }
  return !excluded;
}

function resolve(ref: FolderRef, p: string): { host: string; rel: string; shown: string; isDir: boolean } {
  const rel = clean(p);
  const host = path.join(ref.dir, rel);
  let isDir = false;
  try {
    isDir = fs.lstatSync(host).isDirectory();
  } catch {
    // missing: reported by the caller
  }
  return { host, rel, shown: rel ? `${ref.daemonRoot}/${rel}` : ref.daemonRoot, isDir };
}

function enoent(op: string, shown: string): HarnessCallError {
  return new HarnessCallError(UNKNOWN, `${op} ${shown}: no such file or directory`);
}

function osError(op: string, shown: string, err: unknown): HarnessCallError {
  const e = err as NodeJS.ErrnoException;
  const text: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    EACCES: 'permission denied',
  };
  return new HarnessCallError(UNKNOWN, `${op} ${shown}: ${text[e.code ?? ''] ?? e.message}`);
}

export function statOf(host: string, name: string): Stat {
  const st = fs.lstatSync(host, { bigint: true });
  const out: Stat = { path: name, mode: goFileMode(st), uid: Number(st.uid), gid: Number(st.gid) };
  // int64 fields go through protobufjs as decimal strings so nanoseconds survive
  (out as Record<string, unknown>).modTime = st.mtimeNs.toString();
  if (!st.isDirectory()) {
    (out as Record<string, unknown>).size = st.size.toString();
    if (st.isSymbolicLink()) out.linkname = fs.readlinkSync(host);
  }
  return out;
}

export function readFile(ref: FolderRef, p: string, range?: { Offset?: number; Length?: number }): Buffer {
  const { host, rel, shown } = resolve(ref, p);
  if (!visible(ref, rel)) throw enoent('open', shown);
  let data: Buffer;
  try {
    data = fs.readFileSync(host);
  } catch (err) {
    throw osError((err as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open', shown, err);
  }
  if (!range) return data;
  const offset = Number(range.Offset ?? 0);
  return data.subarray(offset, offset + Number(range.Length ?? 0));
}

export function statFile(ref: FolderRef, p: string): Stat {
  const { host, rel, shown, isDir } = resolve(ref, p);
  if (!visible(ref, rel, isDir)) throw enoent('lstat', shown);
  try {
    return statOf(host, path.posix.basename(`/${rel}`) || '/');
  } catch (err) {
    throw osError('lstat', shown, err);
  }
}

export function readDir(ref: FolderRef, p: string, include?: string): Stat[] {
  const { host, rel, shown, isDir } = resolve(ref, p);
  if (!visible(ref, rel, isDir)) throw new HarnessCallError(UNKNOWN, `resolve : lstat ${shown}: no such file or directory`);
  let entries: fs.Dirent[];
  try {
    if (!fs.statSync(host).isDirectory()) throw new HarnessCallError(UNKNOWN, `walk ${shown}: not a directory`);
    entries = fs.readdirSync(host, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    if (err instanceof HarnessCallError) throw err;
    throw new HarnessCallError(UNKNOWN, `resolve : lstat ${shown}: no such file or directory`);
  }
  const includeRe = include ? globToRegExp(clean(include).split('/')[0]!) : undefined;
  return entries
    .filter((e) => visible(ref, rel ? `${rel}/${e.name}` : e.name, e.isDirectory()))
    .map((e) => e.name)
    .filter((n) => !includeRe || includeRe.test(n))
    .map((n) => statOf(path.join(host, n), n));
}
