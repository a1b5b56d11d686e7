/**
 * Source ops: image, local, git and http. Identifiers, attributes and declared caps follow
 * client/llb/source.go. Only image sources are platform specific and carry Op.platform.
 */
import type * as pb from '../pb/index.js';
import { sortedRecord } from './encode.js';
import { join } from '../util/gopath.js';
import { normalizePlatform, toPbPlatform, type Platform } from './platform.js';
import { formatImageRef, parseImageRef, tagNameOnly, withDigest } from './reference.js';
import { newState, type State } from './state.js';
import { Vertex, type BuildContext, type Built, type Constraints, type Output } from './vertex.js';

export class SourceOp extends Vertex {
  readonly kind = 'source';

  constructor(
    readonly identifier: string,
    readonly attrs: Readonly<Record<string, string>>,
    readonly caps: readonly string[],
    /** Set for image sources only; undefined there means the marshal default platform. */
    readonly platform: Platform | undefined,
    readonly platformSpecific: boolean,
    c: Constraints | undefined,
  ) {
    super(c);
  }

  inputs(): Output[] {
    return [];
  }

  build(ctx: BuildContext): Built {
    const source: pb.SourceOp = { identifier: this.identifier };
    if (Object.keys(this.attrs).length > 0) source.attrs = sortedRecord({ ...this.attrs });
    const op: pb.Op = { source };
    if (this.platformSpecific) op.platform = toPbPlatform(this.platform ?? ctx.defaultPlatform);
    op.constraints = {};
    return { op, caps: [...this.caps] };
  }
}

export interface ImageOptions extends Constraints {
  platform?: Platform;
  resolveMode?: 'default' | 'pull' | 'local';
  /** Pins the image: the identifier gets `@<digest>` (a tag stays, a digest is replaced). */
  digest?: string;
}

/** A registry image. The reference is normalised; an invalid one throws ImageRefError. */
export function image(ref: string, opts: ImageOptions = {}): State {
  let r = tagNameOnly(parseImageRef(ref));
  if (opts.digest !== undefined) r = withDigest(r, opts.digest);
  const attrs: Record<string, string> = {};
  const caps = ['source.image'];
  const mode = opts.resolveMode ?? 'default';
  if (mode !== 'default') {
    attrs['image.resolvemode'] = mode;
    // Only a forced pull needs the cap: it is a security guarantee the daemon must honour.
    if (mode === 'pull') caps.push('source.image.resolvemode');
  }
  const op = new SourceOp(`docker-image://${formatImageRef(r)}`, attrs, caps, opts.platform, true, opts);
  return newState({ vertex: op, index: 0 }, opts.platform && normalizePlatform(opts.platform));
}

export interface LocalOptions extends Constraints {
  sessionId?: string;
  includePatterns?: string[];
  excludePatterns?: string[];
  followPaths?: string[];
  sharedKeyHint?: string;
  differ?: 'none' | 'metadata';
  differRequired?: boolean;
}

/**
 * Files from the client (`local://<name>`). Unlike Go, a local without a session gets no random
 * `local.unique` attribute, so the same graph always marshals to the same bytes.
 */
export function local(name: string, opts: LocalOptions = {}): State {
  const attrs: Record<string, string> = {};
  const caps: string[] = [];
  if (opts.sessionId) {
    attrs['local.session'] = opts.sessionId;
    caps.push('source.local.sessionid');
  }
  if (opts.includePatterns?.length) {
    attrs['local.includepattern'] = goJSONStrings(opts.includePatterns);
    caps.push('source.local.includepatterns');
  }
  if (opts.followPaths?.length) {
    attrs['local.followpaths'] = goJSONStrings(opts.followPaths);
    caps.push('source.local.followpaths');
  }
  if (opts.excludePatterns?.length) {
    attrs['local.excludepatterns'] = goJSONStrings(opts.excludePatterns);
    caps.push('source.local.excludepatterns');
  }
  if (opts.sharedKeyHint) {
    attrs['local.sharedkeyhint'] = opts.sharedKeyHint;
    caps.push('source.local.sharedkeyhint');
  }
  if (opts.differ) {
    attrs['local.differ'] = opts.differ;
    if (opts.differRequired) caps.push('source.local.differ');
  }
  caps.push('source.local');
  return newState({ vertex: new SourceOp(`local://${name}`, attrs, caps, undefined, false, opts), index: 0 }, undefined);
}

export interface HTTPOptions extends Constraints {
  checksum?: string;
  filename?: string;
  perm?: number;
  uid?: number;
  gid?: number;
}

