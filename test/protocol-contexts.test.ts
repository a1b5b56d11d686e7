// Named contexts (`context:<name>`) through the gateway harness: each kind of value BuildKit
// accepts, replacing images, stages and COPY --from / --mount from sources, with the solves,
// resolves and LLB the standard frontend would send.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { image, marshal } from '../src/llb/index.js';
import { harnessCapsDockerd2010 } from './harness/index.js';
import { BUSYBOX, buildSolve, busyboxConfig, execs, failure, Fixture, meta, nameOf, sources } from './protocol-helpers.js';

const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());

const BUSYBOX_136 = 'docker.io/library/busybox:1.36';
const images = {
  [BUSYBOX]: { config: busyboxConfig },
  [BUSYBOX_136]: { config: { ...busyboxConfig, config: { Env: ['PATH=/bin', 'VERSION=1.36'] } } },
};

describe('docker-image://', () => {
  test('FROM a name given as a context: the context image is resolved and used, unpinned', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM alpine\nRUN echo $VERSION\n' });
    const r = await fx.run(dir, { 'context:alpine': 'docker-image://busybox:1.36' }, { images });
    expect(r.resolves).toEqual([
      {
        ref: BUSYBOX_136,
        platform: { os: 'linux', architecture: 'amd64' },
        resolveMode: 'default',
        logName: '[context alpine] load metadata for busybox:1.36',
      },
    ]);
    const s = buildSolve(r);
    const src = s.ops.find((o) => o.op.source)!;
    expect(src.op.source).toEqual({ identifier: `docker-image://${BUSYBOX_136}` });
    expect(nameOf(s, src.digest)).toBe('[context alpine] busybox:1.36');
    expect(execs(s)[0]!.meta!.env).toContain('VERSION=1.36');
    expect(JSON.parse(meta(r, 'containerimage.config')).config.Env).toContain('VERSION=1.36');
  });

  test('the platform-specific name wins; docker-image://scratch is the empty filesystem', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM alpine\nCOPY a /a\n', a: 'x' });
    const r = await fx.run(dir, { 'context:alpine::linux/amd64': 'docker-image://scratch', 'context:alpine': 'docker-image://busybox' }, { images });
    expect(r.resolves).toEqual([]);
    expect(sources(buildSolve(r), 'docker-image://')).toEqual([]);
    expect(r.returned!.result!.ref).toBeDefined();
  });

  test('without a context, COPY --from=<image> resolves the image and copies from it', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nCOPY --from=busybox:1.36 /bin/sh /sh\n' });
    const r = await fx.run(dir, {}, { images });
    expect(r.resolves.map((x) => x.ref).sort()).toEqual([BUSYBOX_136, BUSYBOX]);
    expect(sources(buildSolve(r), 'docker-image://').map((x) => x.identifier).sort()).toEqual([`docker-image://${BUSYBOX_136}`, `docker-image://${BUSYBOX}`]);
  });

  test('a context for a name that is not used changes nothing', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nRUN true\n' });
    const r = await fx.run(dir, { 'context:other': 'docker-image://busybox:1.36' }, { images });
    expect(r.resolves.map((x) => x.ref)).toEqual([BUSYBOX]);
  });
});

describe('a context that replaces a stage', () => {
  const DOCKERFILE = ['FROM busybox AS deps', 'RUN echo never', 'FROM busybox', 'COPY --from=deps /lib.txt /lib.txt', 'RUN --mount=from=deps,target=/d cat /d/lib.txt', ''].join('\n');

  test('local:<name>: its own .dockerignore, the shared key, none of the stage instructions', async () => {
    const dir = fx.dir({ Dockerfile: DOCKERFILE });
    const deps = fx.dir({ 'lib.txt': 'lib', '.dockerignore': '# comment\nsecret\n' });
    const r = await fx.run(dir, { 'context:deps': 'local:depsdir', 'sharedkey:localdir:deps': 'abc' }, { images, locals: { depsdir: deps } });
    expect(r.returned?.error).toBeUndefined();
    const ignore = r.solves.find((s) => s.ops.some((o) => o.op.source?.identifier === 'local://depsdir'))!;
    expect(ignore.evaluate).toBe(true);
    expect(ignore.ops[0]!.op.source!.attrs).toMatchObject({
      'local.followpaths': '[".dockerignore"]',
      'local.sharedkeyhint': 'context:deps-.dockerignore',
      'local.differ': 'none',
    });
    expect(nameOf(ignore, ignore.ops[0]!.digest)).toBe('[context deps] load .dockerignore');
    const s = buildSolve(r);
    const local = s.ops.find((o) => o.op.source?.identifier === 'local://depsdir')!;
    expect(local.op.source!.attrs).toMatchObject({ 'local.excludepatterns': '["secret"]', 'local.sharedkeyhint': 'context:deps-abc' });
    expect(nameOf(s, local.digest)).toBe('[context deps] load from client');
    expect(execs(s).map((e) => e.meta!.args!.at(-1))).toEqual(['cat /d/lib.txt']);
    // the copy and the mount both read the local
    const copy = s.ops.find((o) => o.op.file)!;
    expect(copy.op.inputs!.map((i) => i.digest)).toContain(local.digest);
    const run = s.ops.find((o) => o.op.exec)!;
    expect(run.op.inputs!.map((i) => i.digest)).toContain(local.digest);
  });

  test('input:<name> with input-metadata: the definition is carried byte for byte, its config applies', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM base\nRUN echo $FROM_INPUT\n' });
    const input = marshal(image('busybox:1.36', { platform: { os: 'linux', architecture: 'amd64' }, customName: 'built by bake' }));
    const config = { os: 'linux', architecture: 'amd64', config: { Env: ['PATH=/bin', 'FROM_INPUT=yes'] }, rootfs: { type: 'layers', diff_ids: [] } };
    const r = await fx.run(
      dir,
      { 'context:base': 'input:base', 'input-metadata:base': JSON.stringify({ 'containerimage.config': Buffer.from(JSON.stringify(config)).toString('base64') }) },
      { images, inputs: { base: input } },
    );
    expect(r.calls).toContain('Inputs');
    expect(r.resolves).toEqual([]);
    const s = buildSolve(r);
    const inputSource = Buffer.from(input.def![0]!);
    expect(s.definition.def!.some((b) => Buffer.from(b).equals(inputSource))).toBe(true);
    expect(nameOf(s, s.ops[0]!.digest)).toBe('built by bake');
    expect(execs(s)[0]!.meta!.env).toContain('FROM_INPUT=yes');
  });

  test('input:<name> that the caller did not pass is a located error', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM base\nRUN true\n' });
    const r = await fx.run(dir, { 'context:base': 'input:nope' }, { images });
    const e = failure(r);
    expect(e.message).toBe('invalid input nope for base');
    expect((e.details[0]!.json as { ranges: { start: { line: number } }[] }).ranges[0]!.start.line).toBe(1);
  });
});

