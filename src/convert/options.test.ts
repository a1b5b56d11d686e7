// Frontend options read as dockerui's init reads them: the values, and the errors for bad ones.
import { describe, expect, test } from 'vitest';
import { readBuildOptions } from './options.js';

const read = (o: Record<string, string>) => readBuildOptions(new Map(Object.entries(o)));

describe('options as dockerui reads them', () => {
  test('BUILDKIT_SANDBOX_HOSTNAME wins over hostname', () => {
    expect(read({ hostname: 'opt' }).hostname).toBe('opt');
    expect(read({ hostname: 'opt', 'build-arg:BUILDKIT_SANDBOX_HOSTNAME': 'arg' }).hostname).toBe('arg');
    expect(read({ hostname: 'opt', 'build-arg:BUILDKIT_SANDBOX_HOSTNAME': '' }).hostname).toBe('opt');
  });

  test('no-cache names stages without case', () => {
    expect(read({ 'no-cache': 'Build,test' }).noCache).toEqual(new Set(['build', 'test']));
    expect(read({}).noCache).toBeUndefined();
  });

  test('add-hosts: host=ip CSV fields, lowercased, the IP checked', () => {
    expect(read({ 'add-hosts': 'MyHost=10.1.2.3,v6=::1' }).extraHosts).toEqual([
      { host: 'myhost', ip: '10.1.2.3' },
      { host: 'v6', ip: '::1' },
    ]);
    expect(() => read({ 'add-hosts': 'myhost:10.1.2.3' })).toThrow('failed to parse additional hosts: invalid key-value pair myhost:10.1.2.3');
    expect(() => read({ 'add-hosts': 'a=300.1.2.3' })).toThrow('failed to parse additional hosts: failed to parse IP 300.1.2.3');
  });

  test('ulimit: go-units names and soft[:hard]', () => {
    expect(read({ ulimit: 'nofile=1024:2048,core=-1' }).ulimits).toEqual([
      { name: 'nofile', soft: 1024, hard: 2048 },
      { name: 'core', soft: -1, hard: -1 },
    ]);
    expect(() => read({ ulimit: 'files=1' })).toThrow('failed to parse ulimit: invalid ulimit type: files');
    expect(() => read({ ulimit: 'nofile' })).toThrow('failed to parse ulimit: invalid ulimit argument: nofile');
    expect(() => read({ ulimit: 'nofile=2:1' })).toThrow('ulimit soft limit must be less than or equal to hard limit: 2 > 1');
  });

  test('shm-size is decimal bytes', () => {
    expect(read({ 'shm-size': '67108864' }).shmSize).toBe(67108864);
    expect(read({}).shmSize).toBe(0);
  });

  test('request, context keys and subdir, keep-git-dir', () => {
    const o = read({ requestid: 'frontend.outline', contextkey: 'ctx', dockerfilekey: 'df', contextsubdir: 'sub', 'build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR': '1' });
    expect(o).toMatchObject({ requestId: 'frontend.outline', contextKey: 'ctx', dockerfileKey: 'df', contextSubdir: 'sub', keepGitDir: true });
    expect(read({})).toMatchObject({ requestId: undefined, contextKey: 'context', dockerfileKey: undefined, contextSubdir: undefined, keepGitDir: undefined });
  });
});