/** A file downloaded over http(s); the identifier is the URL itself. */
export function http(url: string, opts: HTTPOptions = {}): State {
  const attrs: Record<string, string> = {};
  const caps: string[] = [];
  if (opts.checksum) {
    attrs['http.checksum'] = opts.checksum;
    caps.push('source.http.checksum');
  }
  if (opts.filename) attrs['http.filename'] = opts.filename;
  const perm = (opts.perm ?? 0) & 0o777;
  if (perm !== 0) {
    attrs['http.perm'] = '0' + perm.toString(8);
    caps.push('source.http.perm');
  }
  // The cap ID is misspelt upstream; the daemon knows it by this name.
  if (opts.uid) {
    attrs['http.uid'] = String(opts.uid);
    caps.push('soruce.http.uidgid');
  }
  if (opts.gid) {
    attrs['http.gid'] = String(opts.gid);
    caps.push('soruce.http.uidgid');
  }
  caps.push('source.http');
  return newState({ vertex: new SourceOp(url, attrs, caps, undefined, false, opts), index: 0 }, undefined);
}

export interface GitOptions extends Constraints {
  ref?: string;
  subdir?: string;
  keepGitDir?: boolean;
  /** The value of `git.fullurl`; defaults to the remote without query and fragment. */
  fullURL?: string;
}

/**
 * A git checkout: `git://<host>/<path>[#<ref>[:<subdir>]]`, as Go's llb.Git builds it. A remote
 * without a known scheme is tried as https. SSH remotes mount the default SSH agent socket; host
 * keys are not scanned (that would make the op depend on the network).
 */
export function git(remote: string, opts: GitOptions = {}): State {
  let url = remote;
  let parsed = parseGitURL(url);
  if (parsed === 'unknown') {
    url = 'https://' + url;
    parsed = parseGitURL(url);
  }
  const attrs: Record<string, string> = {};
  const caps: string[] = [];
  let id: string;
  if (typeof parsed === 'string') {
    id = url; // unparseable: the daemon reports the error when it fetches
  } else {
    url = parsed.remote;
    id = parsed.host + join('/', parsed.path);
    const ref = opts.ref ?? '';
    const subdir = opts.subdir ?? '';
    if (ref || subdir) {
      id += '#' + ref;
      if (subdir) id += ':' + subdir;
    }
  }
  if (opts.subdir) caps.push('source.git.subdir');
  if (opts.keepGitDir) {
    attrs['git.keepgitdir'] = 'true';
    caps.push('source.git.keepgitdir');
  }
  const fullURL = opts.fullURL ?? url;
  if (fullURL) {
    attrs['git.fullurl'] = fullURL;
    caps.push('source.git.fullurl');
  }
  attrs['git.authtokensecret'] = 'GIT_AUTH_TOKEN';
  attrs['git.authheadersecret'] = 'GIT_AUTH_HEADER';
  if (typeof parsed !== 'string' && parsed.scheme === 'ssh') {
    attrs['git.mountsshsock'] = 'default';
    caps.push('source.git.knownsshhosts', 'source.git.mountsshsock');
  }
  caps.push('source.git');
  return newState({ vertex: new SourceOp(`git://${id}`, attrs, caps, undefined, false, opts), index: 0 }, undefined);
}

interface GitURL {
  scheme: string;
  host: string;
  path: string;
  /** The URL without query and fragment. */
  remote: string;
}

const GIT_SCHEMES = new Set(['http', 'https', 'ssh', 'git']);
const scpStyle = /^([a-zA-Z0-9-_]+)@([a-zA-Z0-9-.]+):(.*?)(?:\?(.*?))?(?:#(.*))?$/;

/** gitutil.ParseURL, reduced to what the identifier needs. */
function parseGitURL(remote: string): GitURL | 'unknown' | 'invalid' {
  const proto = /^[a-zA-Z0-9]+:\/\//.exec(remote);
  if (proto) {
    const scheme = proto[0].slice(0, -3).toLowerCase();
    if (!GIT_SCHEMES.has(scheme)) return 'invalid';
    const rest = remote.slice(proto[0].length).replace(/#.*$/s, '').replace(/\?.*$/s, '');
    const slash = rest.indexOf('/');
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    const rawPath = slash < 0 ? '' : rest.slice(slash);
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return 'invalid';
    }
    return { scheme, host, path, remote: `${scheme}://${rest}` };
  }
  const m = scpStyle.exec(remote);
  if (m) return { scheme: 'ssh', host: m[2], path: m[3], remote: `${m[1]}@${m[2]}:${m[3]}` };
  return 'unknown';
}

/**
 * A string array as Go's encoding/json writes it: HTML-significant characters and the JS line
 * separators escaped, so attribute bytes match a Go client's.
 */
export function goJSONStrings(values: string[]): string {
  return JSON.stringify(values).replace(/[<>&\u2028\u2029]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}
