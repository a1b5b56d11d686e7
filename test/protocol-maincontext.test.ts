// Where the Dockerfile and the main context come from, through the gateway harness: the client's
// locals narrowed to the paths the build reads, frontend inputs, dockerfilekey, contextsubdir,
// git and http contexts, and the ignore file next to the Dockerfile.
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { git, local, marshal } from '../src/llb/index.js';
import type { HarnessSolve } from './harness/index.js';
import { buildSolve, failure, Fixture, meta, nameOf, sources } from './protocol-helpers.js';

const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());

function contextAttrs(s: HarnessSolve) {
  const ctx = sources(s, 'local://context');
  expect(ctx).toHaveLength(1);
  return ctx[0]!.attrs ?? {};
}

describe('the local context is narrowed to what the build reads (local.followpaths)', () => {
  test('COPY and ADD sources, bind mount sources; not URLs, not --from, not cache mounts', async () => {
    const dir = fx.dir({
      Dockerfile: [
        'FROM busybox AS other',
        'COPY unused.txt /',
        'FROM busybox',
        'ARG D=src',
        'COPY $D/ /app/',
        'COPY --from=other /unused.txt /',
        'ADD a.txt https://example.com/x.txt /',
        'RUN --mount=type=bind,source=./tools/../tools,target=/t --mount=type=cache,target=/c true',
        '',
      ].join('\n'),
      '.dockerignore': '*.md\n',
    });
    const r = await fx.run(dir, { target: '' });
    const attrs = contextAttrs(buildSolve(r));
    expect(attrs['local.followpaths']).toBe('["a.txt","src","tools","unused.txt"]');
    expect(attrs['local.excludepatterns']).toBe('["*.md"]');
    expect(attrs['local.sharedkeyhint']).toBe('context');
  });

  test('a stage the target does not reach adds nothing', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox AS unused\nCOPY big /\nFROM busybox\nCOPY small /\n' });
    const r = await fx.run(dir, {});
    expect(contextAttrs(buildSolve(r))['local.followpaths']).toBe('["small"]');
  });

  test('the whole context (COPY ., a bind mount without source, a tmpfs mount as BuildKit counts it) is not narrowed', async () => {
    for (const line of ['COPY . /app', 'RUN --mount=target=/src true', 'RUN --mount=type=tmpfs,target=/t true']) {
      const dir = fx.dir({ Dockerfile: `FROM busybox\nCOPY a /a\n${line}\n` });
      const r = await fx.run(dir, {});
      const s = buildSolve(r);
      const ctx = sources(s, 'local://context');
      for (const c of ctx) expect(c.attrs?.['local.followpaths'], line).toBeUndefined();
    }
  });

  test('the ignore file next to the Dockerfile wins over the context one', async () => {
    const dir = fx.dir({
      'sub/app.Dockerfile': 'FROM busybox\nCOPY . /\n',
      'sub/app.Dockerfile.dockerignore': '*.log\n',
      '.dockerignore': '*.md\n',
    });
    const r = await fx.run(dir, { filename: 'sub/app.Dockerfile' });
    expect(contextAttrs(buildSolve(r))['local.excludepatterns']).toBe('["*.log"]');
    const df = r.solves[0]!.ops[0]!.op.source!;
    expect(df.attrs).toMatchObject({
      'local.followpaths': '["sub/app.Dockerfile","sub/app.Dockerfile.dockerignore"]',
      'local.sharedkeyhint': 'dockerfile',
      'local.differ': 'none',
    });
  });
});

describe('frontend inputs', () => {
  test('input dockerfile and context replace the locals; the context is used as given', async () => {
    const remote = fx.dir({ Dockerfile: 'FROM busybox\nCOPY app /app\n', 'Dockerfile.dockerignore': 'x\n' });
    const ctx = marshal(git('https://github.com/example/app.git', { ref: 'main' }));
    const r = await fx.run(fx.dir({}), {}, { inputs: { dockerfile: marshal(local('remote-df')), context: ctx }, locals: { 'remote-df': remote } });
    expect(r.returned?.error).toBeUndefined();
    expect(r.solves.flatMap((s) => sources(s, 'local://context'))).toEqual([]);
    expect(r.solves.flatMap((s) => sources(s, 'local://dockerfile'))).toEqual([]);
    const s = buildSolve(r);
    expect(s.definition.def!.some((b) => Buffer.from(b).equals(Buffer.from(ctx.def![0]!)))).toBe(true);
  });

  test('dockerfilekey reads the Dockerfile from that local even when an input has one', async () => {
    const mine = fx.dir({ Dockerfile: 'FROM busybox\nLABEL from=local\n' });
    const theirs = fx.dir({ Dockerfile: 'FROM busybox\nLABEL from=input\n' });
    const r = await fx.run(fx.dir({}), { dockerfilekey: 'dockerfile2' }, {
      inputs: { dockerfile: marshal(local('remote-df')) },
      locals: { dockerfile2: mine, 'remote-df': theirs },
    });
    expect(JSON.parse(meta(r, 'containerimage.config')).config.Labels).toEqual({ from: 'local' });
    expect(r.solves[0]!.ops[0]!.op.source).toMatchObject({ identifier: 'local://dockerfile2', attrs: { 'local.sharedkeyhint': 'dockerfile2' } });
  });

  test('contextsubdir scopes an input context to a directory', async () => {
    const ctx = marshal(git('https://github.com/example/app.git'));
    const r = await fx.run(fx.dir({ Dockerfile: 'FROM busybox\nCOPY . /app\n' }), { contextsubdir: 'sub/dir' }, { inputs: { context: ctx } });
    const s = buildSolve(r);
    const scoped = s.ops.find((o) => o.op.file?.actions?.[0]?.copy?.src === '/sub/dir')!;
    expect(scoped.op.file!.actions![0]!.copy).toMatchObject({ dest: '/', dirCopyContents: true });
  });

  test('without the frontend.inputs cap Inputs is not called', async () => {
    const { harnessCapsDockerd2010 } = await import('./harness/index.js');
    const caps = harnessCapsDockerd2010.frontend.filter((c) => c !== 'frontend.inputs');
    const r = await fx.run(fx.dir({ Dockerfile: 'FROM busybox\n' }), {}, { frontendCaps: caps });
    expect(r.calls).not.toContain('Inputs');
    expect(r.returned?.error).toBeUndefined();
  });
});

