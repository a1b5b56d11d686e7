import { describe, expect, it } from 'vitest';
import { decodeDefinition, marshal } from './marshal.js';
import { git, http, image, local } from './source.js';
import type { State } from './state.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const str = (s: string) => Buffer.from(s, 'utf8').toString('hex');
const ld = (tag: number, payloadHex: string) => tag.toString(16).padStart(2, '0') + (payloadHex.length / 2).toString(16).padStart(2, '0') + payloadHex;

/** The first op of the marshalled State, with its bytes, digest and metadata. */
function firstOp(s: State) {
  const def = marshal(s);
  const [op] = decodeDefinition(def);
  return { ...op, bytes: Buffer.from(def.def![0]).toString('hex') };
}

describe('image', () => {
  it('normalises the reference and sets Op.platform; pinned digest', () => {
    const op = firstOp(image('alpine:3.20', { platform: amd64 }));
    // inputs none; platform (10) {Architecture, OS}; constraints (11) {}; then source (3): oneofs last.
    const platform = ld(0x52, ld(0x0a, str('amd64')) + ld(0x12, str('linux')));
    const source = ld(0x1a, ld(0x0a, str('docker-image://docker.io/library/alpine:3.20')));
    expect(op.bytes).toBe(platform + '5a00' + source);
    expect(op.digest).toBe('sha256:52ad980af60eade03cf05fce2206c19483941c8d9a53f43a293199ac3344a235');
    expect(op.metadata?.caps).toEqual({ 'source.image': true });
  });

  it('adds the resolve mode only when not default; only a forced pull needs its cap', () => {
    expect(firstOp(image('alpine', { platform: amd64, resolveMode: 'default' })).op.source?.attrs).toBeUndefined();
    const pull = firstOp(image('alpine', { platform: amd64, resolveMode: 'pull' }));
    expect(pull.op.source?.attrs).toEqual({ 'image.resolvemode': 'pull' });
    expect(pull.metadata?.caps).toEqual({ 'source.image': true, 'source.image.resolvemode': true });
    const loc = firstOp(image('alpine', { platform: amd64, resolveMode: 'local' }));
    expect(loc.op.source?.attrs).toEqual({ 'image.resolvemode': 'local' });
    expect(loc.metadata?.caps).toEqual({ 'source.image': true });
  });

  it('pins a digest, keeping the tag', () => {
    const d = 'sha256:' + 'c'.repeat(64);
    expect(firstOp(image('alpine:3.20', { platform: amd64, digest: d })).op.source?.identifier).toBe(`docker-image://docker.io/library/alpine:3.20@${d}`);
  });

  it('passes variant, OS version and features through to Op.platform', () => {
    const op = firstOp(image('busybox', { platform: { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1', osFeatures: ['win32k'] } })).op;
    expect(op.platform).toEqual({ Architecture: 'amd64', OS: 'windows', OSVersion: '10.0.17763.1', OSFeatures: ['win32k'] });
    expect(firstOp(image('busybox', { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } })).op.platform?.Variant).toBe('v7');
  });

  it('gives the State the normalised platform', () => {
    expect(image('alpine', { platform: { os: 'Linux', architecture: 'aarch64', variant: 'v8' } }).getPlatform()).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(image('alpine').getPlatform()).toBeUndefined();
  });

  it('throws on an invalid reference', () => {
    expect(() => image('Alpine')).toThrow('failed to parse image reference "Alpine": invalid reference format: repository name (library/Alpine) must be lowercase');
  });
});

describe('local', () => {
  it('writes patterns as Go JSON arrays and declares a cap per attribute; pinned digest', () => {
    const op = firstOp(local('context', { sessionId: 's1', includePatterns: ['src/<gen>&', 'b'], excludePatterns: ['*.md'], followPaths: ['Dockerfile'], sharedKeyHint: 'context' }));
    expect(op.op.platform).toBeUndefined();
    expect(op.op.source).toEqual({
      identifier: 'local://context',
      attrs: {
        'local.excludepatterns': '["*.md"]',
        'local.followpaths': '["Dockerfile"]',
        'local.includepattern': '["src/\\u003cgen\\u003e\\u0026","b"]',
        'local.session': 's1',
        'local.sharedkeyhint': 'context',
      },
    });
    expect(op.metadata?.caps).toEqual({
      'source.local': true,
      'source.local.excludepatterns': true,
      'source.local.followpaths': true,
      'source.local.includepatterns': true,
      'source.local.sessionid': true,
      'source.local.sharedkeyhint': true,
    });
    expect(op.digest).toBe('sha256:f51a744b974d4dbabf5e15b8c57333ff46e0ea6264346f42d3f9fcbd4b8a5eb3');
  });

  it('omits empty options and adds no random local.unique', () => {
    const op = firstOp(local('dockerfile', { includePatterns: [], excludePatterns: [] }));
    expect(op.op).toEqual({ source: { identifier: 'local://dockerfile' }, constraints: {} });
    expect(op.metadata?.caps).toEqual({ 'source.local': true });
  });

  it('needs the differ cap only when the differ is required', () => {
    expect(firstOp(local('c', { differ: 'none' })).metadata?.caps).toEqual({ 'source.local': true });
    const req = firstOp(local('c', { differ: 'metadata', differRequired: true }));
    expect(req.op.source?.attrs).toEqual({ 'local.differ': 'metadata' });
    expect(req.metadata?.caps).toEqual({ 'source.local': true, 'source.local.differ': true });
  });
});

describe('http', () => {
  it('sets the attributes and caps of client/llb, including the misspelt uid/gid cap', () => {
    const op = firstOp(http('https://example.com/a.tgz', { checksum: 'sha256:' + 'e'.repeat(64), filename: 'a.tgz', perm: 0o4755, uid: 1000, gid: 0 }));
    expect(op.op.platform).toBeUndefined();
    expect(op.op.source).toEqual({
      identifier: 'https://example.com/a.tgz',
      attrs: { 'http.checksum': 'sha256:' + 'e'.repeat(64), 'http.filename': 'a.tgz', 'http.perm': '0755', 'http.uid': '1000' },
    });
    expect(op.metadata?.caps).toEqual({ 'soruce.http.uidgid': true, 'source.http': true, 'source.http.checksum': true, 'source.http.perm': true });
  });
});

describe('git', () => {
  const authAttrs = { 'git.authheadersecret': 'GIT_AUTH_HEADER', 'git.authtokensecret': 'GIT_AUTH_TOKEN' };

  it('builds host/path#ref:subdir identifiers and keeps the full URL', () => {
    const op = firstOp(git('https://github.com/moby/buildkit.git#ignored', { ref: 'v0.11.6', subdir: 'docs' }));
    expect(op.op.source).toEqual({
      identifier: 'git://github.com/moby/buildkit.git#v0.11.6:docs',
      attrs: { ...authAttrs, 'git.fullurl': 'https://github.com/moby/buildkit.git' },
    });
    expect(op.metadata?.caps).toEqual({ 'source.git': true, 'source.git.fullurl': true, 'source.git.subdir': true });
  });

  it('tries https for a remote without a scheme', () => {
    const op = firstOp(git('github.com/moby/buildkit', { keepGitDir: true }));
    expect(op.op.source?.identifier).toBe('git://github.com/moby/buildkit');
    expect(op.op.source?.attrs).toEqual({ ...authAttrs, 'git.fullurl': 'https://github.com/moby/buildkit', 'git.keepgitdir': 'true' });
  });

  it('mounts the SSH agent for scp-style remotes', () => {
    const op = firstOp(git('git@github.com:moby/buildkit.git', { ref: 'main', fullURL: 'git@github.com:moby/buildkit.git#main' }));
    expect(op.op.source).toEqual({
      identifier: 'git://github.com/moby/buildkit.git#main',
      attrs: { ...authAttrs, 'git.fullurl': 'git@github.com:moby/buildkit.git#main', 'git.mountsshsock': 'default' },
    });
    expect(op.metadata?.caps).toEqual({ 'source.git': true, 'source.git.fullurl': true, 'source.git.knownsshhosts': true, 'source.git.mountsshsock': true });
  });
});
