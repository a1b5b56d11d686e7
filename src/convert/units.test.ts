import { describe, expect, test } from 'vitest';
import { copyDest, isGitSource, isHTTPSource } from './copy.js';
import { parsePortSpec, resolveWorkdir } from './dispatch.js';
import { parseDockerignore } from './dockerignore.js';
import { EnvList } from './env.js';
import { OptionError, readBuildOptions } from './options.js';
import { parsePlatform, parsePlatformList, platformID } from './platform.js';
import { csvFields, MountError, parseMount, ramInBytes } from './runmount.js';

const id = (w: string) => w;

describe('platforms', () => {
  test.each([
    ['wasi/wasm', 'wasi/wasm', false],
    ['wasi/wasm32', 'wasi/wasm', true],
    ['wasip1/wasm', 'wasi/wasm', true],
    ['WASI/WASM', 'wasi/wasm', false],
    ['wasm/wasi', 'wasi/wasm', true],
    ['linux/wasm', 'wasi/wasm', true],
    ['linux/amd64', 'linux/amd64', false],
    ['linux/x86_64', 'linux/amd64', false],
    ['linux/arm64/v8', 'linux/arm64', false],
    ['linux/arm', 'linux/arm/v7', false],
    ['arm64', 'linux/arm64', false],
    // a lone architecture word is linux/<arch> first, then folded like linux/wasm (issue #9)
    ['wasm', 'wasi/wasm', true],
    ['WASM32', 'wasi/wasm', true],
    ['wasi', 'wasi/wasm', true],
    ['linux/wasm32', 'wasi/wasm', true],
    ['wasm32/wasi', 'wasi/wasm', true],
    ['wasip1/wasm32', 'wasi/wasm', true],
    ['windows', 'windows/amd64', false],
  ])('%s → %s', (input, want, warns) => {
    const p = parsePlatform(input);
    expect(platformID(p.platform)).toBe(want);
    expect(!!p.warning).toBe(warns);
  });

  test('the warning for a lone word names what it was read as', () => {
    expect(parsePlatform('wasm').warning).toBe('platform "wasm" (that is, "linux/wasm") is read as "wasi/wasm"');
  });

  test('lists drop duplicates after normalising', () => {
    expect(parsePlatformList('wasi/wasm,linux/amd64,wasip1/wasm').map((p) => platformID(p.platform))).toEqual(['wasi/wasm', 'linux/amd64']);
  });

  test('bad platforms are refused', () => {
    expect(() => parsePlatform('linux/amd64/v1/x')).toThrow(/unknown operating system or architecture/);
  });
});

describe('build options', () => {
  const read = (o: Record<string, string>) => readBuildOptions(new Map(Object.entries(o)));

  test('build args, labels, target, platforms, resolve mode', () => {
    const o = read({ 'build-arg:A': '1', 'label:l': 'v', target: 'build', platform: 'linux/amd64,wasi/wasm', 'image-resolve-mode': 'pull' });
    expect([...o.buildArgs]).toEqual([['A', '1']]);
    expect([...o.labels]).toEqual([['l', 'v']]);
    expect(o.target).toBe('build');
    expect(o.multiPlatform).toBe(true);
    expect(o.imageResolveMode).toBe('pull');
    expect(o.filename).toBe('Dockerfile');
  });

  test('no-cache, hosts, shm-size, ulimits, network mode', () => {
    const o = read({ 'no-cache': '', 'add-hosts': 'a=1.2.3.4,B=5.6.7.8', 'shm-size': '67108864', ulimit: 'nofile=1024:2048,nproc=10', 'force-network-mode': 'none' });
    expect(o.noCache).toEqual(new Set());
    expect(o.extraHosts).toEqual([{ host: 'a', ip: '1.2.3.4' }, { host: 'b', ip: '5.6.7.8' }]);
    expect(o.shmSize).toBe(67108864);
    expect(o.ulimits).toEqual([{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'nproc', soft: 10, hard: 10 }]);
    expect(o.networkMode).toBe('none');
    expect(read({ 'no-cache': 'a,b' }).noCache).toEqual(new Set(['a', 'b']));
  });

  test('cache imports from JSON and from cache-from', () => {
    const o = read({ 'cache-imports': '[{"Type":"local","Attrs":{"src":"/c"}}]', 'cache-from': 'reg/img:cache' });
    expect(o.cacheImports).toEqual([{ type: 'local', attrs: { src: '/c' } }, { type: 'registry', attrs: { ref: 'reg/img:cache' } }]);
  });

  test('invalid values are clear errors', () => {
    expect(() => read({ 'image-resolve-mode': 'sometimes' })).toThrow(OptionError);
    expect(() => read({ 'shm-size': '64m' })).toThrow('failed to parse shm size: strconv.ParseInt: parsing "64m": invalid syntax');
    expect(() => read({ platform: 'linux/amd64,wasi/wasm', 'multi-platform': 'false' })).toThrow(/multi-platform is false/);
  });
});

