// Subrequests through the gateway harness: what `buildx build --call outline|targets` and
// `frontend.subrequests.describe` receive from the real frontend, byte for byte in BuildKit's
// JSON and text shapes, and the refusal of requests and capabilities the frontend lacks.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { failure, Fixture, meta } from './protocol-helpers.js';

const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());

const DOCKERFILE = [
  '# syntax=local/wasm-frontend:dev', // 1
  '# BASE the image everything starts from', // 2
  'ARG BASE=busybox', // 3
  '# VERSION the version <to> build', // 4
  'ARG VERSION=1.0', // 5
  'ARG FLAVOR=${VERSION}-slim', // 6
  '', // 7
  '# base the shared base stage', // 8
  'FROM ${BASE}:${FLAVOR} AS base', // 9
  '# GOFLAGS flags for go', // 10
  'ARG GOFLAGS=-v', // 11
  '', // 12
  '# build compiles it', // 13
  'FROM base AS build', // 14
  'ARG TARGET_OS=linux PROFILE', // 15
  'RUN --mount=type=secret,id=npmrc,required=true \\', // 16
  '    --mount=type=ssh echo build', // 17
  '', // 18
  'FROM --platform=$BUILDPLATFORM busybox AS tools', // 19
  'RUN --mount=type=secret,id=unreached echo', // 20
  '', // 21
  'FROM scratch', // 22
  'COPY --from=build /x /x', // 23
  '',
].join('\n');

const line = (n: number, to = n) => {
  const ranges = [];
  for (let i = n; i <= to; i++) ranges.push({ start: { line: i }, end: { line: i } });
  return { ranges };
};

describe('frontend.outline', () => {
  test('args the target uses (globals only through FROM), secrets and ssh, with doc comments and lines', async () => {
    const dir = fx.dir({ Dockerfile: DOCKERFILE });
    const r = await fx.run(dir, { requestid: 'frontend.outline', 'build-arg:PROFILE': 'release' });
    expect(r.exitCode).toBe(0);
    const json = meta(r, 'result.json');
    expect(JSON.parse(json)).toEqual({
      args: [
        { name: 'BASE', description: 'the image everything starts from', value: 'busybox', location: line(3) },
        { name: 'VERSION', description: 'the version <to> build', value: '1.0', location: line(5) },
        { name: 'FLAVOR', value: '1.0-slim', location: line(6) },
        { name: 'GOFLAGS', description: 'flags for go', value: '-v', location: line(11) },
        { name: 'TARGET_OS', value: 'linux', location: line(15) },
        { name: 'PROFILE', value: 'release', location: line(15) },
      ],
      secrets: [{ name: 'npmrc', required: true, location: line(16, 17) }],
      ssh: [{ name: 'default', location: line(16, 17) }],
      sources: [Buffer.from(DOCKERFILE).toString('base64')],
    });
    // Go's MarshalIndent: two-space indent, HTML characters escaped, zero fields left out
    expect(json).toContain('\n  "args": [\n    {\n      "name": "BASE",\n');
    expect(json).toContain('"description": "the version \\u003cto\\u003e build"');
    expect(json).not.toContain('"character"');
    expect(meta(r, 'version')).toBe('1.0.0');
    expect(r.returned!.result!.ref).toBeUndefined();
    expect(r.returned!.result!.refs).toBeUndefined();
    // no image resolved, nothing built: only the Dockerfile and .dockerignore were read
    expect(r.resolves).toEqual([]);
    expect(r.solves.map((s) => s.ops.at(-2)?.op.source?.identifier)).toEqual(['local://dockerfile', 'local://context']);
    expect(meta(r, 'result.txt')).toBe(
      [
        'BUILD ARG   VALUE      DESCRIPTION',
        'BASE        busybox    the image everything starts from',
        'VERSION     1.0        the version <to> build',
        'FLAVOR      1.0-slim   ',
        'GOFLAGS     -v         flags for go',
        'TARGET_OS   linux      ',
        'PROFILE     release    ',
        '',
        'SECRET   REQUIRED',
        'npmrc    true',
        '',
        'SSH       REQUIRED',
        'default   ',
        '',
        '',
      ].join('\n'),
    );
  });

  test('a named target shows its name and description; stages it does not reach are left out', async () => {
    const dir = fx.dir({ Dockerfile: DOCKERFILE });
    const r = await fx.run(dir, { requestid: 'frontend.outline', target: 'base' });
    const o = JSON.parse(meta(r, 'result.json'));
    expect(o.name).toBe('base');
    expect(o.description).toBe('the shared base stage');
    expect(o.args.map((a: { name: string }) => a.name)).toEqual(['BASE', 'VERSION', 'FLAVOR', 'GOFLAGS']);
    expect(o.secrets).toBeUndefined();
    expect(meta(r, 'result.txt').split('\n').slice(0, 3)).toEqual(['TARGET:      base', 'DESCRIPTION: the shared base stage', '']);
  });

  test('an unknown target is the converter error, located nowhere', async () => {
    const dir = fx.dir({ Dockerfile: DOCKERFILE });
    const r = await fx.run(dir, { requestid: 'frontend.outline', target: 'buld' });
    expect(failure(r).message).toBe('target stage "buld" could not be found (did you mean build?)');
  });

  test('a stage replaced by a named context contributes nothing', async () => {
    const dir = fx.dir({ Dockerfile: DOCKERFILE });
    const r = await fx.run(dir, { requestid: 'frontend.outline', 'context:build': 'docker-image://busybox' });
    const o = JSON.parse(meta(r, 'result.json'));
    expect(o.args).toBeUndefined();
    expect(o.secrets).toBeUndefined();
  });
});

