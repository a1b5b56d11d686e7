import { describe, expect, it } from 'vitest';
import { FileAction, normalizePath } from './fileop.js';
import { decodeDefinition, marshal } from './marshal.js';
import { image, local } from './source.js';
import { scratch, type State } from './state.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const base = image('alpine:3.20', { platform: amd64 });
const ctx = local('context', { sessionId: 's1' });
const IMAGE = 'sha256:52ad980af60eade03cf05fce2206c19483941c8d9a53f43a293199ac3344a235';
const CTX = 'sha256:fbe4a890a9f14cd426139404ab1f7902056af26ba467ec9398d37c20459edb79';

function lastOp(s: State) {
  const ops = decodeDefinition(marshal(s));
  return ops[ops.length - 2];
}

describe('file', () => {
  it('chains actions on the previous result and copies with every option; pinned digest', () => {
    const st = base.file(
      FileAction.mkdir('/app', 0o755, { makeParents: true }).copy(ctx, 'src', '/app/', {
        mode: 0o644,
        followSymlink: true,
        dirCopyContents: true,
        createDestPath: true,
        allowWildcard: true,
        allowEmptyWildcard: true,
        owner: { user: { id: 1000 }, group: { name: 'app' } },
        timestamp: 1700000000000,
      }),
    );
    const { op, digest, metadata } = lastOp(st);
    expect(op.platform).toBeUndefined();
    expect(op.constraints).toEqual({});
    expect(op.inputs).toEqual([{ digest: IMAGE }, { digest: CTX }]);
    expect(op.file?.actions).toEqual([
      { secondaryInput: -1, output: -1, mkdir: { path: '/app', mode: 0o755, makeParents: true, timestamp: -1 } },
      {
        input: 2, // len(inputs) + 0: the result of action 0
        secondaryInput: 1,
        copy: {
          src: '/src',
          dest: '/app/',
          owner: { user: { byID: 1000 }, group: { byName: { name: 'app' } } }, // named: resolved in input 0
          mode: 0o644,
          followSymlink: true,
          dirCopyContents: true,
          createDestPath: true,
          allowWildcard: true,
          allowEmptyWildcard: true,
          timestamp: '1700000000000000000',
        },
      },
    ]);
    expect(digest).toBe('sha256:ec8cfc4a78ffd104944afd285d270ff15d20b692b0ae99c45475c536f5594879');
    expect(metadata?.caps).toEqual({ 'file.base': true });
  });

  it('uses -1 for scratch, keep-mode and unset timestamps', () => {
    const { op } = lastOp(scratch().file(FileAction.copy(scratch(), '/', '/').mkfile('f', 0o100644, 'hi', { owner: { user: { id: 0 } } }).rm('/f')));
    expect(op.inputs).toBeUndefined();
    expect(op.file?.actions).toEqual([
      { input: -1, secondaryInput: -1, output: -1, copy: { src: '/', dest: '/', mode: -1, timestamp: -1 } },
      { secondaryInput: -1, output: -1, mkfile: { path: '/f', mode: 0o644, data: new TextEncoder().encode('hi'), owner: { user: { byID: 0 } }, timestamp: -1 } },
      { input: 1, secondaryInput: -1, rm: { path: '/f' } },
    ]);
  });

  it('gives a repeated source one input slot and resolves named owners in `from`', () => {
    const users = image('busybox', { platform: amd64 });
    const { op } = lastOp(
      base.file(
        FileAction.copy(ctx, 'a', '/a')
          .copy(base, '/etc', '/etc2')
          .copy(ctx, 'b', '/b', { owner: { user: { name: 'u', from: users }, group: { name: '' } } }),
      ),
    );
    expect(op.inputs?.map((i) => i.digest)).toEqual([IMAGE, CTX, expect.stringMatching(/^sha256:/)]);
    expect(op.file?.actions?.map((a) => [a.input ?? 0, a.secondaryInput ?? 0, a.output ?? 0])).toEqual([
      [0, 1, -1],
      [3, 0, -1],
      [4, 1, 0],
    ]);
    expect(op.file?.actions?.[2].copy?.owner).toEqual({ user: { byName: { name: 'u', input: 2 } }, group: { byID: 0 } });
  });

  it('declares the caps of the copy options and actions it uses', () => {
    const { metadata, op } = lastOp(
      base.file(
        FileAction.copy(ctx, '/', '/', { includePatterns: ['*.go'], excludePatterns: ['vendor'], alwaysReplaceExistingDestPaths: true, mode: 'u+x' })
          .symlink('/usr/bin/app', '/app')
          .rm('/tmp/*', { allowNotFound: true, allowWildcard: true }),
      ),
    );
    expect(op.file?.actions?.[0].copy).toMatchObject({ modeStr: 'u+x', include_patterns: ['*.go'], exclude_patterns: ['vendor'], alwaysReplaceExistingDestPaths: true });
    expect(op.file?.actions?.[0].copy?.mode).toBeUndefined(); // a mode string leaves mode unset, as in Go
    expect(op.file?.actions?.[1].symlink).toEqual({ oldpath: '/usr/bin/app', newpath: '/app', timestamp: -1 });
    expect(metadata?.caps).toEqual({
      'file.base': true,
      'file.copy.alwaysreplaceexistingdestpaths': true,
      'file.copy.includeexcludepatterns': true,
      'file.symlink.create': true,
    });
  });

  it('keeps the platform of its base State', () => {
    expect(base.file(FileAction.mkdir('/x', 0o755)).getPlatform()).toEqual(amd64);
  });

  it('is immutable: extending a chain leaves the original alone', () => {
    const a = FileAction.mkdir('/a', 0o755);
    const b = a.mkdir('/b', 0o755);
    expect(a.steps()).toHaveLength(1);
    expect(b.steps().map((s) => s.kind)).toEqual(['mkdir', 'mkdir']);
  });
});

describe('normalizePath', () => {
  it.each([
    ['foo', false, '/foo'],
    ['/foo/../bar/', false, '/bar'],
    ['./a/./b', false, '/a/b'],
    ['', false, '/'],
    ['/app/', true, '/app/'],
    ['app/.', true, '/app/.'],
    ['/.', true, '/.'],
    ['/', true, '/'],
    ['a//b/', true, '/a/b/'],
    ['../..', false, '/'],
  ])('%j (keepSlash %s) → %j', (p, keep, want) => {
    expect(normalizePath(p, keep)).toBe(want);
  });
});
