// Build checks through the gateway harness: the real frontend answers `frontend.lint` (what
// `buildx build --check` / `--call=check` send) for one Dockerfile per rule, and the answer is
// compared with what the standard frontend answers, recorded from BuildKit's own check tests in
// testdata/lint/standard.json (rule, line, message, buildError). The same checks reach a
// normal build as gateway warnings, and `error=true` fails it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RULES, ruleOf } from '../src/dockerfile/index.js';
import { failure, Fixture, meta } from './protocol-helpers.js';
import { harnessCapsDockerd2010, type HarnessRun } from './harness/index.js';

const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());

interface Case {
  name: string;
  from: string;
  dockerfile: string;
  dockerignore?: string;
  opts?: Record<string, string>;
  warnings: [string, number, string][];
  buildError?: string;
}
const data = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../testdata/lint/standard.json'), 'utf8')) as {
  cases: Case[];
  rules: Record<string, { description: string; url: string }>;
  experimental: string[];
};

interface LintJSON {
  warnings: { ruleName: string; description?: string; url?: string; detail?: string; location?: { sourceIndex?: number; ranges?: { start?: { line?: number } }[] } }[] | null;
  sources: { filename?: string; data?: string; language?: string }[];
  buildError?: { message: string; location: { sourceIndex?: number } };
}

const byLineThenDetail = (a: [string, number, string], b: [string, number, string]) => a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

async function lintRun(files: Record<string, string>, opts: Record<string, string> = {}): Promise<{ r: HarnessRun; json: LintJSON }> {
  const r = await fx.run(fx.dir(files), { requestid: 'frontend.lint', ...opts });
  return { r, json: JSON.parse(meta(r, 'result.json')) as LintJSON };
}

function found(json: LintJSON): [string, number, string][] {
  return (json.warnings ?? []).map((w) => [w.ruleName, w.location?.ranges?.[0]?.start?.line ?? 0, w.detail ?? ''] as [string, number, string]).sort(byLineThenDetail);
}

describe('the rule table equals the standard frontend’s', () => {
  test('names, descriptions, URLs, experimental flags', () => {
    const ours = Object.entries(RULES).filter(([name]) => !name.startsWith('Wasm'));
    expect(Object.fromEntries(ours.map(([name, r]) => [name, { description: r.description, url: 'url' in r ? r.url : '' }]))).toEqual(data.rules);
    expect(ours.filter(([, r]) => 'experimental' in r && r.experimental).map(([n]) => n)).toEqual(data.experimental);
  });
});

describe('frontend.lint answers as the standard frontend', () => {
  test.each(data.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const files: Record<string, string> = { Dockerfile: c.dockerfile };
    if (c.dockerignore !== undefined) files['.dockerignore'] = c.dockerignore;
    const { r, json } = await lintRun(files, c.opts);
    expect(found(json)).toEqual([...c.warnings].sort(byLineThenDetail));
    for (const w of json.warnings ?? []) {
      expect([w.description ?? '', w.url ?? '']).toEqual([data.rules[w.ruleName]!.description, data.rules[w.ruleName]!.url]);
    }
    expect(json.buildError?.message).toBe(c.buildError);
    expect(meta(r, 'result.statuscode')).toBe(c.warnings.length > 0 || c.buildError ? '1' : '0');
    // nothing is built for a lint request
    expect(r.solves.filter((s) => s.ops.some((o) => o.op.exec || o.op.file))).toEqual([]);
    expect(r.returned!.result!.ref).toBeUndefined();
  });
});

