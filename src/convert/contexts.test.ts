// Pieces of context handling that need no daemon: git references, familiar names, context paths,
// archive detection, and definitions carried into our own graph.
import { describe, expect, test } from 'vitest';
import { isArchive } from './buildcontext.js';
import { joinRoot } from '../util/gopath.js';
import { followPathsOf } from './contextpaths.js';
import { parseGitRef } from './gitref.js';
import { familiarName } from './namedcontext.js';

describe('parseGitRef', () => {
  test.each([
    ['https://github.com/moby/buildkit.git', { remote: 'https://github.com/moby/buildkit.git' }],
    ['https://github.com/moby/buildkit.git#v0.12:frontend/../docs/', { remote: 'https://github.com/moby/buildkit.git', ref: 'v0.12', subdir: 'docs' }],
    ['git@github.com:moby/buildkit.git#main', { remote: 'git@github.com:moby/buildkit.git', ref: 'main' }],
    ['git://example.com/repo', { remote: 'git://example.com/repo' }],
    ['ssh://git@example.com/repo.git', { remote: 'ssh://git@example.com/repo.git' }],
    ['github.com/moby/buildkit', { remote: 'github.com/moby/buildkit' }],
    ['https://github.com/moby/buildkit.git?tag=v0.12&subdir=docs', { remote: 'https://github.com/moby/buildkit.git', ref: 'refs/tags/v0.12', subdir: 'docs' }],
    ['https://github.com/moby/buildkit.git?branch=main&keep-git-dir', { remote: 'https://github.com/moby/buildkit.git', ref: 'refs/heads/main', keepGitDir: true }],
  ])('%s is git', (ref, want) => {
    expect(parseGitRef(ref)).toEqual(want);
  });

  test.each(['https://example.com/ctx.tar.gz', './local', '../up', 'local/dir', 'ftp://example.com/x.git', 'docker-image://alpine'])('%s is not git', (ref) => {
    expect(parseGitRef(ref)).toBeUndefined();
  });

  test('queries it cannot honour are errors', () => {
    expect(() => parseGitRef('https://github.com/a/b.git?checksum=abc')).toThrow('git query "checksum" is not supported by this frontend');
    expect(() => parseGitRef('https://github.com/a/b.git#x?ref=y')).not.toThrow();
    expect(() => parseGitRef('https://github.com/a/b.git?tag=a&branch=b')).toThrow('branch conflicts with tag');
  });
});

describe('familiarName', () => {
  test.each([
    ['docker.io/library/alpine:latest', 'alpine'],
    ['alpine', 'alpine'],
    ['docker.io/library/alpine:3.20', 'alpine:3.20'],
    ['docker.io/myorg/app:latest', 'myorg/app'],
    ['ghcr.io/x/y:1', 'ghcr.io/x/y:1'],
    ['build', 'build'],
  ])('%s → %s', (ref, want) => {
    expect(familiarName(ref)).toBe(want);
  });
});

describe('context paths', () => {
  test('joined onto / and cleaned as Go path.Join', () => {
    expect(joinRoot('src/')).toBe('/src');
    expect(joinRoot('./a/../b/./c')).toBe('/b/c');
    expect(joinRoot('../../x')).toBe('/x');
    expect(joinRoot('')).toBe('/');
  });

  test('sorted bytewise and relative; none when the root is used or nothing is', () => {
    expect(followPathsOf(new Set(['/src', '/B', '/a.txt']))).toEqual(['B', 'a.txt', 'src']);
    expect(followPathsOf(new Set(['/src', '/']))).toBeUndefined();
    expect(followPathsOf(new Set())).toBeUndefined();
  });
});

describe('isArchive', () => {
  test('compressed magics and tar headers with a valid checksum', () => {
    expect(isArchive(Buffer.from([0x1f, 0x8b, 0x08, 0]))).toBe(true);
    expect(isArchive(Buffer.from('BZh9'))).toBe(true);
    expect(isArchive(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe(true);
    const header = Buffer.alloc(512);
    header.write('Dockerfile', 0);
    header.write('0000644\0', 100);
    header.write('ustar\0', 257);
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    expect(isArchive(header)).toBe(true);
    header[0] = 0x45;
    expect(isArchive(header)).toBe(false);
    expect(isArchive(Buffer.from('FROM busybox\n'))).toBe(false);
  });
});
