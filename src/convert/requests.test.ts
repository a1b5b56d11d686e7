// Go-compatible text (MarshalIndent, tabwriter), the subrequest answers and the caps check.
import { describe, expect, test } from 'vitest';
import { parseDockerfile } from '../dockerfile/index.js';
import { goMarshalIndent, tabwrite } from './gotext.js';
import { listTargets, outline } from './outline.js';
import { describeJSON, handleSubrequest, UnsupportedRequestError, validateFrontendCaps } from './requests.js';

describe('goMarshalIndent', () => {
  test('escapes as encoding/json: HTML characters, \\b and \\f as \\u, line separators, lone surrogates', () => {
    expect(goMarshalIndent({ s: '<a href="x">&</a>' })).toBe('{\n  "s": "\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"\n}');
    expect(goMarshalIndent(['\b\f\n\t\u2028\u2029\u0001'])).toBe('[\n  "\\u0008\\u000c\\n\\t\\u2028\\u2029\\u0001"\n]');
    expect(goMarshalIndent('\ud800x')).toBe('"\\ufffdx"');
    expect(goMarshalIndent('\\b')).toBe('"\\\\b"');
  });

  test('bytes are base64, undefined members are omitted, null and empty lists stay', () => {
    expect(goMarshalIndent({ a: undefined, b: Buffer.from('hi'), c: null, d: [], e: new Uint8Array([255]) })).toBe(
      '{\n  "b": "aGk=",\n  "c": null,\n  "d": [],\n  "e": "/w=="\n}',
    );
  });
});

describe('tabwrite', () => {
  test('pads all but the last cell to the column width plus padding, counting runes', () => {
    expect(tabwrite([['A', 'BB', 'last'], ['ccc', 'é', '']], 2)).toBe('A    BB  last\nccc  é   \n');
  });

  test('a column is aligned over consecutive rows that have it', () => {
    expect(tabwrite([['a', 'x'], ['long'], ['b', 'y']], 1)).toBe('a x\nlong\nb y\n');
  });
});

describe('subrequests', () => {
  const df = 'ARG A=1\nFROM busybox AS a\nARG B=2\nFROM a\n';
  const handlers = {
    outline: async () => outline({ dockerfile: parseDockerfile(df), source: Buffer.from(df), buildArgs: new Map(), buildPlatform: { os: 'linux', architecture: 'amd64' } }),
    targets: async () => listTargets(parseDockerfile(df), Buffer.from(df)),
    lint: async () => ({ warnings: null, sources: [{ filename: 'Dockerfile', data: Buffer.from(df) }] }),
  };

  test('no requestid: no answer, the build goes on', async () => {
    expect(await handleSubrequest(undefined, handlers)).toBeUndefined();
  });

  test('describe lists what this frontend answers, in BuildKit order, lint last', () => {
    expect((JSON.parse(describeJSON()) as { name: string }[]).map((r) => r.name)).toEqual([
      'frontend.outline',
      'frontend.targets',
      'frontend.subrequests.describe',
      'frontend.lint',
    ]);
    const lintDef = (JSON.parse(describeJSON()) as { name: string; metadata: { name: string }[] }[]).at(-1)!;
    expect(lintDef.metadata.map((m) => m.name)).toEqual(['result.json', 'result.txt', 'result.statuscode']);
  });

  test('lint answers carry result.statuscode too: 0 for a clean Dockerfile', async () => {
    const res = await handleSubrequest('frontend.lint', handlers);
    expect(Object.keys(res!.metadata).sort()).toEqual(['result.json', 'result.statuscode', 'result.txt', 'version']);
    expect(Buffer.from(res!.metadata['result.statuscode']!).toString()).toBe('0');
    expect(Buffer.from(res!.metadata['result.txt']!).toString()).toBe('');
  });

  test('answers carry result.json, result.txt and version, nothing else', async () => {
    const res = await handleSubrequest('frontend.targets', handlers);
    expect(Object.keys(res!.metadata).sort()).toEqual(['result.json', 'result.txt', 'version']);
  });

  test('an unknown request and an unknown cap are flagged unsupported with their detail', async () => {
    await expect(handleSubrequest('frontend.convertllb', handlers)).rejects.toMatchObject({
      message: 'unsupported request frontend.convertllb',
      unsupported: true,
      subrequest: 'frontend.convertllb',
    });
    expect(() => validateFrontendCaps('moby.buildkit.frontend.inputs,moby.buildkit.frontend.contexts+forward')).not.toThrow();
    expect(() => validateFrontendCaps('moby.buildkit.frontend.gitquerystring+forward')).toThrow(UnsupportedRequestError);
    expect(() => validateFrontendCaps('')).not.toThrow();
  });
});