describe('the lint answer’s shape', () => {
  const df = '\nFROM scratch AS BadStageName\nMAINTAINER me@example.org\nBADCMD\n';

  test('result.json as Go marshals LintResults; the source is the Dockerfile', async () => {
    const { r, json } = await lintRun({ Dockerfile: df });
    expect(json.sources).toEqual([{ filename: 'Dockerfile', data: Buffer.from(df).toString('base64'), language: 'Dockerfile' }]);
    const text = meta(r, 'result.json');
    // zero values left out (sourceIndex 0, character 0), two-space indent, buildError last
    expect(text).toContain('\n  "warnings": [\n    {\n      "ruleName": "StageNameCasing",\n');
    expect(text).toContain('"location": {\n        "ranges": [\n          {\n            "start": {\n              "line": 2\n            },');
    expect(text).not.toContain('"sourceIndex"');
    expect(json.buildError).toEqual({
      message: 'dockerfile parse error on line 4: unknown instruction: BADCMD',
      location: { ranges: [{ start: { line: 4 }, end: { line: 4, character: 6 } }] },
    });
    expect(meta(r, 'version')).toBe('1.0.0');
  });

  test('result.txt as lint.PrintLintViolations: sorted by line, rule and URL, message, snippet', async () => {
    const { r } = await lintRun({ Dockerfile: 'FROM scratch\nCOPY $x .\nENV a b\n' });
    expect(meta(r, 'result.txt')).toBe(
      [
        '',
        'WARNING: UndefinedVar - https://docs.docker.com/go/dockerfile/rule/undefined-var/',
        "Usage of undefined variable '$x'",
        'Dockerfile:2',
        '--------------------',
        '   1 |     FROM scratch',
        '   2 | >>> COPY $x .',
        '   3 |     ENV a b',
        '   4 |     ',
        '--------------------',
        '',
        'WARNING: LegacyKeyValueFormat - https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/',
        '"ENV key=value" should be used instead of legacy "ENV key value" format',
        'Dockerfile:3',
        '--------------------',
        '   1 |     FROM scratch',
        '   2 |     COPY $x .',
        '   3 | >>> ENV a b',
        '   4 |     ',
        '--------------------',
        '',
      ].join('\n'),
    );
  });

  test('with a target, only the stages it needs are checked', async () => {
    const { json } = await lintRun({ Dockerfile: 'FROM scratch AS a\nCOPY $foo .\n\nFROM scratch AS b\nCOPY $bar .\n' }, { target: 'b' });
    expect(found(json)).toEqual([['UndefinedVar', 5, "Usage of undefined variable '$bar'"]]);
  });

  test('UndefinedVar also reads RUN --mount option values, as BuildKit expands them', async () => {
    const { json } = await lintRun({ Dockerfile: 'FROM busybox\nARG CACHE_ID=x\nRUN --mount=type=cache,id=$CACHE_ID,target=$CACHE_DIR true\n' });
    expect(found(json)).toEqual([['UndefinedVar', 3, "Usage of undefined variable '$CACHE_DIR' (did you mean $CACHE_ID?)"]]);
  });

  test('a bad check option is the build error', async () => {
    const { json } = await lintRun({ Dockerfile: '# check=skip=all;bogus\nFROM scratch\n' });
    expect(json.buildError?.message).toBe('failed to parse check options: invalid check option "bogus"');
  });
});

/** A build on a daemon with the gateway.warnings cap (BuildKit v0.13+), so warnings are sent. */
const build = (files: Record<string, string>, opts: Record<string, string> = {}) =>
  fx.run(fx.dir(files), opts, { frontendCaps: [...harnessCapsDockerd2010.frontend, 'gateway.warnings'] });

