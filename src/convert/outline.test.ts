// The outline's selection rules (dockerfile2llb outline.go) on small Dockerfiles, and doc comments.
import { describe, expect, test } from 'vitest';
import { parseDockerfile } from '../dockerfile/index.js';
import { docComment, docComments, listTargets, outline, type OutlineOptions } from './outline.js';

function outlineOf(text: string, over: Partial<OutlineOptions> = {}) {
  return outline({
    dockerfile: parseDockerfile(text),
    source: Buffer.from(text),
    buildArgs: new Map(),
    buildPlatform: { os: 'linux', architecture: 'amd64' },
    ...over,
  });
}

const names = (o: ReturnType<typeof outlineOf>) => (o.args ?? []).map((a) => `${a.name}=${a.value ?? ''}`);

describe('outline args', () => {
  test('a global ARG shows only when a FROM uses it, with the globals its default read', () => {
    const o = outlineOf('ARG REG=docker.io\nARG IMG=${REG}/busybox\nARG UNUSED=1\nFROM ${IMG}\n');
    expect(names(o)).toEqual(['REG=docker.io', 'IMG=docker.io/busybox']);
  });

  test('FROM --platform uses its args too', () => {
    const o = outlineOf('ARG P=linux/arm64\nFROM --platform=$P busybox\n');
    expect(names(o)).toEqual(['P=linux/arm64']);
  });

  test('an ARG redeclared without a default in a stage keeps the global definition', () => {
    const o = outlineOf('# V the version\nARG V=1\nFROM busybox\nARG V\n');
    expect(o.args).toEqual([{ name: 'V', description: 'the version', value: '1', location: { ranges: [{ start: { line: 2 }, end: { line: 2 } }] } }]);
  });

  test('a build arg gives the value; a stage ARG default expands with the stage env', () => {
    const o = outlineOf('FROM busybox\nENV BASE=/opt\nARG DIR=$BASE/app\nARG MODE\n', { buildArgs: new Map([['MODE', 'fast']]) });
    expect(names(o)).toEqual(['DIR=/opt/app', 'MODE=fast']);
  });

  test('predefined platform args are not listed, even when declared', () => {
    const o = outlineOf('FROM busybox\nARG TARGETARCH\nARG BUILDPLATFORM\n');
    expect(o.args).toBeUndefined();
  });

  test('the nearest stage defines an arg: the target first, then its base, then what it copies from', () => {
    const o = outlineOf('FROM busybox AS a\nARG X=a\nFROM busybox AS b\nARG X=b\nFROM a AS c\nCOPY --from=b /x /x\n');
    expect(names(o)).toEqual(['X=a']);
    const o2 = outlineOf('FROM busybox AS a\nARG X=a\nFROM a\nARG X=child\n');
    expect(names(o2)).toEqual(['X=child']);
  });

  test('RUN --mount from and COPY --from by index reach other stages', () => {
    const o = outlineOf('FROM busybox\nARG ZERO=0\nFROM busybox AS m\nARG M=1\nFROM busybox\nCOPY --from=0 /a /a\nRUN --mount=from=m,target=/m true\n');
    expect(names(o)).toEqual(['ZERO=0', 'M=1']);
  });
});

describe('outline secrets and ssh', () => {
  test('the secret id is source, else id, else the target name; ssh defaults to "default"; the first use wins', () => {
    const o = outlineOf(
      [
        'FROM busybox',
        'RUN --mount=type=secret,target=/run/secrets/tok true',
        'RUN --mount=type=secret,id=aws,required true',
        'RUN --mount=type=secret,id=aws true',
        'RUN --mount=type=ssh,id=gh --mount=type=ssh true',
        '',
      ].join('\n'),
    );
    expect(o.secrets!.map((s) => [s.name, !!s.required, s.location!.ranges[0]!.start.line])).toEqual([
      ['tok', false, 2],
      ['aws', true, 3],
    ]);
    expect(o.ssh!.map((s) => s.name)).toEqual(['gh', 'default']);
  });
});

describe('doc comments', () => {
  test('comment lines accumulate over blank lines; an empty # starts over; directives and indented # are kept apart', () => {
    const text = '# syntax=docker/dockerfile:1\n# A first\n\n# A second\n#\n# B only\nARG A B\n  # C indented\nFROM busybox AS c\n';
    const df = parseDockerfile(text);
    const comments = docComments(df, Buffer.from(text));
    expect(comments.get(7)).toEqual(['B only']);
    expect(docComment(comments, df.metaArgs[0]!.range, 'B')).toBe('only');
    expect(docComment(comments, df.metaArgs[0]!.range, 'A')).toBe('');
    expect(comments.get(9)).toEqual(['# C indented']);
    const all = '# A one\n# A two\nARG A\nFROM x\n';
    expect(docComment(docComments(parseDockerfile(all), Buffer.from(all)), { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, 'A')).toBe('one');
  });

  test('targets: a stage without a name has no description; the FROM range gives one range per line', () => {
    const text = '# build x\nFROM busybox AS build\n# unnamed\nFROM \\\n  scratch\n';
    const t = listTargets(parseDockerfile(text), Buffer.from(text));
    expect(t.targets).toEqual([
      { name: 'build', description: 'x', base: 'busybox', location: { ranges: [{ start: { line: 2 }, end: { line: 2 } }] } },
      {
        default: true,
        base: 'scratch',
        location: { ranges: [{ start: { line: 4 }, end: { line: 4 } }, { start: { line: 5 }, end: { line: 5 } }] },
      },
    ]);
  });
});