describe('env list', () => {
  test('a re-set key moves to the end, as BuildKit orders exec env', () => {
    const e = EnvList.fromArray(['PATH=/bin', 'A=1']).set('PATH', '/x').set('B', '2');
    expect(e.toArray()).toEqual(['A=1', 'PATH=/x', 'B=2']);
    expect(e.get('PATH')).toBe('/x');
  });
});

describe('paths', () => {
  test.each([
    ['/', 'app', '/app'],
    ['/app', '../x/./y', '/x/y'],
    ['/app', '/abs//p/', '/abs/p'],
  ])('workdir %s + %s', (cwd, p, want) => expect(resolveWorkdir(cwd, p)).toBe(want));

  test.each([
    ['/src', '.', '/src/'],
    ['/src', '', '/src/'],
    ['/src', 'a/', '/src/a/'],
    ['/src', 'a', '/src/a'],
    ['/', '/x/../y', '/y'],
  ])('copy dest %s + %s', (cwd, d, want) => expect(copyDest(cwd, d)).toBe(want));

  test('URL and git sources', () => {
    expect(isHTTPSource('https://example.com/a.tar.gz')).toBe(true);
    expect(isGitSource('https://github.com/a/b.git#main')).toBe(true);
    expect(isHTTPSource('https://github.com/a/b.git')).toBe(false);
    expect(isGitSource('git@github.com:a/b.git')).toBe(true);
    expect(isHTTPSource('src/app')).toBe(false);
  });

  test('ports', () => {
    expect(parsePortSpec('8000-8002/udp')).toEqual(['8000/udp', '8001/udp', '8002/udp']);
    expect(parsePortSpec('80')).toEqual(['80/tcp']);
    expect(() => parsePortSpec('80/xyz')).toThrow('invalid proto: xyz');
  });
});

describe('.dockerignore', () => {
  test('comments, blanks, leading slashes, exceptions, cleaning', () => {
    expect(parseDockerignore('# c\n\n /target/ \n!target/keep\n./a/../b\n*.wasm\n')).toEqual(['target', '!target/keep', 'b', '*.wasm']);
  });
});

describe('RUN --mount', () => {
  test('defaults per type', () => {
    expect(parseMount('type=cache,target=/c', id)).toMatchObject({ type: 'cache', target: '/c', readonly: false });
    expect(parseMount('target=/b', id)).toMatchObject({ type: 'bind', readonly: true });
    expect(parseMount('type=bind,target=/b,rw', id)).toMatchObject({ readonly: false });
    expect(parseMount('type=secret,id=t,required', id)).toMatchObject({ type: 'secret', id: 't', required: true });
    expect(parseMount('type=tmpfs,target=/t,size=64m', id)).toMatchObject({ size: 64 * 1024 * 1024 });
    expect(parseMount('type=cache,target=/c,mode=0700,uid=1000', id)).toMatchObject({ mode: 0o700, uid: 1000 });
  });

  test('the first pass reads only from, and refuses variables in it', () => {
    expect(parseMount('type=bind,from=deps,target=$X')).toMatchObject({ from: 'deps' });
    expect(() => parseMount('from=$STAGE')).toThrow("'from' doesn't support variable expansion, define alias stage instead");
  });

  test('errors read like BuildKit', () => {
    expect(() => parseMount('type=volume', id)).toThrow('unsupported mount type "volume"');
    expect(() => parseMount('type=bind,target=/x,mode=0700', id)).toThrow('mode not allowed for "bind" type mounts');
    expect(() => parseMount('type=bind,target=/x,sharing=locked', id)).toThrow(MountError);
    expect(() => parseMount('type=cache,tagret=/x', (w) => w, (w, c) => (w === 'tagret' && c.includes('target') ? 'target' : undefined))).toThrow(
      "unexpected key 'tagret' in 'tagret=/x' (did you mean target?)",
    );
  });

  test('CSV fields and sizes', () => {
    expect(csvFields('a=1,"b=2,3",c')).toEqual(['a=1', 'b=2,3', 'c']);
    expect(ramInBytes('1g')).toBe(1024 ** 3);
    expect(ramInBytes('512')).toBe(512);
  });
});
