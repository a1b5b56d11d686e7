/**
 * The differential suite's pure parts: reading a case from testdata/diff, turning an exported
 * `-o type=tar` file into a manifest (one line per entry: path, type, mode, owner, size and
 * content hash or link target; timestamps left out), comparing two manifests or two image
 * configs, and a small concurrency limiter. No docker here; test/differential.itest.ts drives it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { engineIds, type EngineId } from './docker.js';

/** `args.json` beside a case's Dockerfile; every field is optional. */
export interface CaseArgs {
  /** `--target`: the stage whose filesystem is exported. */
  target?: string;
  /** `--build-arg` values. */
  buildArgs?: Record<string, string>;
  /**
   * `--platform`. A non-linux platform skips the image config comparison on engines whose image
   * store refuses it (dockerd 20.10's).
   */
  platform?: string;
  /** `--label` values (the `label:` frontend options). */
  labels?: Record<string, string>;
  /** `--secret id=<key>,src=<value>`, the value relative to the case directory. */
  secrets?: Record<string, string>;
  /**
   * The stage whose image config is compared (built a second time with `-t`), when it differs
   * from `target`; `false` skips the config comparison.
   */
  configTarget?: string | false;
  /**
   * Images the case builds FROM: tag → directory in the case, built with the built-in frontend
   * before the case and removed after it (an image with ONBUILD triggers, for instance).
   */
  baseImages?: Record<string, string>;
  /**
   * Per engine (keyed by EngineId): set where that engine's built-in frontend cannot build the
   * case, with the reason. There the case is built with our frontend only and compared against
   * testdata/diff-expected/<case>.txt.
   */
  oursOnly?: PerEngine<string>;
  /**
   * Per engine (keyed by EngineId): differences where ours follows a newer BuildKit than that
   * engine's built-in frontend: the `-` lines of the built-in frontend and the `+` lines of ours
   * that make up the difference (each compared trimmed, without a trailing comma), with the
   * reason. An accepted difference that no longer occurs on its engine fails the case.
   */
  accept?: PerEngine<Accepted[]>;
}

/** A setting given per engine: `{"v0.8": ..., "v0.13": ...}`; a missing engine has none. */
export type PerEngine<T> = Partial<Record<EngineId, T>>;

export interface Accepted {
  why: string;
  /** The built-in frontend's line or lines; all must occur for the difference to be dropped. */
  builtin: string | string[];
  ours: string | string[];
  /** The engine shows this difference on some runs only (a race on its side): not an error when absent. */
  sometimes?: boolean;
}

export interface DiffCase {
  name: string;
  dir: string;
  args: CaseArgs;
}

const argKeys = new Set(['target', 'buildArgs', 'labels', 'platform', 'secrets', 'configTarget', 'baseImages', 'oursOnly', 'accept']);

