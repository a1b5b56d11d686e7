import { describe, expect, it } from 'vitest';
import { LocatedError } from '../util/located.js';
import { CapabilityError } from './caps.js';
import { diff } from './diff.js';
import { FileAction } from './fileop.js';
import { decodeDefinition, marshal } from './marshal.js';
import { merge } from './merge.js';
import { defaultPlatform } from './platform.js';
import { image, local } from './source.js';
import { scratch } from './state.js';
import type { Constraints } from './vertex.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const range = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 10 } });

/** A small build: image, context, a RUN with a cache mount, a COPY into a fresh stage, a merge. */
function graph(names: (step: string) => Constraints = () => ({})) {
  const base = image('alpine:3.20', { platform: amd64, ...names('FROM') });
  const ctx = local('context', { sessionId: 's', ...names('context') });
  const built = base.run(
    { args: ['/bin/sh', '-c', 'make'], env: ['A=1'], cwd: '/src', mounts: [{ type: 'bind', dest: '/src', source: ctx }, { type: 'cache', dest: '/c', id: 'c' }] },
    names('RUN'),
  );
  const out = scratch().file(FileAction.copy(built.mount('/src'), '/out', '/'), names('COPY'));
  return merge([image('alpine:3.20', { platform: amd64 }), out], names('MERGE'));
}

const ALL_CAPS = new Set([
  'source.image',
  'source.local',
  'source.local.sessionid',
  'exec.meta.base',
  'exec.mount.bind',
  'exec.mount.cache',
  'exec.mount.cache.sharing',
  'exec.meta.setsdefaultpath',
  'file.base',
  'mergeop',
  'constraints',
  'platform',
  'meta.description',
  'meta.ignorecache',
]);