describe('oci-layout://', () => {
  const digest = 'sha256:' + 'c'.repeat(64);
  const DOCKERFILE = 'FROM busybox\nCOPY --from=base /x /x\n';

  test('on dockerd 20.10 (no source.ocilayout) it is refused: Unknown (as a BuildKit CapError), located at the COPY', async () => {
    const dir = fx.dir({ Dockerfile: DOCKERFILE });
    const r = await fx.run(dir, { 'context:base': `oci-layout://mystore@${digest}` }, { images });
    const e = failure(r);
    expect(e.codeName).toBe('Unknown');
    expect(e.message).toContain('"source.ocilayout"');
    expect(e.message).toContain('named context "base"');
    expect((e.details[0]!.json as { ranges: { start: { line: number } }[] }).ranges[0]!.start.line).toBe(2);
  });

  test('with the cap: resolved from the store by session, an oci-layout source', async () => {
    const dir = fx.dir({ Dockerfile: DOCKERFILE });
    const dummy = `docker.io/library/base@${digest}`;
    const r = await fx.run(
      dir,
      { 'context:base': `oci-layout://mystore:v1@${digest}` },
      {
        images: { ...images, [dummy]: { config: busyboxConfig } },
        llbCaps: [...harnessCapsDockerd2010.llb, 'source.ocilayout'],
        sessionId: 'sess-1',
      },
    );
    expect(r.resolves.find((x) => x.ref === dummy)).toEqual({
      ref: dummy,
      platform: { os: 'linux', architecture: 'amd64' },
      resolveMode: '',
      logName: `[context base] load metadata for ${dummy}`,
      resolverType: 1,
      sessionId: 'sess-1',
      storeId: 'mystore',
    });
    const s = buildSolve(r);
    const oci = s.ops.find((o) => o.op.source?.identifier?.startsWith('oci-layout://'))!;
    expect(oci.op.source).toEqual({ identifier: `oci-layout://${dummy}`, attrs: { 'oci.session': 'sess-1', 'oci.store': 'mystore' } });
    expect(oci.op.platform).toEqual({ OS: 'linux', Architecture: 'amd64' });
    expect(s.definition.metadata![oci.digest]!.caps).toEqual({ 'source.ocilayout': true });
  });
});

describe('git and https', () => {
  test('a git URL is a checkout; git@ without a scheme too', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nCOPY --from=src /README.md /\nCOPY --from=ssh /a /\n' });
    const r = await fx.run(
      dir,
      { 'context:src': 'https://github.com/moby/buildkit.git#v0.12.0', 'context:ssh': 'git@github.com:moby/buildkit.git' },
      { images },
    );
    const s = buildSolve(r);
    const gits = s.ops.filter((o) => o.op.source?.identifier?.startsWith('git://'));
    expect(gits.map((g) => g.op.source!.identifier).sort()).toEqual(['git://github.com/moby/buildkit.git', 'git://github.com/moby/buildkit.git#v0.12.0']);
    const tagged = gits.find((g) => g.op.source!.identifier!.endsWith('#v0.12.0'))!;
    expect(tagged.op.source!.attrs!['git.fullurl']).toBe('https://github.com/moby/buildkit.git');
    expect(nameOf(s, tagged.digest)).toBe('[internal] load git source https://github.com/moby/buildkit.git#v0.12.0');
    const ssh = gits.find((g) => g !== tagged)!;
    expect(ssh.op.source!.attrs!['git.fullurl']).toBe('git@github.com:moby/buildkit.git');
  });

  test('any other https URL is one downloaded file named context', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nCOPY --from=f /context /f\n' });
    const r = await fx.run(dir, { 'context:f': 'https://example.com/f.tar.gz' }, { images });
    const s = buildSolve(r);
    const h = s.ops.find((o) => o.op.source?.identifier === 'https://example.com/f.tar.gz')!;
    expect(h.op.source!.attrs).toEqual({ 'http.filename': 'context' });
    expect(nameOf(s, h.digest)).toBe('[context f] https://example.com/f.tar.gz');
  });
});

describe('bad values', () => {
  test.each([
    ['foo:bar', 'unsupported context source foo for x'],
    ['nocolon', 'invalid context specifier nocolon for x'],
  ])('%s', async (value, message) => {
    const dir = fx.dir({ Dockerfile: 'FROM x\n' });
    const r = await fx.run(dir, { 'context:x': value }, { images });
    expect(failure(r).message).toBe(message);
  });
});
