import { describe, expect, it } from 'vitest';
import { diff } from './diff.js';
import { FileAction } from './fileop.js';
import { decodeDefinition, marshal } from './marshal.js';
import { merge } from './merge.js';
import { image, local } from './source.js';
import { scratch, type State } from './state.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const base = image('alpine:3.20', { platform: amd64 });
const ctx = local('context', { sessionId: 's1' });
const IMAGE = 'sha256:52ad980af60eade03cf05fce2206c19483941c8d9a53f43a293199ac3344a235';

function lastOp(s: State) {
  const ops = decodeDefinition(marshal(s));
  return ops[ops.length - 2];
}

describe('merge', () => {
  it('layers the inputs in order, one slot each; pinned digest', () => {
    const copied = scratch().file(FileAction.copy(ctx, '/', '/'));
    const { op, digest, metadata } = lastOp(merge([base, scratch(), copied]));
    expect(op.platform).toBeUndefined();
    expect(op.inputs?.[0]).toEqual({ digest: IMAGE });
    expect(op.merge).toEqual({ inputs: [{}, { input: 1 }] });
    expect(digest).toBe('sha256:cec97991130976d0e89d9b815c7c076a481bd567eb2f0344b8046cca0012b71c');
    expect(metadata?.caps).toEqual({ mergeop: true });
  });

  it('does not share a slot between repeated inputs', () => {
    expect(lastOp(merge([base, base])).op).toMatchObject({ inputs: [{ digest: IMAGE }, { digest: IMAGE }], merge: { inputs: [{}, { input: 1 }] } });
  });

  it('drops scratch: nothing is scratch and one State is itself', () => {
    expect(merge([scratch(), scratch()]).isScratch()).toBe(true);
    expect(merge([scratch(), base])).toBe(base);
    expect(merge([base, ctx]).getPlatform()).toEqual(amd64);
  });
});

describe('diff', () => {
  it('names lower and upper; pinned digest', () => {
    const upper = base.run({ args: ['true'], env: [], cwd: '/' }).root();
    const { op, digest, metadata } = lastOp(diff(base, upper));
    expect(op.diff).toEqual({ lower: {}, upper: { input: 1 } });
    expect(op.platform).toBeUndefined();
    expect(digest).toBe('sha256:fd21382b8920d1820a6c304b091dc3cb4637a6d482b3229cfabf161e7b8d5e49');
    expect(metadata?.caps).toEqual({ diffop: true });
  });

  it('uses -1 for a scratch upper and short-cuts a scratch lower', () => {
    expect(lastOp(diff(base, scratch())).op.diff).toEqual({ lower: {}, upper: { input: -1 } });
    expect(diff(scratch(), ctx)).toBe(ctx);
    expect(diff(scratch(), scratch()).isScratch()).toBe(true);
  });
});
