import { describe, expect, it } from 'vitest';
import { ImageRefError, normalizeImageRef, parseImageRef, withDigest, formatImageRef } from './reference.js';

const D = 'sha256:' + 'a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4'.slice(0, 64);

describe('normalizeImageRef', () => {
  it.each([
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.20', 'docker.io/library/alpine:3.20'],
    ['library/alpine', 'docker.io/library/alpine:latest'],
    ['docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/foo/bar', 'docker.io/foo/bar:latest'],
    ['foo/bar', 'docker.io/foo/bar:latest'],
    [`foo/bar@${D}`, `docker.io/foo/bar@${D}`],
    [`foo/bar:v1@${D}`, `docker.io/foo/bar:v1@${D}`],
    [`alpine@${D}`, `docker.io/library/alpine@${D}`],
    ['localhost/x', 'localhost/x:latest'],
    ['localhost:5000/x/y:tag', 'localhost:5000/x/y:tag'],
    ['myregistry:5000/app', 'myregistry:5000/app:latest'],
    ['registry.example.com:443/team/app', 'registry.example.com:443/team/app:latest'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    ['local/wasm-frontend:dev', 'docker.io/local/wasm-frontend:dev'],
    ['gcr.io/distroless/static-debian12:nonroot', 'gcr.io/distroless/static-debian12:nonroot'],
    ['a__b/c-d.e---f:X_1.2-rc', 'docker.io/a__b/c-d.e---f:X_1.2-rc'],
    // An upper-case first component can only be a host name, as in Go.
    ['Registry/app', 'Registry/app:latest'],
  ])('%s → %s', (ref, want) => {
    expect(normalizeImageRef(ref)).toBe(want);
  });

  it.each([
    ['Alpine', 'invalid reference format: repository name (library/Alpine) must be lowercase'],
    ['example.com/Foo', 'invalid reference format: repository name (Foo) must be lowercase'],
    ['', 'invalid reference format'],
    ['alpine:', 'invalid reference format'],
    ['foo bar', 'invalid reference format'],
    ['foo@sha256:abc', 'invalid reference format'],
    ['foo@sha256:' + 'a'.repeat(32), 'invalid checksum digest length'],
    ['foo@md5:' + 'a'.repeat(32), 'unsupported digest algorithm'],
    ['foo@sha256:' + 'A'.repeat(64), 'invalid checksum digest format'],
    ['a'.repeat(64), `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`],
    ['a'.repeat(256), 'repository name must not be more than 255 characters'],
  ])('%j is rejected: %s', (ref, reason) => {
    let err: unknown;
    try {
      normalizeImageRef(ref);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageRefError);
    expect((err as ImageRefError).reason).toBe(reason);
    expect((err as ImageRefError).message).toBe(`failed to parse image reference "${ref}": ${reason}`);
  });
});

describe('withDigest', () => {
  it('keeps the tag and replaces a digest, like reference.WithDigest', () => {
    const other = 'sha256:' + 'b'.repeat(64);
    expect(formatImageRef(withDigest(parseImageRef('alpine:3.20'), D))).toBe(`docker.io/library/alpine:3.20@${D}`);
    expect(formatImageRef(withDigest(parseImageRef(`alpine@${other}`), D))).toBe(`docker.io/library/alpine@${D}`);
    expect(() => withDigest(parseImageRef('alpine'), 'sha256:xyz')).toThrow(/invalid digest format/);
  });
});
