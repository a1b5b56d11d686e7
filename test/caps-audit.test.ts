// Capability gates against what BuildKit really advertises (issue #9 item 3).
//
// The harness plays Ping as BuildKit v0.8 (dockerd 20.10), v0.13 (Docker 26) and v0.26 answer it
// (test/harness/caps.ts, taken from each release's Caps.Init lists). The harness also refuses a
// definition that declares a cap its Ping did not list, as BuildKit's solver does
// (llbsolver WithValidateCaps), so a declared cap no BuildKit advertises fails every build.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { harnessCapsByVersion } from './harness/caps.js';
import { buildSolve, failure, Fixture } from './protocol-helpers.js';

const top = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
    }
  }
  return out;
}

/** Every cap ID the frontend tests (`has`), declares (`add`/`push`) or names in a refusal. */
function capsInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const patterns = [
    /\b(?:caps|llbCaps)(?:\.llb|\.frontend)?\.(?:add|push|has)\(\s*'([^']+)'/g,
    /new UnsupportedFeatureError\([^;]*?,\s*'([a-z][a-z0-9.-]+)'\s*[,)]/g,
    /_CAP = '([^']+)'/g,
  ];
  for (const dir of ['src/convert', 'src/llb', 'src/wasm', 'src/gateway']) {
    for (const file of sourceFiles(path.join(top, dir))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const re of patterns) {
        for (const m of text.matchAll(re)) {
          const list = found.get(m[1]!) ?? [];
          list.push(path.relative(top, file));
          found.set(m[1]!, list);
        }
      }
    }
  }
  return found;
}

describe('capability audit', () => {
  test('every cap the frontend gates on or declares is advertised by BuildKit v0.8, v0.13 or v0.26', () => {
    const advertised = new Set<string>();
    for (const t of Object.values(harnessCapsByVersion)) for (const c of [...t.llb, ...t.frontend]) advertised.add(c);
    const used = capsInSource();
    // the scan must see the gates it is about
    for (const c of ['exec.meta.ulimit', 'file.copy.includeexcludepatterns', 'source.ocilayout', 'exec.validexitcode', 'gateway.warnings']) {
      expect(used.has(c), c).toBe(true);
    }
    const never = [...used].filter(([c]) => !advertised.has(c)).map(([c, files]) => `${c} (${[...new Set(files)].join(', ')})`);
    expect(never).toEqual([]);
  });
});

const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());

describe('gates per BuildKit release', () => {
  const CHMOD = 'FROM busybox\nCOPY --chmod=u=rwx,g=rx src /dst\n';

  test('COPY --chmod=u=rwx,g=rx: sent as a mode string from v0.17 (v0.26 here), with no cap declared', async () => {
    const dir = fx.dir({ Dockerfile: CHMOD, src: 'x' });
    const t = harnessCapsByVersion['v0.26'];
    const r = await fx.run(dir, {}, { llbCaps: t.llb, frontendCaps: t.frontend });
    expect(r.returned?.error).toBeUndefined();
    const s = buildSolve(r);
    const copy = s.ops.find((o) => o.op.file)!;
    expect(copy.op.file!.actions![0]!.copy).toMatchObject({ modeStr: 'u=rwx,g=rx', src: '/src', dest: '/dst' });
    expect(Object.keys(s.definition.metadata![copy.digest]!.caps ?? {})).not.toContain('file.copy.modestring');
  });

  test.each(['v0.8', 'v0.13'] as const)('COPY --chmod=u=rwx,g=rx on %s: refused at its line, naming the release it needs', async (v) => {
    const dir = fx.dir({ Dockerfile: CHMOD, src: 'x' });
    const t = harnessCapsByVersion[v];
    const e = failure(await fx.run(dir, {}, { llbCaps: t.llb, frontendCaps: t.frontend }));
    expect(e.codeName).toBe('Unknown');
    expect(e.message).toBe(
      'COPY --chmod=u=rwx,g=rx is not supported by this BuildKit: symbolic modes need BuildKit v0.17 or later (it lacks the LLB capability "exec.validexitcode" of that release)',
    );
    const src = e.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))!.json as { ranges: { start: { line: number } }[] };
    expect(src.ranges[0]!.start.line).toBe(2);
  });

  test.each([
    ['COPY --exclude=*.md . /app', 'v0.13'],
    ['COPY --parents p/b /app', 'v0.13'],
    ['RUN --mount=type=secret,id=s,env=S true', 'v0.13'],
    ['RUN --mount=type=tmpfs,target=/t,size=64m true', 'v0.13'],
    ['COPY --link a /a', 'v0.13'],
    ['COPY --chmod=0755 a /a', 'v0.8'],
    ['COPY --exclude=*.md . /app', 'v0.26'],
    ['COPY --chmod=go-w a /a', 'v0.26'],
  ] as const)('%s builds on %s', async (line, v) => {
    const dir = fx.dir({ Dockerfile: `FROM busybox\n${line}\n`, a: 'a', 'p/b': '' });
    const t = harnessCapsByVersion[v];
    const r = await fx.run(dir, {}, { llbCaps: t.llb, frontendCaps: t.frontend });
    expect(r.returned?.error, JSON.stringify(r.returned?.error)).toBeUndefined();
    expect(r.returnCount).toBe(1);
  });
});
