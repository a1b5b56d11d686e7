/**
 * LLB capabilities: the error for a cap the daemon lacks, and readable names for the caps this
 * builder declares. Ops declare caps per field used (see each op file); marshal checks them
 * against the caps the daemon advertised in Ping when those are given.
 */
import { LocatedError, type SourceRange } from '../util/located.js';

/** A feature the graph uses is not supported by the daemon. Located at the first op using it. */
export class CapabilityError extends LocatedError {
  readonly cap: string;
  /** Read by the gateway; the status code stays Unknown, as BuildKit's apicaps.CapError has none. */
  readonly unsupported = true;

  constructor(cap: string, locations: SourceRange[]) {
    super(`the daemon does not support ${capFeature(cap)} (missing LLB capability "${cap}")`, locations);
    this.name = 'CapabilityError';
    this.cap = cap;
  }

  /** The source ranges of the op that needs the cap (same as `ranges`). */
  get locations(): SourceRange[] {
    return this.ranges;
  }
}

const FEATURES: Record<string, string> = {
  'source.image': 'image sources',
  'source.image.resolvemode': 'forced pulls of images',
  'source.local': 'local sources',
  'source.local.sessionid': 'local sources bound to a session',
  'source.local.includepatterns': 'include patterns for local sources',
  'source.local.excludepatterns': 'exclude patterns for local sources',
  'source.local.followpaths': 'follow paths for local sources',
  'source.local.sharedkeyhint': 'shared key hints for local sources',
  'source.local.differ': 'choosing the differ of local sources',
  'source.git': 'git sources',
  'source.git.fullurl': 'full git URLs',
  'source.git.keepgitdir': 'keeping the .git directory of git sources',
  'source.git.subdir': 'subdirectories of git sources',
  'source.git.knownsshhosts': 'known SSH hosts for git sources',
  'source.git.mountsshsock': 'SSH agent sockets for git sources',
  'source.http': 'http sources',
  'source.http.checksum': 'checksums of http sources',
  'source.http.perm': 'permissions of http sources',
  'soruce.http.uidgid': 'ownership of http sources',
  'exec.meta.base': 'running processes',
  'exec.meta.network': 'network modes',
  'exec.meta.security': 'the insecure security mode',
  'exec.meta.proxyenv': 'proxy environment variables',
  'exec.meta.ulimit': 'ulimits',
  'exec.meta.cgroup.parent': 'parent cgroups',
  'exec.meta.setsdefaultpath': 'a default PATH set by the daemon',
  'exec.validexitcode': 'valid exit codes',
  'exec.secretenv': 'secrets as environment variables',
  'exec.mount.bind': 'bind mounts',
  'exec.mount.bind.readwrite-nooutput': 'read-write bind mounts without output',
  'exec.mount.selector': 'mount selectors',
  'exec.mount.cache': 'cache mounts',
  'exec.mount.cache.sharing': 'cache mount sharing modes',
  'exec.mount.tmpfs': 'tmpfs mounts',
  'exec.mount.tmpfs.size': 'tmpfs mount sizes',
  'exec.mount.secret': 'secret mounts',
  'exec.mount.ssh': 'ssh mounts',
  'file.base': 'file operations',
  'file.copy.includeexcludepatterns': 'include and exclude patterns for copies',
  'file.copy.alwaysreplaceexistingdestpaths': 'always replacing existing copy destinations',
  'file.symlink.create': 'creating symlinks',
  mergeop: 'merge operations',
  diffop: 'diff operations',
  constraints: 'worker constraints',
  platform: 'platforms',
  'meta.ignorecache': 'ignoring the cache for a step',
  'meta.description': 'step descriptions',
};

/** A readable name for a cap, for messages. */
export function capFeature(cap: string): string {
  return FEATURES[cap] ?? `the LLB feature "${cap}"`;
}
