// A State made of someone else's Definition, and OCI layout sources.
import { describe, expect, test } from 'vitest';
import { decodeDefinition, encodeCanonical, FileAction, fromDefinition, image, InputDefinitionError, marshal, ociLayout, scratch, type Definition } from './index.js';

describe('fromDefinition', () => {
  const amd64 = { os: 'linux', architecture: 'amd64' };

  test('re-marshalling keeps every op byte for byte, metadata included', () => {
    const base = image('busybox', { platform: amd64, customName: 'pulled' });
    const def = marshal(base.file(FileAction.mkdir('/x', 0o755), { customName: 'mkdir' }));
    const again = marshal(fromDefinition(def, 'input'));
    expect(again.def!.map((b) => Buffer.from(b).toString('hex'))).toEqual(def.def!.map((b) => Buffer.from(b).toString('hex')));
    expect(again.metadata).toEqual(def.metadata);
  });

  test('an empty definition is scratch; a State built on it includes it', () => {
    expect(fromDefinition({ def: [] }, 'input').isScratch()).toBe(true);
    const def = marshal(image('busybox', { platform: amd64 }));
    const built = marshal(scratch().file(FileAction.copy(fromDefinition(def, 'input'), '/', '/')));
    const ids = decodeDefinition(built).map((o) => o.op.source?.identifier).filter(Boolean);
    expect(ids).toEqual(['docker-image://docker.io/library/busybox:latest']);
  });

  test('an op with fields this frontend does not know is refused, not altered', () => {
    const def = marshal(image('busybox', { platform: amd64 }));
    const extra = Buffer.concat([Buffer.from(def.def![0]!), Buffer.from([0xa0, 0x06, 0x01])]); // field 100, varint 1
    const bad: Definition = { def: [extra, encodeCanonical('pb.Op', { inputs: [{ digest: 'sha256:' + '0'.repeat(64) }] })] };
    expect(() => fromDefinition(bad, 'input "x"')).toThrow(InputDefinitionError);
  });

  test('ociLayout declares source.ocilayout and carries the platform', () => {
    const [op] = decodeDefinition(marshal(ociLayout('docker.io/library/x@sha256:' + 'a'.repeat(64), { sessionId: 's', storeId: 'st', platform: amd64 })));
    expect(op!.op).toMatchObject({ source: { attrs: { 'oci.session': 's', 'oci.store': 'st' } }, platform: { OS: 'linux', Architecture: 'amd64' } });
    expect(op!.metadata!.caps).toEqual({ 'source.ocilayout': true });
  });
});