export function readCase(root: string, name: string): DiffCase {
  const dir = path.join(root, name);
  const file = path.join(dir, 'args.json');
  const args = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as CaseArgs) : {};
  for (const k of Object.keys(args)) if (!argKeys.has(k)) throw new Error(`${name}/args.json: unknown key "${k}"`);
  for (const k of ['accept', 'oursOnly'] as const) {
    const v = args[k];
    if (v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${name}/args.json: "${k}" is keyed by engine (${engineIds.join(', ')})`);
    for (const e of Object.keys(v)) if (!engineIds.includes(e as EngineId)) throw new Error(`${name}/args.json: "${k}" has an unknown engine "${e}" (${engineIds.join(', ')})`);
  }
  return { name, dir, args };
}

export function listCases(root: string): DiffCase[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((n) => readCase(root, n));
}

/** The `docker build` arguments of a case, without the output and the frontend selection. */
export function buildArgv(c: DiffCase, target = c.args.target): string[] {
  const argv = ['-f', path.join(c.dir, 'Dockerfile')];
  if (target) argv.push('--target', target);
  if (c.args.platform) argv.push('--platform', c.args.platform);
  for (const [k, v] of Object.entries(c.args.buildArgs ?? {})) argv.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(c.args.labels ?? {})) argv.push('--label', `${k}=${v}`);
  for (const [id, src] of Object.entries(c.args.secrets ?? {})) argv.push('--secret', `id=${id},src=${path.join(c.dir, src)}`);
  return argv;
}

export interface Entry {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  /** The text of a small UTF-8 file, shown in the manifest so a difference reads as one. */
  text?: string;
  linkname?: string;
  xattrs?: string[];
  devmajor?: number;
  devminor?: number;
}

const TEXT_LIMIT = 200;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function smallText(b: Buffer): string | undefined {
  try {
    const t = utf8.decode(b);
    return /[\u0000-\u0008\u000e-\u001f]/.test(t) ? undefined : t;
  } catch {
    return undefined;
  }
}

/** Reads every entry of a tar file; regular files are hashed, and only small texts kept. */
export async function readTar(file: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const extract = tar.extract();
  extract.on('entry', (h, stream, next) => {
    const hash = createHash('sha256');
    let size = 0;
    const head: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      const b = chunk as Buffer;
      hash.update(b);
      if (size < TEXT_LIMIT) head.push(b);
      size += b.length;
    });
    stream.on('end', () => {
      const e: Entry = {
        path: normalizeTarPath(h.name),
        type: h.type ?? 'file',
        mode: (h.mode ?? 0) & 0o7777,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        size,
      };
      if (e.type === 'file' || e.type === 'contiguous-file') {
        e.sha256 = hash.digest('hex');
        if (size <= TEXT_LIMIT) e.text = smallText(Buffer.concat(head));
      }
      if (h.linkname) e.linkname = h.linkname;
      if (e.type === 'character-device' || e.type === 'block-device') {
        e.devmajor = h.devmajor;
        e.devminor = h.devminor;
      }
      const xattrs = Object.entries(h.pax ?? {}).filter(([k]) => k.startsWith('SCHILY.xattr.'));
      if (xattrs.length) e.xattrs = xattrs.map(([k, v]) => `${k.slice('SCHILY.xattr.'.length)}=${createHash('sha256').update(v).digest('hex').slice(0, 12)}`).sort();
      entries.push(e);
      next();
    });
    stream.on('error', next);
  });
  await pipeline(fs.createReadStream(file), extract);
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function normalizeTarPath(p: string): string {
  let out = p.replace(/^\.\//, '').replace(/\/+$/, '');
  if (out === '' || out === '.') out = '.';
  return out;
}

/** One readable line per entry; equal lines mean equal entries (timestamps aside). */
export function entryLine(e: Entry): string {
  const owner = `${e.uid}:${e.gid}`;
  const mode = e.mode.toString(8).padStart(4, '0');
  let what = '';
  if (e.sha256 !== undefined) what = ` ${e.size}B sha256:${e.sha256.slice(0, 16)}${e.text !== undefined ? ` ${JSON.stringify(e.text)}` : ''}`;
  if (e.type === 'symlink') what = ` -> ${e.linkname}`;
  if (e.type === 'link') what = ` => ${e.linkname}`;
  if (e.devmajor !== undefined) what = ` ${e.devmajor},${e.devminor}`;
  const xattrs = e.xattrs ? ` xattrs[${e.xattrs.join(' ')}]` : '';
  return `${e.path} ${e.type} ${mode} ${owner}${what}${xattrs}`;
}

export function manifest(entries: Entry[]): string {
  return entries.map((e) => entryLine(e) + '\n').join('');
}

/**
 * A readable difference between two manifests, keyed by path: `-` lines are the built-in
 * frontend's (or the expected file's), `+` lines ours. Empty when they are equal.
 */
export function diffManifests(want: string, got: string, labels = { want: 'built-in', got: 'ours' }): string {
  const byPath = (text: string) => {
    const m = new Map<string, string>();
    for (const line of text.split('\n').filter(Boolean)) m.set(line.slice(0, line.indexOf(' ')), line);
    return m;
  };
  const a = byPath(want);
  const b = byPath(got);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: string[] = [];
  for (const p of paths) {
    const x = a.get(p);
    const y = b.get(p);
    if (x === y) continue;
    if (x !== undefined) out.push(`- ${x}`);
    if (y !== undefined) out.push(`+ ${y}`);
  }
  if (out.length === 0) return '';
  return [`--- ${labels.want}`, `+++ ${labels.got}`, ...out].join('\n');
}

/**
 * What `docker image inspect` and `docker history` show of an image, reduced to the fields the
 * Dockerfile decides: the container config, author, os/arch, and each history entry's
 * created_by, comment and empty-layer flag.
 */
export interface ImageSummary {
  config: Record<string, unknown>;
  author: string;
  os: string;
  architecture: string;
  variant?: string;
  history: string[];
}

/** Fields docker fills in itself rather than from the image config. */
const runtimeFields = ['Hostname', 'Domainname', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'Image'];

/** Reads `docker image inspect` JSON (one image) and `docker history --format '{{json .}}'` lines. */
export function summarizeImage(inspectJSON: string, historyLines: string): ImageSummary {
  const [img] = JSON.parse(inspectJSON) as {
    Config: Record<string, unknown>;
    Author: string;
    Os: string;
    Architecture: string;
    Variant?: string;
  }[];
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(img.Config ?? {}).sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (runtimeFields.includes(k) || v === null || v === undefined || v === '' || v === false) continue;
    config[k] = v;
  }
  const history = historyLines
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { CreatedBy: string; Comment: string; Size: string })
    .reverse()
    .map((h) => `${h.CreatedBy}${h.Comment ? `  (${h.Comment})` : ''}${h.Size === '0B' ? '' : '  +layer'}`);
  return { config, author: img.Author ?? '', os: img.Os, architecture: img.Architecture, variant: img.Variant || undefined, history };
}

/**
 * The same summary read from an `-o type=oci` export (for an engine whose image store cannot
 * show an image, such as a wasi/wasm one): index.json, its single image manifest, that
 * manifest's config. History lines take the form summarizeImage gives them: created_by, the
 * comment, `+layer` unless empty_layer.
 */
export async function summarizeOci(file: string): Promise<ImageSummary> {
  const blobs = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    // layers can be large and are not needed: keep JSON-sized entries only
    const keep = (h.size ?? 0) <= 4 << 20;
    stream.on('data', (c: unknown) => {
      if (keep) chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (keep) blobs.set(normalizeTarPath(h.name), Buffer.concat(chunks));
      next();
    });
    stream.on('error', next);
  });
  await pipeline(fs.createReadStream(file), extract);
  const json = <T>(name: string): T => {
    const b = blobs.get(name);
    if (!b) throw new Error(`${file}: no ${name} in the OCI export`);
    return JSON.parse(b.toString('utf8')) as T;
  };
  const blob = <T>(digest: string): T => json<T>(`blobs/${digest.replace(':', '/')}`);
  type Desc = { mediaType: string; digest: string };
  let desc = json<{ manifests: Desc[] }>('index.json').manifests;
  while (desc.length === 1 && desc[0].mediaType.endsWith('image.index.v1+json')) desc = blob<{ manifests: Desc[] }>(desc[0].digest).manifests;
  if (desc.length !== 1) throw new Error(`${file}: ${desc.length} manifests in the OCI export, expected one`);
  const manifest = blob<{ config: Desc }>(desc[0].digest);
  const img = blob<{
    config?: Record<string, unknown>;
    author?: string;
    os: string;
    architecture: string;
    variant?: string;
    history?: { created_by?: string; comment?: string; empty_layer?: boolean }[];
  }>(manifest.config.digest);
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(img.config ?? {}).sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (runtimeFields.includes(k) || v === null || v === undefined || v === '' || v === false) continue;
    config[k] = v;
  }
  const history = (img.history ?? []).map((h) => `${h.created_by ?? ''}${h.comment ? `  (${h.comment})` : ''}${h.empty_layer ? '' : '  +layer'}`);
  return { config, author: img.author ?? '', os: img.os, architecture: img.architecture, variant: img.variant || undefined, history };
}

/**
 * The summary as text, one fact per line so two of them diff line by line: `platform`, `author`,
 * each config field (a list or map one line per member), then `history:` lines oldest first.
 */
export function imageText(s: ImageSummary): string {
  const out = [`platform: ${s.os}/${s.architecture}${s.variant ? `/${s.variant}` : ''}`, `author: ${s.author}`];
  for (const [k, v] of Object.entries(s.config)) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) for (const x of v) out.push(`${k}[]: ${x}`);
    else if (v && typeof v === 'object' && !Array.isArray(v) && k !== 'Healthcheck') {
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) out.push(`${k}.${mk}: ${JSON.stringify(mv)}`);
    } else out.push(`${k}: ${JSON.stringify(v)}`);
  }
  for (const h of s.history) out.push(`history: ${h}`);
  return out.join('\n') + '\n';
}

/** A line-by-line difference of two texts (LCS), `-` built-in, `+` ours; empty when equal. */
export function diffLines(want: string, got: string, labels = { want: 'built-in', got: 'ours' }): string {
  if (want === got) return '';
  const a = want.split('\n');
  const b = got.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [`--- ${labels.want}`, `+++ ${labels.got}`];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out.join('\n');
}

/**
 * Drops the accepted pairs from a diff made by diffManifests or diffLines. Returns what is left
 * ('' when only accepted differences remained) and the accepted pairs that did not occur. Each
 * accepted line takes one diff line of its side (a line listed twice takes two); `{*}` in it
 * stands for any text (for what names the machine or the run: a DNS server's address, an image
 * tag).
 */
export function withoutAccepted(diff: string, accepted: readonly Accepted[]): { diff: string; unused: Accepted[] } {
  if (!diff) return { diff, unused: [...accepted] };
  const lines = diff.split('\n');
  const unused: Accepted[] = [];
  const bare = (t: string) => t.trim().replace(/,$/, '');
  const matches = (line: string, want: string) => {
    const w = bare(want);
    if (!w.includes('{*}')) return bare(line) === w;
    const re = w.split('{*}').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${re.join('.*')}$`, 's').test(bare(line));
  };
  for (const a of accepted) {
    const taken = new Set<number>();
    const find = (sign: string, text: string) => {
      const i = lines.findIndex((l, k) => !taken.has(k) && l.startsWith(sign) && matches(l.slice(2), text));
      if (i >= 0) taken.add(i);
      return i;
    };
    const found = [...[a.builtin].flat().map((o) => find('- ', o)), ...[a.ours].flat().map((o) => find('+ ', o))];
    if (found.some((i) => i < 0)) {
      if (!a.sometimes) unused.push(a);
      continue;
    }
    for (const i of found) lines[i] = '';
  }
  const left = lines.filter((l) => l !== '');
  const changed = left.some((l) => (l.startsWith('- ') || l.startsWith('+ ')) && !l.startsWith('--- ') && !l.startsWith('+++ '));
  return { diff: changed ? left.join('\n') : '', unused };
}

