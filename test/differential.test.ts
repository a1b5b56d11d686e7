// The differential suite's pure parts (test/differential.ts) and the shape of its cases; the
// docker side is test/differential.itest.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { afterAll, describe, expect, test } from 'vitest';
import { buildArgv, diffLines, errorText, diffManifests, imageText, limiter, listCases, manifest, readTar, summarizeImage, withoutAccepted } from './differential.js';

const top = path.resolve(__dirname, '..');
const root = path.join(top, 'testdata/diff');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'differential-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function writeTar(file: string, entries: [Partial<tar.Header> & { name: string }, string?][]): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, fs.createWriteStream(file));
  for (const [h, body] of entries) pack.entry(h as tar.Header, body ?? '');
  pack.finalize();
  await done;
}

describe('tar manifests', () => {
  test('one line per entry: type, mode, owner, size, hash and small texts, link targets; timestamps aside', async () => {
    const file = path.join(tmp, 'a.tar');
    await writeTar(file, [
      [{ name: 'dir/', type: 'directory', mode: 0o755, mtime: new Date(1) }],
      [{ name: 'dir/f', mode: 0o4755, uid: 1000, gid: 1001, mtime: new Date(2) }, 'hi\n'],
      [{ name: 'dir/bin', mode: 0o644 }, '\u0000\u0001'],
      [{ name: 'link', type: 'symlink', linkname: 'dir/f', mode: 0o777 }],
      [{ name: 'hard', type: 'link', linkname: 'dir/f', mode: 0o4755 }],
      [{ name: 'x', mode: 0o600, pax: { 'SCHILY.xattr.user.k': 'v' } }, ''],
    ]);
    expect(manifest(await readTar(file))).toBe(
      [
        'dir directory 0755 0:0',
        'dir/bin file 0644 0:0 2B sha256:b413f47d13ee2fe6',
        'dir/f file 4755 1000:1001 3B sha256:98ea6e4f216f2fb4 "hi\\n"',
        'hard link 4755 0:0 => dir/f',
        'link symlink 0777 0:0 -> dir/f',
        'x file 0600 0:0 0B sha256:e3b0c44298fc1c14 "" xattrs[user.k=4c94485e0c21]',
        '',
      ].join('\n'),
    );
  });

  test('a manifest difference is keyed by path, built-in first', () => {
    const a = 'a file 0644 0:0\nb file 0644 0:0\n';
    const b = 'a file 0600 0:0\nc file 0644 0:0\n';
    expect(diffManifests(a, b)).toBe(['--- built-in', '+++ ours', '- a file 0644 0:0', '+ a file 0600 0:0', '- b file 0644 0:0', '+ c file 0644 0:0'].join('\n'));
    expect(diffManifests(a, a)).toBe('');
  });
});

describe('image summaries', () => {
  const inspect = JSON.stringify([
    {
      Config: { Hostname: '', User: '1000', Env: ['PATH=/bin', 'A=1'], Cmd: null, Labels: { b: '2', a: '1' }, WorkingDir: '/w', Tty: false },
      Author: 'me',
      Os: 'linux',
      Architecture: 'amd64',
    },
  ]);
  const history = [
    '{"CreatedBy":"COPY f / # buildkit","Comment":"buildkit.dockerfile.v0","Size":"12B"}',
    '{"CreatedBy":"ENV A=1","Comment":"buildkit.dockerfile.v0","Size":"0B"}',
  ].join('\n');

  test('keep what the Dockerfile decides, one fact per line, history oldest first', () => {
    expect(imageText(summarizeImage(inspect, history))).toBe(
      [
        'platform: linux/amd64',
        'author: me',
        'Env[]: PATH=/bin',
        'Env[]: A=1',
        'Labels.b: "2"',
        'Labels.a: "1"',
        'User: "1000"',
        'WorkingDir: "/w"',
        'history: ENV A=1  (buildkit.dockerfile.v0)',
        'history: COPY f / # buildkit  (buildkit.dockerfile.v0)  +layer',
        '',
      ].join('\n'),
    );
  });

  test('diffLines marks removed and added lines', () => {
    expect(diffLines('a\nb\nc', 'a\nx\nc')).toBe(['--- built-in', '+++ ours', '  a', '+ x', '- b', '  c'].join('\n'));
    expect(diffLines('same', 'same')).toBe('');
  });
});

