/**
 * What dockerd 20.10 (embedded BuildKit v0.8.x) answers to Ping, the harness's default daemon.
 *
 * Gateway caps: the 17 IDs dockerd 20.10 returned (doc §7, verified). LLB caps: every cap
 * registered in BuildKit v0.8.3 `solver/pb/caps.go` (42, all Enabled; the doc verified dockerd
 * returned 42). Ping lists them sorted by ID (`CapList.All`); `solve.inlinereturn` is the one
 * deprecated cap.
 */
export const harnessCapsDockerd2010 = {
  frontend: [
    'frontend.caps',
    'frontend.inputs',
    'gateway.exec',
    'gateway.solve.evaluate',
    'gateway.solve.metadata',
    'importcaches',
    'proto.refarray',
    'readdir',
    'readfile',
    'reference.output',
    'resolveimage',
    'resolveimage.resolvemode',
    'return',
    'returnmap',
    'solve.base',
    'solve.inlinereturn',
    'statfile',
  ],
  llb: [
    'constraints',
    'exec.cgroup',
    'exec.meta.base',
    'exec.meta.network',
    'exec.meta.proxyenv',
    'exec.meta.security',
    'exec.meta.security.devices.v1',
    'exec.meta.setsdefaultpath',
    'exec.mount.bind',
    'exec.mount.bind.readwrite-nooutput',
    'exec.mount.cache',
    'exec.mount.cache.sharing',
    'exec.mount.secret',
    'exec.mount.selector',
    'exec.mount.ssh',
    'exec.mount.tmpfs',
    'file.base',
    'file.rm.wildcard',
    'meta.description',
    'meta.exportcache',
    'meta.ignorecache',
    'platform',
    'soruce.http.uidgid',
    'source.buildop.llbfilename',
    'source.git',
    'source.git.fullurl',
    'source.git.httpauth',
    'source.git.keepgitdir',
    'source.git.knownsshhosts',
    'source.git.mountsshsock',
    'source.http',
    'source.http.checksum',
    'source.http.perm',
    'source.image',
    'source.image.resolvemode',
    'source.local',
    'source.local.excludepatterns',
    'source.local.followpaths',
    'source.local.includepatterns',
    'source.local.sessionid',
    'source.local.sharedkeyhint',
    'source.local.unique',
  ],
  /** Listed by Ping with Deprecated: true. */
  deprecated: ['solve.inlinereturn'],
} as const;

/** BUILDKIT_WORKERS exactly as dockerd 20.10 sent it on amd64 (doc §1.3, verified). */
export const dockerd2010WorkersJSON =
  '[{"ID":"moby","Labels":null,"Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"386","os":"linux"}],"GCPolicy":null}]';
