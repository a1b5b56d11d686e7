// Frontend options and daemon caps through the gateway harness: each option is followed into the
// solves and LLB the frontend sends, and what the daemon lacks is refused or skipped as BuildKit's
// Dockerfile frontend does.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FRONTEND_CAPS } from '../src/convert/requests.js';
import { harnessCapsDockerd2010 } from './harness/index.js';
import { BUSYBOX, buildSolve, execs, failure, Fixture } from './protocol-helpers.js';

const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());

const RUNS = 'FROM busybox AS build\nRUN echo build\nFROM busybox\nCOPY --from=build /x /x\nRUN echo final\n';

describe('options reach the LLB', () => {
  test('cache-imports and cache-from go with every build solve, not with the loads of the Dockerfile', async () => {
    const dir = fx.dir({ Dockerfile: RUNS });
    const r = await fx.run(dir, {
      platform: 'linux/amd64,linux/386',
      'cache-imports': JSON.stringify([{ Type: 'local', Attrs: { src: '/cache' } }]),
      'cache-from': 'example/cache:1',
    }, { images: { [BUSYBOX]: { config: { os: 'linux', architecture: 'amd64', config: {} } } } });
    const expected = [{ type: 'local', attrs: { src: '/cache' } }, { type: 'registry', attrs: { ref: 'example/cache:1' } }];
    const builds = r.solves.filter((s) => s.ops.some((o) => o.op.exec));
    expect(builds).toHaveLength(2);
    for (const s of builds) expect(s.cacheImports).toEqual(expected);
    for (const s of r.solves.filter((x) => !x.ops.some((o) => o.op.exec))) expect(s.cacheImports).toEqual([]);
  });

  test('image-resolve-mode goes to ResolveImageConfig and to the image source', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nRUN true\n' });
    const pulled = await fx.run(dir, { 'image-resolve-mode': 'pull' });
    expect(pulled.resolves.map((x) => x.resolveMode)).toEqual(['pull']);
    const src = buildSolve(pulled).ops.find((o) => o.op.source)!;
    expect(src.op.source!.attrs).toEqual({ 'image.resolvemode': 'pull' });
    expect(buildSolve(pulled).definition.metadata![src.digest]!.caps).toMatchObject({ 'source.image.resolvemode': true });
    const local = await fx.run(dir, { 'image-resolve-mode': 'local' });
    expect(local.resolves.map((x) => x.resolveMode)).toEqual(['local']);
    expect(buildSolve(local).ops.find((o) => o.op.source)!.op.source!.attrs).toEqual({ 'image.resolvemode': 'local' });
    const plain = await fx.run(dir, {});
    expect(plain.resolves.map((x) => x.resolveMode)).toEqual(['default']);
    expect(buildSolve(plain).ops.find((o) => o.op.source)!.op.source!.attrs).toBeUndefined();
  });

  test('add-hosts, hostname (the build arg wins), force-network-mode on every RUN', async () => {
    const dir = fx.dir({ Dockerfile: RUNS });
    const r = await fx.run(dir, {
      'add-hosts': 'myhost=10.1.2.3,other=10.0.0.1',
      hostname: 'opt-host',
      'build-arg:BUILDKIT_SANDBOX_HOSTNAME': 'arg-host',
      'force-network-mode': 'none',
    });
    const ex = execs(buildSolve(r));
    expect(ex).toHaveLength(2);
    for (const e of ex) {
      expect(e.meta!.extraHosts).toEqual([{ Host: 'myhost', IP: '10.1.2.3' }, { Host: 'other', IP: '10.0.0.1' }]);
      expect(e.meta!.hostname).toBe('arg-host');
      expect(e.network).toBe(2); // NONE
    }
  });

  test('shm-size and ulimit where the daemon has exec.mount.tmpfs.size and exec.meta.ulimit', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nRUN true\n' });
    const r = await fx.run(dir, { 'shm-size': '67108864', ulimit: 'nofile=1024:2048' }, {
      llbCaps: [...harnessCapsDockerd2010.llb, 'exec.mount.tmpfs.size', 'exec.meta.ulimit'],
    });
    const [e] = execs(buildSolve(r));
    expect(e!.mounts!.find((m) => m.dest === '/dev/shm')).toMatchObject({ mountType: 4, TmpfsOpt: { size: 67108864 } });
    expect(e!.meta!.ulimit).toEqual([{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  });

  test('no-cache: all stages, or the named ones', async () => {
    const dir = fx.dir({ Dockerfile: RUNS });
    const ignored = (r: Awaited<ReturnType<typeof fx.run>>) => {
      const s = buildSolve(r);
      return s.ops.filter((o) => o.op.exec).map((o) => [o.op.exec!.meta!.args!.at(-1), !!s.definition.metadata![o.digest]!.ignore_cache]);
    };
    expect(ignored(await fx.run(dir, { 'no-cache': '' }))).toEqual([['echo build', true], ['echo final', true]]);
    expect(ignored(await fx.run(dir, { 'no-cache': 'Build' }))).toEqual([['echo build', true], ['echo final', false]]);
    expect(ignored(await fx.run(dir, {}))).toEqual([['echo build', false], ['echo final', false]]);
  });
});

describe('caps', () => {
  const LINT = 'FROM busybox as build\nRUN true\n';

  test('lint warnings go through Warn only when the daemon has gateway.warnings', async () => {
    const dir = fx.dir({ Dockerfile: LINT });
    const without = await fx.run(dir, {});
    expect(without.calls).not.toContain('Warn');
    expect(without.returned?.error).toBeUndefined();
    const withCap = await fx.run(dir, {}, { frontendCaps: [...harnessCapsDockerd2010.frontend, 'gateway.warnings'] });
    expect(withCap.warnings).toEqual([
      {
        digest: expect.stringMatching(/^sha256:/),
        level: 1,
        short: "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
        detail: ["The 'as' keyword should match the case of the 'from' keyword"],
        url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
        filename: 'Dockerfile',
        ranges: [{ start: { line: 1, character: 0 }, end: { line: 1, character: 21 } }],
      },
    ]);
  });

  test('an LLB feature the daemon lacks is Unknown (as a BuildKit CapError), located at its instruction', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nCOPY --exclude=*.md . /app\n' });
    const e = failure(await fx.run(dir, {}));
    expect(e.codeName).toBe('Unknown');
    const src = e.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))!.json as { ranges: { start: { line: number } }[] };
    expect(src.ranges[0]!.start.line).toBe(2);
  });

  test('the image label declares exactly the frontend caps implemented', () => {
    const text = fs.readFileSync(path.resolve(__dirname, '../Dockerfile'), 'utf8');
    const m = /moby\.buildkit\.frontend\.caps="([^"]*)"/.exec(text);
    expect(m?.[1]?.split(',')).toEqual([...FRONTEND_CAPS]);
  });
});