describe('frontend.targets', () => {
  test('every stage with description, base and platform as written; the last is the default', async () => {
    const dir = fx.dir({ Dockerfile: DOCKERFILE });
    const r = await fx.run(dir, { requestid: 'frontend.targets' });
    expect(JSON.parse(meta(r, 'result.json'))).toEqual({
      targets: [
        { name: 'base', description: 'the shared base stage', base: '${BASE}:${FLAVOR}', location: line(9) },
        { name: 'build', description: 'compiles it', base: 'base', location: line(14) },
        { name: 'tools', base: 'busybox', platform: '$BUILDPLATFORM', location: line(19) },
        { default: true, base: 'scratch', location: line(22) },
      ],
      sources: [Buffer.from(DOCKERFILE).toString('base64')],
    });
    expect(meta(r, 'result.txt')).toBe(
      ['TARGET    DESCRIPTION', 'base      the shared base stage', 'build     compiles it', 'tools     ', '(default) ', ''].join('\n'),
    );
    expect(meta(r, 'version')).toBe('1.0.0');
  });

  test('a named default stage prints as "name (default)"', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox AS a\n# b the last one\nFROM a AS b\n' });
    const r = await fx.run(dir, { requestid: 'frontend.targets' });
    expect(meta(r, 'result.txt')).toBe(['TARGET'.padEnd(12) + 'DESCRIPTION', 'a'.padEnd(12), 'b (default) the last one', ''].join('\n'));
  });
});

describe('frontend.subrequests.describe', () => {
  test('lists outline, targets, describe and lint as BuildKit defines them', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\n' });
    const r = await fx.run(dir, { requestid: 'frontend.subrequests.describe', 'frontend.caps': 'moby.buildkit.frontend.subrequests' });
    const named = (name: string) => ({ name, description: '' });
    expect(JSON.parse(meta(r, 'result.json'))).toEqual([
      {
        name: 'frontend.outline',
        version: '1.0.0',
        type: 'rpc',
        description: 'List all parameters current build target supports',
        opts: [{ name: 'target', description: 'Target build stage' }],
        inputs: null,
        metadata: [named('result.json'), named('result.txt')],
        refs: null,
      },
      {
        name: 'frontend.targets',
        version: '1.0.0',
        type: 'rpc',
        description: 'List all targets current build supports',
        opts: [],
        inputs: null,
        metadata: [named('result.json'), named('result.txt')],
        refs: null,
      },
      {
        name: 'frontend.subrequests.describe',
        version: '1.0.0',
        type: 'rpc',
        description: 'List available subrequest types',
        opts: null,
        inputs: null,
        metadata: [named('result.json'), named('result.txt')],
        refs: null,
      },
      {
        name: 'frontend.lint',
        version: '1.0.0',
        type: 'rpc',
        description: 'Lint a Dockerfile',
        opts: [],
        inputs: null,
        metadata: [named('result.json'), named('result.txt'), named('result.statuscode')],
        refs: null,
      },
    ]);
    expect(meta(r, 'result.txt')).toBe(
      [
        'NAME'.padEnd(21) + 'VERSION DESCRIPTION',
        'outline'.padEnd(21) + '1.0.0   List all parameters current build target supports',
        'targets'.padEnd(21) + '1.0.0   List all targets current build supports',
        'subrequests.describe 1.0.0   List available subrequest types',
        'lint'.padEnd(21) + '1.0.0   Lint a Dockerfile',
        '',
      ].join('\n'),
    );
  });

  test('does not need a Dockerfile that parses', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nBOGUS x\n' });
    const r = await fx.run(dir, { requestid: 'frontend.subrequests.describe' });
    expect(meta(r, 'version')).toBe('1.0.0');
  });
});

describe('refusals', () => {
  test('an unknown request is Unknown (as dockerui) with an errdefs.Subrequest detail', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\n' });
    const r = await fx.run(dir, { requestid: 'frontend.convertllb' });
    const e = failure(r);
    expect(e).toMatchObject({ codeName: 'Unknown', message: 'unsupported request frontend.convertllb' });
    expect(e.details).toEqual([{ typeUrl: 'github.com/moby/buildkit/errdefs.Subrequest+json', json: { name: 'frontend.convertllb' } }]);
    expect(r.exitCode).toBe(0);
  });

  test('frontend.caps: declared caps (with +forward) pass; others are Unimplemented with errdefs.FrontendCap', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\n' });
    const ok = await fx.run(dir, {
      requestid: 'frontend.targets',
      'frontend.caps': 'moby.buildkit.frontend.contexts+forward,moby.buildkit.frontend.subrequests+forward,moby.buildkit.frontend.inputs',
    });
    expect(meta(ok, 'version')).toBe('1.0.0');
    const r = await fx.run(dir, { 'frontend.caps': 'moby.buildkit.frontend.inputs,moby.buildkit.frontend.gitquerystring' });
    const e = failure(r);
    expect(e).toMatchObject({ codeName: 'Unimplemented', message: 'unsupported frontend capability moby.buildkit.frontend.gitquerystring' });
    expect(e.details).toEqual([
      { typeUrl: 'github.com/moby/buildkit/errdefs.FrontendCap+json', json: { name: 'moby.buildkit.frontend.gitquerystring' } },
    ]);
  });
});
