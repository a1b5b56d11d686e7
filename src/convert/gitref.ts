/**
 * Git context references as BuildKit's dfgitutil.ParseGitRef reads them: which strings are git
 * at all, and their remote, ref and subdirectory. Pure.
 */
import { git, type State } from '../llb/index.js';

export interface GitRef {
  remote: string;
  ref?: string;
  subdir?: string;
  keepGitDir?: boolean;
}

export class GitRefError extends Error {}

const GIT_SCHEMES = new Set(['http', 'https', 'ssh', 'git']);
const SCP_STYLE = /^[a-zA-Z0-9-_]+@[a-zA-Z0-9-.]+:/;

/**
 * A git reference, or undefined when `ref` is not one (a local path, a plain https URL without
 * `.git`, an unknown scheme). Throws for a git URL with a query this frontend cannot honour.
 */
export function parseGitRef(ref: string): GitRef | undefined {
  if (ref.startsWith('./') || ref.startsWith('../')) return undefined;
  if (!ref.startsWith('github.com/')) {
    const proto = /^([a-zA-Z0-9]+):\/\//.exec(ref);
    if (proto) {
      const scheme = proto[1]!.toLowerCase();
      if (!GIT_SCHEMES.has(scheme)) return undefined;
      if (scheme === 'http' || scheme === 'https') {
        const path = ref.slice(proto[0].length).replace(/[?#].*$/s, '');
        if (!path.includes('/') || !path.endsWith('.git')) return undefined;
      }
    } else if (!SCP_STYLE.test(ref)) return undefined;
  }
  const hash = ref.indexOf('#');
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  let remote = hash < 0 ? ref : ref.slice(0, hash);
  const q = remote.indexOf('?');
  const query = q < 0 ? '' : remote.slice(q + 1);
  if (q >= 0) remote = remote.slice(0, q);
  const out: GitRef = { remote };
  if (fragment) {
    const colon = fragment.indexOf(':');
    const r = colon < 0 ? fragment : fragment.slice(0, colon);
    const subdir = colon < 0 ? '' : cleanSubdir(fragment.slice(colon + 1));
    if (r) out.ref = r;
    if (subdir) out.subdir = subdir;
  }
  if (query) applyQuery(out, query);
  return out;
}

function cleanSubdir(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/** The query form (`?ref=…&subdir=…`) for the keys that map onto LLB git options. */
function applyQuery(out: GitRef, query: string): void {
  const params = new URLSearchParams(query);
  let tag = '';
  let branch = '';
  for (const k of new Set(params.keys())) {
    const values = params.getAll(k);
    if (values.length > 1) throw new GitRefError(`query "${k}" has multiple values`);
    const v = values[0] ?? '';
    if (v === '' && k !== 'keep-git-dir') throw new GitRefError(`query "${k}" has no value`);
    switch (k) {
      case 'ref':
        if (out.ref && out.ref !== v) throw new GitRefError(`ref conflicts: "${out.ref}" vs "${v}"`);
        out.ref = v;
        break;
      case 'tag':
        tag = v;
        break;
      case 'branch':
        branch = v;
        break;
      case 'subdir': {
        const s = cleanSubdir(v);
        if (out.subdir && out.subdir !== s) throw new GitRefError(`subdir conflicts: "${out.subdir}" vs "${s}"`);
        out.subdir = s;
        break;
      }
      case 'keep-git-dir':
        if (v !== '' && !/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(v)) throw new GitRefError(`invalid keep-git-dir value: "${v}"`);
        out.keepGitDir = v === '' || /^(1|t|T|TRUE|true|True)$/.test(v);
        break;
      default:
        throw new GitRefError(`git query "${k}" is not supported by this frontend`);
    }
  }
  const prefixed = (v: string, p: string) => (v.startsWith(p) ? v : p + v);
  if (tag) {
    const t = prefixed(tag, 'refs/tags/');
    if (out.ref && out.ref !== t) throw new GitRefError(`ref conflicts: "${out.ref}" vs "${t}"`);
    out.ref = t;
  }
  if (branch) {
    if (tag) throw new GitRefError('branch conflicts with tag');
    const b = prefixed(branch, 'refs/heads/');
    if (out.ref && out.ref !== b) throw new GitRefError(`ref conflicts: "${out.ref}" vs "${b}"`);
    out.ref = b;
  }
}

/** DetectGitContext: the checkout of a git reference, or undefined when it is not one. */
export function gitContext(ref: string, keepGitDir?: boolean): State | undefined {
  const g = parseGitRef(ref);
  if (!g) return undefined;
  return git(g.remote, {
    ref: g.ref,
    subdir: g.subdir,
    keepGitDir: g.keepGitDir || keepGitDir || undefined,
    customName: `[internal] load git source ${ref}`,
  });
}