describe('the same checks during a build', () => {
  test('each as a gateway warning: Rule: message (line N), description, URL, range', async () => {
    const r = await build({ Dockerfile: 'FROM busybox as base\nRUN echo hi\nENV A 1\nFROM base\n' });
    expect(r.returned?.error).toBeUndefined();
    expect(r.warnings.map((w) => [w.short, w.detail, w.url, w.ranges[0]?.start.line])).toEqual([
      ["FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)", ['The \'as\' keyword should match the case of the \'from\' keyword'], 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/', 1],
      ['LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 3)', ['Legacy key/value format with whitespace separator should not be used'], 'https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/', 3],
    ]);
  });

  test('only stages the target needs are checked, once for several platforms', async () => {
    const df = 'FROM busybox AS unused\nCOPY $nope .\nFROM busybox\nCOPY $foo .\n';
    const r = await build({ Dockerfile: df, foo: 'x' }, { platform: 'linux/amd64,linux/386' });
    expect(r.warnings.map((w) => w.short).filter((s) => s.startsWith('UndefinedVar'))).toEqual(["UndefinedVar: Usage of undefined variable '$foo' (line 4)"]);
  });

  test('error=true fails before anything is solved, naming the rules', async () => {
    const r = await build({ Dockerfile: '# check=error=true\nFROM busybox\nCMD run me\n' });
    expect(failure(r).message).toBe('lint violation found for rules: JSONArgsRecommended');
    expect(r.solves.filter((s) => s.ops.some((o) => o.op.exec || o.op.file))).toEqual([]);
  });

  test('BUILDKIT_DOCKERFILE_CHECK replaces the directive', async () => {
    const files = { Dockerfile: '# check=skip=all\nFROM busybox\nCMD run me\n' };
    const quiet = await build(files);
    expect(quiet.warnings).toEqual([]);
    const r = await build(files, { 'build-arg:BUILDKIT_DOCKERFILE_CHECK': 'error=true' });
    expect(failure(r).message).toBe('lint violation found for rules: JSONArgsRecommended');
  });

  test('experimental=all turns on InvalidDefinitionDescription; skip=all does not turn it off', async () => {
    const df = '# check=skip=all;experimental=all\n# wrong words\nARG X=1\nFROM busybox\n';
    const r = await build({ Dockerfile: df });
    expect(r.warnings.map((w) => w.short)).toEqual(['InvalidDefinitionDescription: Comment for ARG should follow the format: `# X <description>` (line 3)']);
  });
});

describe('wasm rules of this frontend (README "Build checks")', () => {
  const linuxOnly = { os: 'linux', architecture: 'amd64', config: { Env: ['PATH=/usr/bin:/bin'] }, rootfs: { type: 'layers', diff_ids: ['sha256:' + '3'.repeat(64)] } };
  const RUST_184 = 'docker.io/library/rust:1.84-slim';
  const RUST_DEFAULT = 'docker.io/library/rust:1.82.0-slim-bookworm';
  const images = {
    'docker.io/library/busybox:latest': { config: linuxOnly, platforms: ['linux/amd64'] },
    [`${RUST_184}`]: { config: linuxOnly, platforms: ['linux/amd64'] },
    [RUST_DEFAULT]: { config: linuxOnly, platforms: ['linux/amd64'] },
  };
  const wasmLint = async (dockerfile: string, opts: Record<string, string> = {}) => {
    const r = await fx.run(fx.dir({ Dockerfile: dockerfile, 'm.wasm': '\0asm' }), { requestid: 'frontend.lint', platform: 'wasi/wasm', ...opts }, { images });
    const json = JSON.parse(meta(r, 'result.json')) as LintJSON;
    for (const w of json.warnings ?? []) {
      if (w.ruleName.startsWith('Wasm')) expect(w.url).toBe(ruleOf(w.ruleName)?.url);
    }
    return json;
  };

  test('WasmPlatformSpelling: a FROM --platform written another way', async () => {
    const json = await wasmLint('FROM --platform=wasip1/wasm scratch AS wasm\nCOPY m.wasm /m.wasm\n');
    expect(found(json)).toEqual([['WasmPlatformSpelling', 1, 'platform "wasip1/wasm" is read as "wasi/wasm"']]);
    expect(json.buildError).toBeUndefined();
  });

  test('WasmTargetPlatformRun: a stage that runs commands pinned to the wasm target', async () => {
    const json = await wasmLint('FROM --platform=$TARGETPLATFORM busybox AS build\nRUN echo hi > /m.wasm\n\nFROM scratch\nCOPY --from=build /m.wasm /m.wasm\n');
    expect(found(json)).toEqual([
      ['RedundantTargetPlatform', 1, 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior'],
      ['WasmTargetPlatformRun', 1, 'Stage pinned to $TARGETPLATFORM runs commands, but the target is wasi/wasm; use --platform=$BUILDPLATFORM or leave --platform out'],
    ]);
    // and the build itself would fail there: busybox has no wasi/wasm variant
    expect(json.buildError?.message).toMatch(/^busybox: .*no match for platform/);
  });

  test('WasmRustTargetUnknown: wasm32-wasi with a Rust toolchain of 1.84 or later', async () => {
    const df = 'FROM wasm-toolchain/rust AS build\nWORKDIR /src\nCOPY m.wasm .\nRUN cargo build --target wasm32-wasi --release\n\nFROM scratch\nCOPY --from=build /wasm/m.wasm /m.wasm\n';
    const json = await wasmLint(df, { 'build-arg:WASM_RUST_IMAGE': RUST_184 });
    expect(found(json)).toEqual([['WasmRustTargetUnknown', 4, 'Rust target "wasm32-wasi" is not available in the selected toolchain; use "wasm32-wasip1"']]);
    // the default toolchain (1.82) still has wasm32-wasi
    expect(found(await wasmLint(df))).toEqual([]);
  });

  test('WasmNoModule: the final stage copies no module', async () => {
    const json = await wasmLint('FROM busybox AS build\nRUN echo hi\n\nFROM scratch\nCOPY --from=build /app/config.json /config.json\n');
    expect(found(json)).toEqual([['WasmNoModule', 4, 'Final stage copies no .wasm module; the image will have nothing to run']]);
    expect(found(await wasmLint('FROM scratch\nCOPY m.wasm /\n'))).toEqual([]);
    // only for a wasm target
    const linux = await fx.run(fx.dir({ Dockerfile: 'FROM scratch\nCOPY a.txt /a.txt\n', 'a.txt': 'a' }), { requestid: 'frontend.lint' });
    expect(JSON.parse(meta(linux, 'result.json')).warnings).toBeNull();
  });

  test('WasmComponentRuntime: a component for a runtime that runs only core modules', async () => {
    const df = 'FROM wasm-toolchain/rust AS build\nRUN cargo build --release\n\nFROM scratch\nCOPY --from=build /wasm/m.wasm /m.wasm\n';
    const json = await wasmLint(df, { 'build-arg:WASM_RUNTIME': 'wasmedge', 'build-arg:WASM_WASI': 'preview2' });
    expect(found(json)).toEqual([['WasmComponentRuntime', 1, 'WASM_RUNTIME=wasmedge runs only core modules, but the build targets a component (WASM_WASI=preview2)']]);
  });

  test('wasm rules obey # check= like the standard ones, and reach a build as warnings', async () => {
    const df = '# check=skip=WasmPlatformSpelling\nFROM --platform=wasip1/wasm scratch AS wasm\nCOPY m.wasm /m.wasm\n';
    expect(found(await wasmLint(df))).toEqual([]);
    const r = await fx.run(
      fx.dir({ Dockerfile: 'FROM --platform=$TARGETPLATFORM busybox AS build\nRUN true\nFROM scratch\nCOPY --from=build /m.wasm /\n' }),
      { platform: 'wasi/wasm' },
      { images, frontendCaps: [...harnessCapsDockerd2010.frontend, 'gateway.warnings'] },
    );
    expect(r.warnings.map((w) => w.short)).toContain(
      'WasmTargetPlatformRun: Stage pinned to $TARGETPLATFORM runs commands, but the target is wasi/wasm; use --platform=$BUILDPLATFORM or leave --platform out (line 1)',
    );
  });
});