describe('marshal', () => {
  it('marshals scratch to an empty definition', () => {
    expect(marshal(scratch())).toEqual({ def: [] });
  });

  it('is deterministic: the same graph, marshalled twice or built twice, gives the same bytes', () => {
    const g = graph();
    const a = marshal(g);
    expect(marshal(g)).toEqual(a);
    expect(marshal(graph())).toEqual(a);
  });

  it('orders ops inputs first, adds each vertex once and ends with the terminal op', () => {
    const ops = decodeDefinition(marshal(graph()));
    const seen = new Set<string>();
    for (const { digest, op } of ops) {
      for (const inp of op.inputs ?? []) expect(seen.has(inp.digest!)).toBe(true);
      expect(seen.has(digest)).toBe(false);
      seen.add(digest);
    }
    // image (built twice, one vertex), local, exec, file, merge, terminal
    expect(ops.map(({ op }) => Object.keys(op).find((k) => k !== 'inputs' && k !== 'platform' && k !== 'constraints') ?? 'terminal')).toEqual([
      'source',
      'source',
      'exec',
      'file',
      'merge',
      'terminal',
    ]);
    const merged = ops[4].op;
    expect(merged.inputs?.[0].digest).toBe(ops[0].digest); // the second image() collapsed into the first
    expect(ops[5].op).toEqual({ inputs: [{ digest: ops[4].digest }] });
  });

  it('keeps names out of op bytes: renaming steps changes no digest', () => {
    const plain = marshal(graph());
    const named = marshal(graph((step) => ({ customName: `[${step}] step`, description: { 'com.docker.dockerfile.v1.command': step }, ignoreCache: true, locations: [range(3)] })));
    expect(named.def).toEqual(plain.def);
    const renamed = marshal(graph((step) => ({ customName: `renamed ${step}` })));
    expect(renamed.def).toEqual(plain.def);
    const runDigest = decodeDefinition(named)[2].digest;
    expect(named.metadata?.[runDigest]).toMatchObject({
      ignore_cache: true,
      description: { 'com.docker.dockerfile.v1.command': 'RUN', 'llb.customname': '[RUN] step' },
    });
  });

  it("gives the terminal op Go's caps", () => {
    const terminal = (d: ReturnType<typeof marshal>) => d.metadata?.[decodeDefinition(d).at(-1)!.digest];
    expect(terminal(marshal(graph()))).toEqual({ caps: { constraints: true, platform: true } });
    expect(terminal(marshal(graph(() => ({ customName: 'x' }))))).toEqual({ caps: { constraints: true, 'meta.description': true, platform: true } });
    expect(terminal(marshal(graph((s) => (s === 'COPY' ? { ignoreCache: true } : {}))))).toEqual({ caps: { constraints: true, 'meta.ignorecache': true, platform: true } });
  });

  it('merges the metadata of identical ops: caps and descriptions combine, the later name wins', () => {
    const a = image('alpine:3.20', { platform: amd64, customName: 'first', description: { k: 'v' } });
    const b = image('alpine:3.20', { platform: amd64, customName: 'second', ignoreCache: true, resolveMode: 'local' });
    const c = image('alpine:3.20', { platform: amd64, customName: 'third', progressGroup: { id: 'g', name: 'group' } });
    const def = marshal(merge([a, c, diff(a, b)]));
    const [src] = decodeDefinition(def);
    expect(decodeDefinition(def).filter((o) => o.op.source)).toHaveLength(2); // resolve mode local is another op
    expect(src.metadata).toEqual({
      description: { k: 'v', 'llb.customname': 'third' },
      caps: { 'source.image': true },
      progress_group: { id: 'g', name: 'group' },
    });
  });

  it('sends source locations keyed by op digest only with the source file', () => {
    const st = image('alpine', { platform: amd64, locations: [range(1)] }).file(FileAction.mkdir('/x', 0o755), { locations: [range(2), range(3)] });
    expect(marshal(st).Source).toBeUndefined();
    const data = new TextEncoder().encode('FROM alpine\nRUN x\n');
    const def = marshal(st, { sourceInfo: { filename: 'Dockerfile', data, language: 'Dockerfile' } });
    const [img, file] = decodeDefinition(def);
    expect(def.Source).toEqual({
      infos: [{ filename: 'Dockerfile', data, language: 'Dockerfile' }],
      locations: {
        [img.digest]: { locations: [{ sourceIndex: 0, ranges: [range(1)] }] },
        [file.digest]: { locations: [{ sourceIndex: 0, ranges: [range(2), range(3)] }] },
      },
    });
  });

  it('throws CapabilityError for a cap the daemon lacks, located at the op that needs it', () => {
    const g = graph((step) => (step === 'MERGE' ? { locations: [range(7)] } : {}));
    expect(() => marshal(g, { caps: ALL_CAPS })).not.toThrow();
    const caps = new Set(ALL_CAPS);
    caps.delete('mergeop');
    let err: unknown;
    try {
      marshal(g, { caps });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CapabilityError);
    expect(err).toBeInstanceOf(LocatedError);
    const ce = err as CapabilityError;
    expect(ce.message).toBe('the daemon does not support merge operations (missing LLB capability "mergeop")');
    expect(ce.cap).toBe('mergeop');
    expect(ce.locations).toEqual([range(7)]);

    caps.add('mergeop');
    caps.delete('platform');
    expect(() => marshal(g, { caps })).toThrow('the daemon does not support platforms (missing LLB capability "platform")');
  });

  it('gives image and exec ops without a platform the default platform', () => {
    const wasi = { os: 'wasi', architecture: 'wasm' };
    const st = image('busybox').run({ args: ['x'], env: [], cwd: '/' }).root();
    const platforms = (d: ReturnType<typeof marshal>) => decodeDefinition(d).map((o) => o.op.platform);
    expect(platforms(marshal(st, { defaultPlatform: wasi }))).toEqual([{ Architecture: 'wasm', OS: 'wasi' }, { Architecture: 'wasm', OS: 'wasi' }, undefined]);
    const host = defaultPlatform();
    expect(platforms(marshal(st))[0]).toEqual({ Architecture: host.architecture, OS: host.os, ...(host.variant ? { Variant: host.variant } : {}) });
    // An explicit or inherited platform wins over the default.
    const pinned = image('busybox', { platform: amd64 }).run({ args: ['x'], env: [], cwd: '/' }).root();
    expect(platforms(marshal(pinned, { defaultPlatform: wasi }))[1]).toEqual({ Architecture: 'amd64', OS: 'linux' });
  });

  it('reports the first op in def order that needs a missing cap', () => {
    const caps = new Set(ALL_CAPS);
    caps.delete('source.local.sessionid');
    expect(() => marshal(graph(), { caps })).toThrow(/missing LLB capability "source.local.sessionid"/);
  });
});
