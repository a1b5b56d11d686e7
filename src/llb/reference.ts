/**
 * Docker image reference normalisation with the grammar and rules of Go's
 * distribution/reference: `ParseNormalizedNamed` followed by `TagNameOnly`, and `WithDigest`.
 *
 *   alpine                  → docker.io/library/alpine:latest
 *   foo/bar@sha256:<hex>    → docker.io/foo/bar@sha256:<hex>   (a digest keeps the tag out)
 *   localhost:5000/x:1      → localhost:5000/x:1
 *   local/wasm-frontend:dev → docker.io/local/wasm-frontend:dev
 */

/** A parsed, normalised reference. `domain` is never empty after normalisation. */
export interface ImageRef {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** An image reference that does not parse. `reason` is the text Go's parser would give. */
export class ImageRefError extends Error {
  readonly ref: string;
  readonly reason: string;
  constructor(ref: string, reason: string) {
    super(`failed to parse image reference "${ref}": ${reason}`);
    this.name = 'ImageRefError';
    this.ref = ref;
    this.reason = reason;
  }
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar of distribution/reference's regexp.go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRe = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRe = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredIdentifierRe = /^[a-f0-9]{64}$/;
const anchoredDigestRe = new RegExp(`^${digestPat}$`);

/** Hex lengths of the algorithms go-digest registers. */
const DIGEST_ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Parses and normalises like `reference.ParseNormalizedNamed`; no tag is added. */
export function parseImageRef(ref: string): ImageRef {
  if (anchoredIdentifierRe.test(ref)) {
    throw new ImageRefError(ref, `invalid repository name (${ref}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(ref);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw new ImageRefError(ref, `invalid reference format: repository name (${remote}) must be lowercase`);
  }
  const s = `${domain}/${remainder}`;
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === '') throw new ImageRefError(ref, 'repository name must have at least one component');
    if (referenceRe.test(s.toLowerCase())) throw new ImageRefError(ref, 'repository name must be lowercase');
    throw new ImageRefError(ref, 'invalid reference format');
  }
  const name = anchoredNameRe.exec(m[1]);
  const out: ImageRef = name ? { domain: name[1] ?? '', path: name[2] } : { domain: '', path: m[1] };
  if (out.path.length > NAME_TOTAL_LENGTH_MAX) {
    throw new ImageRefError(ref, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (m[2]) out.tag = m[2];
  if (m[3]) {
    const err = validateDigest(m[3]);
    if (err) throw new ImageRefError(ref, err);
    out.digest = m[3];
  }
  return out;
}

/** `docker.io/library/alpine:latest` for `alpine`: ParseNormalizedNamed + TagNameOnly. */
export function normalizeImageRef(ref: string): string {
  return formatImageRef(tagNameOnly(parseImageRef(ref)));
}

/** Adds the default tag when the reference has neither tag nor digest. */
export function tagNameOnly(r: ImageRef): ImageRef {
  return r.tag === undefined && r.digest === undefined ? { ...r, tag: DEFAULT_TAG } : r;
}

/** Pins a reference to a digest like `reference.WithDigest`: the tag stays, a digest is replaced. */
export function withDigest(r: ImageRef, digest: string): ImageRef {
  const err = anchoredDigestRe.test(digest) ? validateDigest(digest) : 'invalid digest format';
  if (err) throw new ImageRefError(`${formatImageRef(r)}@${digest}`, err);
  return { ...r, digest };
}

export function formatImageRef(r: ImageRef): string {
  let s = r.domain ? `${r.domain}/${r.path}` : r.path;
  if (r.tag !== undefined) s += `:${r.tag}`;
  if (r.digest !== undefined) s += `@${r.digest}`;
  return s;
}

/** go-digest's Validate, returning its error text or undefined. */
function validateDigest(d: string): string | undefined {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) return 'invalid checksum digest format';
  const alg = d.slice(0, i);
  const encoded = d.slice(i + 1);
  const size = DIGEST_ALGORITHMS[alg];
  if (size === undefined) {
    return anchoredDigestRe.test(d) ? 'unsupported digest algorithm' : 'invalid checksum digest format';
  }
  if (encoded.length !== size) return 'invalid checksum digest length';
  if (!/^[a-f0-9]+$/.test(encoded)) return 'invalid checksum digest format';
  return undefined;
}

function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === 'localhost') [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  else if (/[.:]/.test(maybeDomain)) [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remote] = [maybeDomain, maybeRemote];
  else [domain, remote] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) remote = OFFICIAL_REPO_PREFIX + remote;
  return [domain, remote];
}
