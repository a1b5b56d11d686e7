import { describe, expect, it } from 'vitest';
import { diff } from './diff.js';
import { dump } from './dump.js';
import { FileAction } from './fileop.js';
import { marshal } from './marshal.js';
import { merge } from './merge.js';
import { git, http, image, local } from './source.js';
import { scratch } from './state.js';

const amd64 = { os: 'linux', architecture: 'amd64' };

function build() {
  const base = image('alpine:3.20', { platform: amd64, customName: '[base 1/1] FROM alpine:3.20' });
  const ctx = local('context', { sessionId: 's1', excludePatterns: ['*.md'], customName: 'load build context' });
  const run = base.run(
    {
      args: ['/bin/sh', '-c', 'make'],
      env: ['PATH=/usr/bin:/bin'],
      cwd: '/src',
      user: 'app',
      network: 'none',
      mounts: [
        { type: 'bind', dest: '/src', source: ctx, readonly: true },
        { type: 'cache', dest: '/root/.cache', id: 'go', sharing: 'locked' },
        { type: 'bind', dest: '/out', source: scratch() },
        { type: 'tmpfs', dest: '/tmp', size: 1048576 },
        { type: 'secret', dest: '/run/secrets/tok', id: 'tok', optional: true },
      ],
    },
    { customName: '[build 2/3] RUN make', ignoreCache: true },
  );
  const out = scratch().file(
    FileAction.mkdir('/app', 0o755, { makeParents: true, owner: { user: { id: 1000 }, group: { id: 1000 } } })
      .copy(run.mount('/out'), '/', '/app/', { mode: 0o755, dirCopyContents: true, createDestPath: true, timestamp: 0 })
      .mkfile('/app/VERSION', 0o644, '1.0\n')
      .symlink('app/VERSION', '/VERSION')
      .rm('/app/tmp', { allowNotFound: true }),
    { customName: '[build 3/3] COPY /out /app/' },
  );
  return merge([base, out, diff(base, run.root())]);
}

describe('dump', () => {
  it('prints one stable line per op, inputs by short digest and index', () => {
    const text = dump(marshal(build()));
    expect(text).toBe(dump(marshal(build())));
    expect(text.split('\n')).toEqual([
      '52ad980af60e source docker-image://docker.io/library/alpine:3.20 platform=linux/amd64 name="[base 1/1] FROM alpine:3.20"',
      'ef616ee9d18c source local://context local.excludepatterns="[\\"*.md\\"]" local.session="s1" name="load build context"',
      'da9f2968985f exec ["/bin/sh","-c","make"] env=["PATH=/usr/bin:/bin"] cwd="/src" user="app" network=none mounts=[/ bind from=in0 out=0, /out bind out=1, /root/.cache cache id="go" sharing=locked, /src bind from=in1 ro, /tmp tmpfs size=1048576, /run/secrets/tok secret id="tok" uid=0 gid=0 mode=0400 optional] platform=linux/amd64 inputs=[52ad980af60e:0 ef616ee9d18c:0] name="[build 2/3] RUN make" no-cache',
      'f838c7ecbe66 file [mkdir scratch:"/app" 0755 parents chown=#1000:#1000; copy in0:"/" -> a0:"/app/" mode=0755 contents mkdir-dest time=0; mkfile a1:"/app/VERSION" 0644 data="1.0\\n"; symlink a2:"/VERSION" -> "app/VERSION"; rm a3:"/app/tmp" allow-not-found out=0] inputs=[da9f2968985f:1] name="[build 3/3] COPY /out /app/"',
      '2417feae96f8 diff lower=in0 upper=in1 inputs=[52ad980af60e:0 da9f2968985f:0]',
      'd0c1a8e0273c merge in0 in1 in2 inputs=[52ad980af60e:0 f838c7ecbe66:0 2417feae96f8:0]',
      '962b50a55b12 result d0c1a8e0273c:0',
      '',
    ]);
  });

  it('prints git and http sources and a copy between op inputs', () => {
    const st = git('https://github.com/moby/buildkit.git', { ref: 'v0.11.6' }).file(FileAction.copy(http('https://example.com/a', { filename: 'a' }), 'a', '/a'));
    expect(dump(marshal(st)).split('\n')).toEqual([
      '1a9b2b51be20 source git://github.com/moby/buildkit.git#v0.11.6 git.authheadersecret="GIT_AUTH_HEADER" git.authtokensecret="GIT_AUTH_TOKEN" git.fullurl="https://github.com/moby/buildkit.git"',
      'ba1238267199 source https://example.com/a http.filename="a"',
      'fe905745a215 file [copy in1:"/a" -> in0:"/a" out=0] inputs=[1a9b2b51be20:0 ba1238267199:0]',
      'def7dd64be1c result fe905745a215:0',
      '',
    ]);
  });

  it('prints nothing for scratch', () => {
    expect(dump(marshal(scratch()))).toBe('');
  });
});