describe('remote contexts', () => {
  test('a git URL in `context`: Dockerfile and context come from the checkout', async () => {
    const checkout = fx.dir({ Dockerfile: 'FROM busybox\nCOPY . /src\n' });
    const url = 'https://github.com/example/app.git#main';
    const r = await fx.run(fx.dir({}), { context: url }, {
      onSolve: (s) => (s.ops.some((o) => o.op.source?.identifier?.startsWith('git://')) && !s.ops.some((o) => o.op.file) ? { dir: checkout } : undefined),
    });
    expect(r.returned?.error).toBeUndefined();
    const first = r.solves[0]!;
    expect(first.ops[0]!.op.source!.identifier).toBe('git://github.com/example/app.git#main');
    expect(nameOf(first, first.ops[0]!.digest)).toBe(`[internal] load git source ${url}`);
    expect(r.solves.flatMap((s) => sources(s, 'local://'))).toEqual([]);
    expect(sources(buildSolve(r), 'git://')).toHaveLength(1);
  });

  test('contextkey names the option that holds the URL', async () => {
    const checkout = fx.dir({ Dockerfile: 'FROM busybox\n' });
    const r = await fx.run(fx.dir({}), { contextkey: 'remote', remote: 'git@github.com:example/app.git' }, {
      onSolve: (s) => (s.ops.some((o) => o.op.source?.identifier?.startsWith('git://')) ? { dir: checkout } : undefined),
    });
    expect(r.returned?.error).toBeUndefined();
    expect(r.solves[0]!.ops[0]!.op.source!.identifier).toBe('git://github.com/example/app.git');
  });

  test('an http URL to a plain file: that file is the Dockerfile', async () => {
    const download = fx.dir({ context: 'FROM busybox\nLABEL via=http\n' });
    const r = await fx.run(fx.dir({}), { context: 'https://example.com/Dockerfile' }, {
      onSolve: (s) => (s.ops[0]?.op.source?.identifier === 'https://example.com/Dockerfile' ? { dir: download } : undefined),
    });
    expect(JSON.parse(meta(r, 'containerimage.config')).config.Labels).toEqual({ via: 'http' });
    const first = r.solves[0]!;
    expect(first.ops[0]!.op.source!.attrs).toEqual({ 'http.filename': 'context' });
    expect(nameOf(first, first.ops[0]!.digest)).toBe('[internal] load remote build context');
  });

  test('an http URL to an archive: unpacked into the context, the Dockerfile read from it', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'Dockerfile' }, 'FROM busybox\nLABEL via=tar\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const download = fx.dir({ context: Buffer.concat(chunks) });
    const unpacked = fx.dir({ Dockerfile: 'FROM busybox\nLABEL via=tar\n' });
    const r = await fx.run(fx.dir({}), { context: 'https://example.com/ctx.tar' }, {
      onSolve: (s) => {
        if (s.ops.some((o) => o.op.file?.actions?.[0]?.copy?.attemptUnpackDockerCompatibility)) return { dir: unpacked };
        return s.ops[0]?.op.source?.identifier === 'https://example.com/ctx.tar' ? { dir: download } : undefined;
      },
    });
    expect(JSON.parse(meta(r, 'containerimage.config')).config.Labels).toEqual({ via: 'tar' });
    const unpack = r.solves[1]!.ops.find((o) => o.op.file)!.op.file!.actions![0]!.copy!;
    expect(unpack).toMatchObject({ src: '/context', dest: '/', attemptUnpackDockerCompatibility: true });
  });

  test('a missing Dockerfile in the context is the read error', async () => {
    const r = await fx.run(fx.dir({}), {});
    expect(failure(r).message).toBe('failed to read dockerfile: open Dockerfile: no such file or directory');
  });
});
