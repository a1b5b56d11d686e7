import { describe, expect, it } from 'vitest';
import type * as pb from '../pb/index.js';
import type { ExecOptions } from './exec.js';
import { decodeDefinition, marshal } from './marshal.js';
import { image, local } from './source.js';
import { scratch, type State } from './state.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const base = image('alpine:3.20', { platform: amd64 });
const ctx = local('context', { sessionId: 's1' });
const IMAGE = 'sha256:52ad980af60eade03cf05fce2206c19483941c8d9a53f43a293199ac3344a235';
const CTX = 'sha256:fbe4a890a9f14cd426139404ab1f7902056af26ba467ec9398d37c20459edb79';
const sh = (cmd: string): ExecOptions => ({ args: ['/bin/sh', '-c', cmd], env: ['PATH=/usr/bin:/bin'], cwd: '/' });

/** The last real op of the marshalled State (the one before the terminal op). */
function lastOp(s: State, caps?: ReadonlySet<string>) {
  const ops = decodeDefinition(marshal(s, { caps }));
  return ops[ops.length - 2];
}

describe('exec', () => {
  const build = base.run({
    args: ['/bin/sh', '-c', 'go build -o /out/app .'],
    env: ['PATH=/usr/local/go/bin:/usr/bin:/bin', 'CGO_ENABLED=0'],
    cwd: '/src',
    mounts: [
      { type: 'bind', dest: '/src', source: ctx, readonly: true },
      { type: 'cache', dest: '/root/.cache/go-build', id: 'gobuild', sharing: 'locked' },
      { type: 'bind', dest: '/out', source: scratch() },
      { type: 'tmpfs', dest: '/tmp', size: 64 << 20 },
      { type: 'secret', dest: '/run/secrets/npmrc', id: 'npmrc' },
    ],
  });

  it('sorts mounts by dest, numbers outputs, puts secrets last; pinned digest', () => {
    const { op, digest, metadata } = lastOp(build.mount('/out'));
    expect(op.inputs).toEqual([{ digest: IMAGE }, { digest: CTX }]);
    expect(op.platform).toEqual({ Architecture: 'amd64', OS: 'linux' });
    expect(op.exec?.mounts).toEqual<pb.Mount[]>([
      { dest: '/' },
      { input: -1, dest: '/out', output: 1 },
      { input: -1, dest: '/root/.cache/go-build', output: -1, mountType: 3, cacheOpt: { ID: 'gobuild', sharing: 2 } },
      { input: 1, dest: '/src', output: -1, readonly: true },
      { input: -1, dest: '/tmp', output: -1, mountType: 4, TmpfsOpt: { size: 64 << 20 } },
      { input: -1, dest: '/run/secrets/npmrc', mountType: 1, secretOpt: { ID: 'npmrc', mode: 0o400 } },
    ]);
    expect(op.exec?.meta).toEqual({
      args: ['/bin/sh', '-c', 'go build -o /out/app .'],
      env: ['PATH=/usr/local/go/bin:/usr/bin:/bin', 'CGO_ENABLED=0'],
      cwd: '/src',
      removeMountStubsRecursive: true,
    });
    expect(digest).toBe('sha256:ed6bcd7df3746dfc8af7c1beebb3adaca41f71319c98b2aa9b9c7dd8ea5c7fef');
    expect(Object.keys(metadata?.caps ?? {})).toEqual([
      'exec.meta.base',
      'exec.mount.bind',
      'exec.mount.cache',
      'exec.mount.cache.sharing',
      'exec.mount.secret',
      'exec.mount.tmpfs',
      'exec.mount.tmpfs.size',
    ]);
  });

  it('exposes the root as output 0 and writable binds by their output index', () => {
    const def = marshal(build.mount('/out'));
    const ops = decodeDefinition(def);
    expect(ops[ops.length - 1].op.inputs).toEqual([{ digest: ops[ops.length - 2].digest, index: 1 }]);
    expect(build.root().output()?.index).toBe(0);
    expect(build.mount('/src')).toBe(ctx); // readonly: the source itself
    expect(() => build.mount('/tmp')).toThrow('tmpfs mount at /tmp has no output');
    expect(() => build.mount('/root/.cache/go-build')).toThrow('cache mount at /root/.cache/go-build has no output');
    expect(() => build.mount('/nope')).toThrow('no mount at /nope');
  });

  it('reuses one input slot for an output mounted twice', () => {
    const { op } = lastOp(
      base.run({
        ...sh('x'),
        mounts: [
          { type: 'bind', dest: '/b', source: ctx },
          { type: 'bind', dest: '/a', source: ctx, selector: 'sub', readonly: true },
          { type: 'bind', dest: '/c', source: base, output: false },
        ],
      }).root(),
    );
    expect(op.inputs).toEqual([{ digest: IMAGE }, { digest: CTX }]);
    expect(op.exec?.mounts).toEqual([
      { dest: '/' },
      { input: 1, selector: 'sub', dest: '/a', output: -1, readonly: true },
      { input: 1, dest: '/b', output: 1 },
      { dest: '/c', output: -1 },
    ]);
  });

  it('declares caps for the features it uses', () => {
    const { metadata, op } = lastOp(
      base.run(
        {
          ...sh('x'),
          network: 'host',
          security: 'insecure',
          ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
          cgroupParent: 'ci',
          proxyEnv: { httpProxy: 'http://proxy:3128' },
          validExitCodes: [0, 3],
          secretEnv: [{ id: 'tok', name: 'TOKEN', optional: true }],
          extraHosts: [{ host: 'db', ip: '10.0.0.2' }],
          hostname: 'builder',
          user: 'app',
          mounts: [
            { type: 'bind', dest: '/c', source: ctx, output: false, selector: 'x' },
            { type: 'cache', dest: '/cache', id: 'c', source: ctx },
            { type: 'tmpfs', dest: '/tmp' },
            { type: 'ssh', dest: '/run/ssh', id: 'default' },
          ],
        },
        { customName: 'RUN x' },
      ).root(),
    );
    expect(Object.keys(metadata?.caps ?? {})).toEqual([
      'exec.meta.base',
      'exec.meta.cgroup.parent',
      'exec.meta.network',
      'exec.meta.proxyenv',
      'exec.meta.security',
      'exec.meta.ulimit',
      'exec.mount.bind',
      'exec.mount.bind.readwrite-nooutput',
      'exec.mount.cache',
      'exec.mount.cache.sharing',
      'exec.mount.secret',
      'exec.mount.selector',
      'exec.mount.ssh',
      'exec.mount.tmpfs',
      'exec.secretenv',
      'exec.validexitcode',
    ]);
    expect(op.exec?.network).toBe(1);
    expect(op.exec?.security).toBe(1);
    expect(op.exec?.secretenv).toEqual([{ ID: 'tok', name: 'TOKEN', optional: true }]);
    expect(op.exec?.meta).toMatchObject({
      user: 'app',
      hostname: 'builder',
      cgroupParent: 'ci',
      extraHosts: [{ Host: 'db', IP: '10.0.0.2' }],
      ulimit: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      proxy_env: { http_proxy: 'http://proxy:3128' },
      validExitCodes: [0, 3],
      env: ['PATH=/usr/bin:/bin', 'SSH_AUTH_SOCK=/run/ssh'],
    });
    expect(op.exec?.mounts?.at(-1)).toEqual({ input: -1, dest: '/run/ssh', mountType: 2, SSHOpt: { ID: 'default', mode: 0o600 } });
    expect(op.exec?.mounts?.find((m) => m.dest === '/tmp')).toEqual({ input: -1, dest: '/tmp', output: -1, mountType: 4, TmpfsOpt: {} });
  });

  it('runs on the platform of its base unless given one', () => {
    const arm = { os: 'linux', architecture: 'arm64' };
    expect(lastOp(base.run(sh('x')).root()).op.platform).toEqual({ Architecture: 'amd64', OS: 'linux' });
    const r = base.run({ ...sh('x'), platform: arm });
    expect(lastOp(r.root()).op.platform).toEqual({ Architecture: 'arm64', OS: 'linux' });
    expect(r.root().getPlatform()).toEqual(arm);
    expect(base.run(sh('x')).root().getPlatform()).toEqual(amd64);
  });

  it("mirrors Go's default PATH handling when the daemon's caps are known", () => {
    const noPath = base.run({ args: ['true'], env: ['A=1'], cwd: '/' }).root();
    expect(lastOp(noPath).op.exec?.meta?.env).toEqual(['A=1']);
    const caps = ['exec.meta.base', 'exec.mount.bind', 'source.image', 'constraints', 'platform'];
    expect(lastOp(noPath, new Set(caps)).op.exec?.meta?.env).toEqual(['A=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    const withCap = lastOp(noPath, new Set([...caps, 'exec.meta.setsdefaultpath']));
    expect(withCap.op.exec?.meta?.env).toEqual(['A=1']);
    expect(withCap.metadata?.caps?.['exec.meta.setsdefaultpath']).toBe(true);
  });

  it('requires args and a working directory', () => {
    expect(() => base.run({ args: [], env: [], cwd: '/' })).toThrow('arguments are required');
    expect(() => base.run({ args: ['x'], env: [], cwd: '' })).toThrow('working directory is required');
  });

  it('declares exec.mount.bind for a root with a source, as Go does', () => {
    expect(lastOp(base.run(sh('x')).root()).metadata?.caps).toEqual({ 'exec.meta.base': true, 'exec.mount.bind': true });
    expect(lastOp(scratch().run(sh('x')).root()).metadata?.caps).toEqual({ 'exec.meta.base': true });
  });

  it('runs on scratch with an empty root input', () => {
    const { op } = lastOp(scratch().run({ args: ['/x'], env: [], cwd: '/', mounts: [{ type: 'bind', dest: '/bin', source: base, readonly: true }] }).root());
    expect(op.inputs).toEqual([{ digest: IMAGE }]);
    expect(op.exec?.mounts).toEqual([{ input: -1, dest: '/' }, { dest: '/bin', output: -1, readonly: true }]);
  });

  it('sorts mount dests bytewise, as Go compares strings', () => {
    const { op } = lastOp(
      base.run({ ...sh('x'), mounts: [{ type: 'tmpfs', dest: '/\u{1F600}' }, { type: 'tmpfs', dest: '/\uFFFD' }, { type: 'tmpfs', dest: '/Z' }, { type: 'tmpfs', dest: '/a' }] }).root(),
    );
    expect(op.exec?.mounts?.map((m) => m.dest)).toEqual(['/', '/Z', '/a', '/\uFFFD', '/\u{1F600}']);
  });
});
