import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { globToRegExp, goFileMode, readDir, readFile, statFile, visible, type FolderRef } from './files.js';
import { Http2StreamCheck } from './h2check.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-files-'));
  fs.mkdirSync(path.join(dir, 'src/deep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  fs.chmodSync(path.join(dir, 'Dockerfile'), 0o644);
  fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n');
  fs.chmodSync(path.join(dir, 'run.sh'), 0o755);
  fs.writeFileSync(path.join(dir, 'src/main.c'), 'int main(){}');
  fs.writeFileSync(path.join(dir, 'src/deep/x.h'), '');
  fs.chmodSync(path.join(dir, 'src'), 0o755);
  fs.symlinkSync('Dockerfile', path.join(dir, 'link'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ref = (over: Partial<FolderRef> = {}): FolderRef => ({ dir, daemonRoot: '/var/lib/docker/tmp/buildkit-mount1', ...over });

describe('goFileMode', () => {
  test('regular 0644 is 420; directories set bit 31, symlinks bit 27', () => {
    expect(goFileMode(fs.lstatSync(path.join(dir, 'Dockerfile')))).toBe(420);
    expect(goFileMode(fs.lstatSync(path.join(dir, 'run.sh')))).toBe(0o755);
    expect(goFileMode(fs.lstatSync(path.join(dir, 'src')))).toBe((0x80000000 | 0o755) >>> 0);
    expect(goFileMode(fs.lstatSync(path.join(dir, 'link'))) & 0x08000000).toBe(0x08000000);
  });
});

describe('folder refs', () => {
  test('ReadFile serves bytes and ranges; a missing file is dockerd-worded', () => {
    expect(readFile(ref(), 'Dockerfile').toString()).toBe('FROM scratch\n');
    expect(readFile(ref(), '/Dockerfile', { Offset: 5, Length: 7 }).toString()).toBe('scratch');
    expect(() => readFile(ref(), 'nope')).toThrow('open /var/lib/docker/tmp/buildkit-mount1/nope: no such file or directory');
    expect(() => readFile(ref(), 'src')).toThrow('read /var/lib/docker/tmp/buildkit-mount1/src: is a directory');
    expect(() => readFile(ref(), '../../etc/passwd')).toThrow('no such file or directory'); // stays inside the root
  });

  test('StatFile names the entry by its base name; ReadDir lists one level, sorted', () => {
    expect(statFile(ref(), 'src/main.c')).toMatchObject({ path: 'main.c', mode: 420, size: '12' });
    expect(statFile(ref(), 'link')).toMatchObject({ path: 'link', linkname: 'Dockerfile' });
    expect(() => statFile(ref(), 'x/y')).toThrow('lstat /var/lib/docker/tmp/buildkit-mount1/x/y: no such file or directory');
    expect(readDir(ref(), '.').map((s) => s.path)).toEqual(['Dockerfile', 'link', 'run.sh', 'src']);
    expect(readDir(ref(), 'src', '*.c').map((s) => s.path)).toEqual(['main.c']);
    expect(() => readDir(ref(), 'missing')).toThrow('no such file or directory');
  });

  test('followpaths and include patterns hide everything else; excludes apply with negation', () => {
    const follow = ref({ followPaths: ['Dockerfile', 'Dockerfile.dockerignore'] });
    expect(readDir(follow, '.').map((s) => s.path)).toEqual(['Dockerfile']);
    expect(() => readFile(follow, 'run.sh')).toThrow('no such file or directory');

    const include = ref({ includePatterns: ['src/**/*.h'] });
    expect(visible(include, 'src', true)).toBe(true);
    expect(visible(include, 'src')).toBe(false); // a file named src would not match
    expect(visible(include, 'src/deep/x.h')).toBe(true);
    expect(visible(include, 'src/main.c')).toBe(false);

    const exclude = ref({ excludePatterns: ['src', '!src/main.c', '*.sh'] });
    expect(visible(exclude, 'src/deep/x.h')).toBe(false);
    expect(visible(exclude, 'src/main.c')).toBe(true);
    expect(visible(exclude, 'run.sh')).toBe(false);
    expect(visible(exclude, 'Dockerfile')).toBe(true);
  });

  test('globs: * stays in one segment, ** crosses them', () => {
    expect(globToRegExp('*.c').test('a.c')).toBe(true);
    expect(globToRegExp('*.c').test('x/a.c')).toBe(false);
    expect(globToRegExp('**/a.c').test('x/y/a.c')).toBe(true);
    expect(globToRegExp('**/a.c').test('a.c')).toBe(true);
    expect(globToRegExp('file[0-9].txt').test('file7.txt')).toBe(true);
  });
});

describe('Http2StreamCheck', () => {
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  const frame = (type: number, payload = Buffer.alloc(0)) => {
    const h = Buffer.alloc(9);
    h.writeUIntBE(payload.length, 0, 3);
    h[3] = type;
    return Buffer.concat([h, payload]);
  };

  test('accepts the preface and frames, split anywhere', () => {
    const bytes = Buffer.concat([preface, frame(4, Buffer.alloc(6)), frame(1, Buffer.alloc(20)), frame(0, Buffer.from('x'))]);
    const check = new Http2StreamCheck();
    for (let i = 0; i < bytes.length; i += 7) check.feed(bytes.subarray(i, i + 7));
    expect(check.report()).toEqual({ bytes: bytes.length, frames: 3, clean: true });
  });

  test('rejects text before the preface, text between frames and a cut-off frame', () => {
    const before = new Http2StreamCheck();
    before.feed(Buffer.from('hello\n'));
    expect(before.report().clean).toBe(false);

    const between = new Http2StreamCheck();
    between.feed(Buffer.concat([preface, frame(4), Buffer.from('console.log output\n')]));
    expect(between.report()).toMatchObject({ clean: false, frames: 1 });

    const cut = new Http2StreamCheck();
    cut.feed(Buffer.concat([preface, frame(4, Buffer.alloc(6)).subarray(0, 12)]));
    expect(cut.report().error).toMatch(/ends inside a frame/);
  });
});