describe('accepted differences', () => {
  const diff = ['--- built-in', '+++ ours', '  keep', '- old one,', '+ new one', '- other'].join('\n');

  test('an accepted pair is dropped; what remains is still reported', () => {
    const r = withoutAccepted(diff, [{ why: 'w', builtin: 'old one', ours: 'new one,' }]);
    expect(r.diff).toBe(['--- built-in', '+++ ours', '  keep', '- other'].join('\n'));
    expect(r.unused).toEqual([]);
  });

  test('a diff left with only accepted pairs is empty; an accepted pair that did not occur is returned', () => {
    const both = withoutAccepted(diff, [
      { why: 'a', builtin: ['old one', 'other'], ours: ['new one'] },
      { why: 'b', builtin: 'gone', ours: 'gone too' },
    ]);
    expect(both.unused.map((u) => u.why)).toEqual(['b']);
    const only = withoutAccepted(['--- built-in', '+++ ours', '- x', '+ y'].join('\n'), [{ why: 'a', builtin: 'x', ours: 'y' }]);
    expect(only.diff).toBe('');
  });

  test('a line listed twice takes two diff lines; {*} stands for any text', () => {
    const d = ['--- built-in', '+++ ours', '- ----', '- ERROR: lookup registry on 10.0.0.1:53: no such host', '- ----', '+ exit 0'].join('\n');
    expect(withoutAccepted(d, [{ why: 'w', builtin: ['----', '----', 'ERROR: lookup {*} on {*}: no such host'], ours: 'exit 0' }])).toEqual({ diff: '', unused: [] });
    expect(withoutAccepted(d, [{ why: 'w', builtin: ['----', 'ERROR: lookup {*} on {*}: no such host'], ours: 'exit 0' }]).diff).toBe(['--- built-in', '+++ ours', '- ----'].join('\n'));
    expect(withoutAccepted(d, [{ why: 'w', builtin: ['----', '----', '----'], ours: 'exit 0' }]).unused.length).toBe(1);
    expect(withoutAccepted(d, [{ why: 'w', builtin: 'absent', ours: 'exit 0', sometimes: true }]).unused).toEqual([]);
    // without {*} a * is itself
    expect(withoutAccepted(['- COPY *.md', '+ COPY a.md'].join('\n'), [{ why: 'w', builtin: 'COPY *.md', ours: 'COPY *.md' }]).unused.length).toBe(1);
    expect(withoutAccepted(['- COPY *.md', '+ COPY a.md'].join('\n'), [{ why: 'w', builtin: 'COPY *.md', ours: 'COPY {*}.md' }]).diff).toBe('');
  });
});

test('the limiter never runs more than n tasks at once', async () => {
  const limit = limiter(2);
  let active = 0;
  let peak = 0;
  const task = async () => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 5));
    active--;
  };
  await Promise.all(Array.from({ length: 7 }, () => limit(task)));
  expect(peak).toBe(2);
});

test('errorText keeps what buildx prints after the last progress line', () => {
  const log = [
    '#0 building with "default" instance using docker driver',
    '',
    '#1 [internal] load build definition from Dockerfile',
    '#1 DONE 0.1s',
    'Dockerfile:2',
    '--------------------',
    '   1 |     FROM alpine',
    '   2 | >>> COPPY app.wasm /app.wasm',
    '   3 |     ',
    '--------------------',
    'ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: COPPY',
    '',
  ].join('\n');
  expect(errorText(log)).toBe(log.split('\n').slice(4, 11).join('\n'));
  expect(errorText('#1 DONE 0.0s\n')).toBe('');
  // a failed step's log lines carry seconds since the step began: left out
  expect(errorText('#5 ERROR: x\n------\n > [1/1] RUN false:\n0.188 fatal: no\n------\nERROR: failed')).toBe('------\n > [1/1] RUN false:\n------\nERROR: failed');
});

describe('the cases in testdata/diff', () => {
  const cases = listCases(root);

  test('there are at least 60, with at most a handful built by ours only', () => {
    expect(cases.filter((c) => !c.args.oursOnly).length).toBeGreaterThanOrEqual(60);
    expect(cases.filter((c) => c.args.oursOnly).length).toBeLessThanOrEqual(10);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    // the name becomes an image tag (wfdiff/<name>)
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    const text = fs.readFileSync(path.join(c.dir, 'Dockerfile'), 'utf8');
    // the built-in frontend must build it: a syntax line would send it elsewhere
    expect(text).not.toMatch(/^#\s*syntax\s*=/im);
    if (c.args.oursOnly) expect(fs.existsSync(path.join(top, 'testdata/diff-expected', `${name}.txt`))).toBe(true);
    for (const src of Object.values(c.args.secrets ?? {})) expect(fs.existsSync(path.join(c.dir, src))).toBe(true);
    for (const dir of Object.values(c.args.baseImages ?? {})) expect(fs.existsSync(path.join(c.dir, dir, 'Dockerfile'))).toBe(true);
    for (const a of Object.values(c.args.accept ?? {}).flat()) expect(a.why.length).toBeGreaterThan(10);
    expect(buildArgv(c)[1]).toBe(path.join(c.dir, 'Dockerfile'));
  });

  test('every expected file belongs to an ours-only case', () => {
    const ours = new Set(cases.filter((c) => c.args.oursOnly).map((c) => `${c.name}.txt`));
    for (const f of fs.readdirSync(path.join(top, 'testdata/diff-expected'))) expect(ours.has(f), f).toBe(true);
  });
});
