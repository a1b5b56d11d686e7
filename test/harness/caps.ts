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

/**
 * What BuildKit v0.13.2 (Docker 26's engine) answers to Ping: every cap its
 * `frontend/gateway/pb/caps.go` (24) and `solver/pb/caps.go` (63) register with Caps.Init, all
 * Enabled, none disabled at run time. `exec.meta.removemountstubs.recursive` is defined there
 * but never registered, so never listed.
 */
export const harnessCapsBuildkit013 = {
  frontend: [
    'frontend.caps',
    'frontend.inputs',
    'gateway.evaluate',
    'gateway.exec',
    'gateway.exec.extrahosts',
    'gateway.exec.secretenv',
    'gateway.exec.signals',
    'gateway.solve.evaluate',
    'gateway.solve.metadata',
    'gateway.warnings',
    'importcaches',
    'proto.refarray',
    'readdir',
    'readfile',
    'reference.attestations',
    'reference.output',
    'resolveimage',
    'resolveimage.resolvemode',
    'return',
    'returnmap',
    'solve.base',
    'solve.inlinereturn',
    'source.metaresolver',
    'statfile',
  ],
  llb: [
    'cache.azblob',
    'cache.gha',
    'cache.s3',
    'constraints',
    'diffop',
    'exec.cgroup',
    'exec.meta.base',
    'exec.meta.cgroup.parent',
    'exec.meta.network',
    'exec.meta.proxyenv',
    'exec.meta.security',
    'exec.meta.security.devices.v1',
    'exec.meta.setsdefaultpath',
    'exec.meta.ulimit',
    'exec.mount.bind',
    'exec.mount.bind.readwrite-nooutput',
    'exec.mount.cache',
    'exec.mount.cache.content',
    'exec.mount.cache.sharing',
    'exec.mount.secret',
    'exec.mount.selector',
    'exec.mount.ssh',
    'exec.mount.tmpfs',
    'exec.mount.tmpfs.size',
    'exec.secretenv',
    'exporter.image.annotations',
    'exporter.image.attestations',
    'exporter.multiple',
    'exporter.sourcedateepoch',
    'file.base',
    'file.copy.includeexcludepatterns',
    'file.rm.nofollowsymlink',
    'file.rm.wildcard',
    'mergeop',
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
    'source.git.subdir',
    'source.http',
    'source.http.checksum',
    'source.http.perm',
    'source.image',
    'source.image.layerlimit',
    'source.image.resolvemode',
    'source.local',
    'source.local.differ',
    'source.local.excludepatterns',
    'source.local.followpaths',
    'source.local.includepatterns',
    'source.local.sessionid',
    'source.local.sharedkeyhint',
    'source.local.unique',
    'source.ocilayout',
    'source.policy',
  ],
  deprecated: ['solve.inlinereturn'],
} as const;

/**
 * What BuildKit v0.26.0 answers to Ping (gateway 24, LLB 79 caps registered with Caps.Init).
 * Defined but never registered, so never listed: `exec.meta.removemountstubs.recursive` and
 * `file.copy.modestring` (the mode string itself is read from v0.17 on). Later releases (to
 * v0.32) only add caps.
 */
export const harnessCapsBuildkit026 = {
  frontend: harnessCapsBuildkit013.frontend,
  llb: [
    ...harnessCapsBuildkit013.llb,
    // registered after v0.13
    'exec.meta.cdi',
    'exec.validexitcode',
    'exporter.session',
    'file.copy.alwaysreplaceexistingdestpaths',
    'file.copy.requiredpaths',
    'file.symlink.create',
    'gc.freespacefilter',
    'history.filter',
    'source.git.checksum',
    'source.git.signatureverify',
    'source.git.skipsubmodules',
    'source.http.auth',
    'source.http.header',
    'source.image.checksum',
    'source.local.metadatatransfer',
    'source.policy.session',
  ].sort(),
  deprecated: harnessCapsBuildkit013.deprecated,
};

/** The Ping answers the harness can play, by BuildKit release, oldest first. */
export const harnessCapsByVersion = {
  'v0.8': harnessCapsDockerd2010,
  'v0.13': harnessCapsBuildkit013,
  'v0.26': harnessCapsBuildkit026,
} as const;

/** BUILDKIT_WORKERS exactly as dockerd 20.10 sent it on amd64 (doc §1.3, verified). */
export const dockerd2010WorkersJSON =
  '[{"ID":"moby","Labels":null,"Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"386","os":"linux"}],"GCPolicy":null}]';
