import { describe, expect, it } from 'vitest';
import { compareBytewise, decodeMessage, digestOf, encodeCanonical } from './encode.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const str = (s: string) => Buffer.from(s, 'utf8').toString('hex');
/** A length-delimited field written by hand: tag, one-byte length, payload. */
const ld = (tag: number, payloadHex: string) => tag.toString(16).padStart(2, '0') + (payloadHex.length / 2).toString(16).padStart(2, '0') + payloadHex;
const MINUS_ONE = 'ffffffffffffffffff01';

describe('encodeCanonical', () => {
  it("reproduces BuildKit's gogoproto.data fixture: the busybox source op and its terminal op", () => {
    const source = encodeCanonical('pb.Op', { source: { identifier: 'docker-image://docker.io/library/busybox:latest' } });
    // Op.source (3, LEN) { identifier (1, LEN) }
    expect(hex(source)).toBe(ld(0x1a, ld(0x0a, str('docker-image://docker.io/library/busybox:latest'))));
    expect(digestOf(source)).toBe('sha256:74ecb5d790c33a213ba00f8f43d62947df1d4dea72f5ec13353a9b943f469f0f');

    const terminal = encodeCanonical('pb.Op', { inputs: [{ digest: digestOf(source), index: 0 }] });
    expect(hex(terminal)).toBe(ld(0x0a, ld(0x0a, str(digestOf(source)))));
    // The fixture's second metadata key, the digest of its terminal op.
    expect(digestOf(terminal)).toBe('sha256:fdd990931001ae92f1971673ff21204ef6a5ccc8c1a4dd133d8f0f9bff67a3c2');
  });

  it('omits non-oneof scalars at their default', () => {
    expect(hex(encodeCanonical('pb.Platform', { Architecture: 'amd64', OS: 'linux', Variant: '', OSFeatures: [] }))).toBe(
      ld(0x0a, str('amd64')) + ld(0x12, str('linux')),
    );
    expect(hex(encodeCanonical('pb.Input', { digest: 'd', index: 0 }))).toBe(ld(0x0a, str('d')));
    expect(hex(encodeCanonical('pb.Mount', { input: 0, output: 0, readonly: false, mountType: 0, dest: '/' }))).toBe(ld(0x1a, str('/')));
    expect(hex(encodeCanonical('pb.FileActionMkFile', { data: new Uint8Array() }))).toBe('');
    // Enums given by name are resolved; the zero value is omitted like any default.
    expect(hex(encodeCanonical('pb.Mount', { mountType: 'BIND' }))).toBe('');
    expect(hex(encodeCanonical('pb.Mount', { mountType: 'CACHE' }))).toBe('3003');
  });

  it('writes oneof members even when zero', () => {
    expect(hex(encodeCanonical('pb.UserOpt', { byID: 0 }))).toBe('1000');
    expect(hex(encodeCanonical('pb.ChownOpt', { user: { byID: 0 }, group: { byName: { name: 'staff', input: 0 } } }))).toBe(
      ld(0x0a, '1000') + ld(0x12, ld(0x0a, ld(0x0a, str('staff')))),
    );
  });

  it('writes set message fields even when empty', () => {
    expect(hex(encodeCanonical('pb.Op', { constraints: {} }))).toBe('5a00');
    expect(hex(encodeCanonical('pb.Mount', { TmpfsOpt: { size: 0 } }))).toBe('9a0100');
    expect(hex(encodeCanonical('pb.MergeOp', { inputs: [{ input: 0 }, { input: 1 }] }))).toBe('0a00' + '0a020801');
  });

  it('puts oneof members after all other fields, like protobuf-go', () => {
    const op = encodeCanonical('pb.Op', {
      inputs: [{ digest: 'x' }],
      exec: { meta: { args: ['a'] } },
      platform: { OS: 'linux', Architecture: 'arm64' },
      constraints: {},
    });
    const body = ld(0x12, ld(0x0a, ld(0x0a, str('a'))));
    expect(hex(op)).toBe(ld(0x0a, ld(0x0a, str('x'))) + ld(0x52, ld(0x0a, str('arm64')) + ld(0x12, str('linux'))) + '5a00' + body);
    // Without a oneof, plain ascending field numbers.
    expect(hex(encodeCanonical('pb.FileAction', { output: -1, input: 1, rm: { path: '/' } }))).toBe('0801' + '18' + MINUS_ONE + ld(0x3a, ld(0x0a, str('/'))));
  });

  it('sorts map entries bytewise by key and writes key and value even when empty', () => {
    const attrs = { b: 'c', a: '', '9': 'x', '10': 'y', '\u{1F600}': 'e', '\uFFFD': 'f' };
    const entry = (k: string, v: string) => ld(0x12, ld(0x0a, str(k)) + ld(0x12, str(v)));
    expect(hex(encodeCanonical('pb.SourceOp', { attrs }))).toBe(
      entry('10', 'y') + entry('9', 'x') + entry('a', '') + entry('b', 'c') + entry('\uFFFD', 'f') + entry('\u{1F600}', 'e'),
    );
    expect(hex(encodeCanonical('pb.OpMetadata', { caps: { b: true, a: false } }))).toBe(ld(0x2a, ld(0x0a, str('a')) + '1000') + ld(0x2a, ld(0x0a, str('b')) + '1001'));
    expect(compareBytewise('\uFFFD', '\u{1F600}')).toBeLessThan(0); // JS order says the opposite
  });

  it('writes negative int32 and int64 as 10-byte varints', () => {
    expect(hex(encodeCanonical('pb.Mount', { input: -1 }))).toBe('08' + MINUS_ONE);
    expect(hex(encodeCanonical('pb.FileActionCopy', { mode: -1 }))).toBe('20' + MINUS_ONE);
    expect(hex(encodeCanonical('pb.Meta', { validExitCodes: [0, 1, -1] }))).toBe('620c0001' + MINUS_ONE);
  });

  it('packs repeated scalars and keeps empty strings inside repeated fields', () => {
    expect(hex(encodeCanonical('pb.Meta', { args: ['a', ''], validExitCodes: [] }))).toBe(ld(0x0a, str('a')) + '0a00');
  });

  it('encodes 64-bit values beyond 2^53 from strings and bigints', () => {
    const ns = 1700000000123000000n;
    const a = encodeCanonical('pb.FileActionMkDir', { timestamp: ns.toString() });
    expect(hex(a)).toBe(hex(encodeCanonical('pb.FileActionMkDir', { timestamp: ns })));
    expect(decodeMessage<{ timestamp: unknown }>('pb.FileActionMkDir', a).timestamp).toBe(ns.toString());
    expect(() => encodeCanonical('pb.FileActionMkDir', { timestamp: 2 ** 60 })).toThrow(/not a safe integer/);
  });

  it('rejects unknown fields, two members of one oneof and values of the wrong type', () => {
    expect(() => encodeCanonical('pb.Op', { sources: {} })).toThrow(/unknown field "sources" in pb.Op/);
    expect(() => encodeCanonical('pb.UserOpt', { byID: 1, byName: { name: 'x' } })).toThrow(/oneof "user"/);
    expect(() => encodeCanonical('pb.SecretOpt', { uid: -1 })).toThrow(/expected an integer/);
    expect(() => encodeCanonical('pb.Mount', { dest: 1 })).toThrow(/expected a string/);
  });

  it('decodes to plain objects with exactly the fields on the wire', () => {
    const bytes = encodeCanonical('pb.Op', {
      inputs: [{ digest: 'sha256:x', index: 1 }],
      file: { actions: [{ input: 0, secondaryInput: -1, output: 0, mkfile: { path: '/f', mode: 0o644, data: new Uint8Array([1, 2]), timestamp: -1 } }] },
      constraints: {},
    });
    expect(decodeMessage('pb.Op', bytes)).toEqual({
      inputs: [{ digest: 'sha256:x', index: 1 }],
      file: { actions: [{ secondaryInput: -1, mkfile: { path: '/f', mode: 0o644, data: new Uint8Array([1, 2]), timestamp: -1 } }] },
      constraints: {},
    });
  });
});