/**
 * What a plain-progress build log says after its last progress line (`#N ...`): for a failed
 * build, buildx's excerpt of the Dockerfile around the failing line and the `ERROR:` line, and
 * before them the failed step's name and last log lines. Those log lines start with seconds
 * since the step began (`0.188 fatal: ...`) and are left out: timing, not text.
 */
export function errorText(log: string): string {
  const lines = log.trimEnd().split('\n');
  let last = -1;
  lines.forEach((l, i) => {
    if (/^#\d+ /.test(l)) last = i;
  });
  return lines
    .slice(last + 1)
    .filter((l) => l.trim() !== '' && !/^\d+\.\d+ /.test(l))
    .join('\n');
}

/**
 * testdata/errors/<case>/accept.json: per engine, the error text differences where ours follows
 * a newer BuildKit than that engine's built-in frontend (lines of `exit ...` and errorText).
 */
export function readErrorAccept(dir: string): PerEngine<Accepted[]> {
  const file = path.join(dir, 'accept.json');
  if (!fs.existsSync(file)) return {};
  const v = JSON.parse(fs.readFileSync(file, 'utf8')) as PerEngine<Accepted[]>;
  for (const e of Object.keys(v)) if (!engineIds.includes(e as EngineId)) throw new Error(`${file}: unknown engine "${e}" (${engineIds.join(', ')})`);
  return v;
}

/** Runs at most `n` of the given tasks at once. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // a finished task hands its slot to the next waiter directly, so `active` never exceeds n
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}
