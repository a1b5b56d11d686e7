// Build checks on the real Docker 26 engine (BuildKit v0.13, buildx 0.13.1): buildx 0.13.1 has no
// --check, but `BUILDX_EXPERIMENTAL=1 docker buildx build --print=lint` sends the same
// frontend.lint subrequest and prints result.txt; a build prints the warnings and fails with
// `# check=error=true`. The frontend image is FRONTEND_IMAGE, selected with `# syntax=`; base
// images are local ones (no registry here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { docker26, FRONTEND_IMAGE, NODE_IMAGE, requireEngine26 } from './engine26.js';

const dirs: string[] = [];
function context(files: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-e26-'));
  dirs.push(d);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(d, name), content);
  return d;
}

beforeAll(() => requireEngine26([FRONTEND_IMAGE, NODE_IMAGE]));
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const printLint = (dir: string, args: string[] = []) =>
  docker26(['buildx', 'build', '--print=lint', ...args, '.'], { cwd: dir, env: { BUILDX_EXPERIMENTAL: '1' } });

describe('buildx --print=lint against this frontend', () => {
  test('standard rules: rule, URL, message and the snippet, sorted by line', async () => {
    const dir = context({
      Dockerfile: `# syntax=${FRONTEND_IMAGE}\nFROM ${NODE_IMAGE} as base\nRUN echo hi\nENV A 1\nCOPY $nope /x\nFROM base\nCMD node -v\n`,
    });
    const r = await printLint(dir);
    expect(r.exitCode, r.stderr).toBe(0);
    const heads = r.stdout.split('\n').filter((l) => l.startsWith('WARNING: '));
    expect(heads).toEqual([
      'WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
      'WARNING: LegacyKeyValueFormat - https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/',
      'WARNING: UndefinedVar - https://docs.docker.com/go/dockerfile/rule/undefined-var/',
      'WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/',
    ]);
    expect(r.stdout).toContain("Usage of undefined variable '$nope'\nDockerfile:5\n--------------------\n");
    expect(r.stdout).toContain('   5 | >>> COPY $nope /x\n');
  });

  test('wasm rules for a wasi/wasm target', async () => {
    const dir = context({
      Dockerfile: `# syntax=${FRONTEND_IMAGE}\nFROM ${NODE_IMAGE} AS build\nRUN echo hi > /x.txt\nFROM --platform=wasip1/wasm scratch AS wasm\nCOPY --from=build /x.txt /x.txt\n`,
    });
    const r = await printLint(dir, ['--platform', 'wasi/wasm']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('WARNING: WasmPlatformSpelling - ');
    expect(r.stdout).toContain('platform "wasip1/wasm" is read as "wasi/wasm"');
    expect(r.stdout).toContain('WARNING: WasmNoModule - ');
  });
});

describe('a build with checks', () => {
  test('# check=error=true fails the build naming the rule', async () => {
    const dir = context({ Dockerfile: `# syntax=${FRONTEND_IMAGE}\n# check=error=true\nFROM ${NODE_IMAGE}\nCMD node -v\n` });
    const r = await docker26(['buildx', 'build', '--progress=plain', '.'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('ERROR: failed to solve: lint violation found for rules: JSONArgsRecommended');
  });
});
