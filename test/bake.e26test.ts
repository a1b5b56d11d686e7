// docker-bake.hcl read by the real `docker buildx bake --print` (buildx 0.13.1 on Docker 26): the
// targets and values the bake issue asks for, the variables from the environment, agreement with
// the repository (examples, Dockerfile labels, validate stages); then `docker buildx bake
// examples` builds every example target and each module prints its expected line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { docker26, FRONTEND_IMAGE, REPO, requireEngine26, TOOLCHAIN_IMAGE, TOOLCHAIN_TRIXIE_IMAGE } from './engine26.js';
import { runWasi } from './wasi.js';

/** The JSON `docker buildx bake --print` writes on stdout. */
interface BakePrint {
  group: Record<string, { targets: string[] }>;
  target: Record<string, Record<string, unknown> & { args?: Record<string, string>; labels?: Record<string, string>; tags?: string[]; output?: string[]; platforms?: string[] }>;
}

const BAKE_VARIABLES = ['REGISTRY', 'TAG', 'NODE_IMAGE', 'FRONTEND_IMAGE', 'EXAMPLES_OUT'];

/** This process's environment without bake's variables (CI sets NODE_IMAGE and FRONTEND_IMAGE), plus ENV. */
function bakeEnv(env: Record<string, string>): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !BAKE_VARIABLES.includes(e[0])));
  return { ...base, ...env };
}

/** `docker buildx bake --print TARGETS` in the checkout, with bake's variables only from ENV. */
async function bakePrint(targets: string[], env: Record<string, string> = {}): Promise<BakePrint> {
  const r = await docker26(['buildx', 'bake', '--print', ...targets], { env: bakeEnv(env), extendEnv: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as BakePrint;
}

/** testdata/<name> directories holding a Dockerfile and expected-stdout.txt: the examples. */
function examples(): string[] {
  const dir = path.join(REPO, 'testdata');
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'Dockerfile')))
    .map((e) => e.name)
    .sort();
}

/** The LABEL values of the top-level Dockerfile. */
function dockerfileLabels(): Record<string, string> {
  const text = fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const out: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => /^LABEL\s/.test(l))) {
    for (const m of line.matchAll(/([\w.-]+)="([^"]*)"/g)) out[m[1]] = m[2];
  }
  return out;
}

let all: BakePrint;

beforeAll(async () => {
  await requireEngine26([]);
  all = await bakePrint(['default', 'frontend', 'examples', 'validate']);
});

describe('docker buildx bake --print', () => {
  test('default is frontend-local: the Dockerfile for one platform, loaded into docker', async () => {
    const p = await bakePrint([]);
    expect(p.group).toEqual({ default: { targets: ['frontend-local'] } });
    expect(Object.keys(p.target)).toEqual(['frontend-local']);
    const t = p.target['frontend-local'];
    expect(t).toMatchObject({ context: '.', dockerfile: 'Dockerfile', tags: ['local/wasm-frontend:dev'], output: ['type=docker'], args: { NODE_IMAGE: 'docker.io/library/node:20-bookworm-slim' } });
    expect(t.platforms).toBeUndefined();
    expect(t.labels).toEqual(all.target.frontend.labels);
  });

  test('frontend: linux/amd64 and linux/arm64, tagged from REGISTRY and TAG, no output', async () => {
    expect(all.target.frontend).toMatchObject({
      context: '.',
      dockerfile: 'Dockerfile',
      platforms: ['linux/amd64', 'linux/arm64'],
      tags: ['local/wasm-frontend:dev'],
      args: { NODE_IMAGE: 'docker.io/library/node:20-bookworm-slim' },
    });
    expect(all.target.frontend.output).toBeUndefined();
    const ci = await bakePrint(['frontend', 'example-c-hello'], { REGISTRY: 'ghcr.io/owner', TAG: 'edge', NODE_IMAGE: 'local/node:20' });
    expect(ci.target.frontend).toMatchObject({ tags: ['ghcr.io/owner/wasm-frontend:edge'], args: { NODE_IMAGE: 'local/node:20' } });
    expect(ci.target['example-c-hello'].args).toEqual({ BUILDKIT_SYNTAX: 'ghcr.io/owner/wasm-frontend:edge' });
    expect(ci.target['example-c-hello'].tags).toEqual(['ghcr.io/owner/wasm-example-c-hello:edge']);
    const own = await bakePrint(['example-c-hello'], { FRONTEND_IMAGE: 'localhost:5000/f:1', EXAMPLES_OUT: '/tmp/x' });
    expect(own.target['example-c-hello']).toMatchObject({ args: { BUILDKIT_SYNTAX: 'localhost:5000/f:1' }, output: ['type=local,dest=/tmp/x/c-hello'] });
  });

  test("frontend labels agree with the Dockerfile's LABEL, caps included", () => {
    const labels = all.target.frontend.labels!;
    const fromDockerfile = dockerfileLabels();
    expect(Object.keys(fromDockerfile)).toEqual(expect.arrayContaining(['moby.buildkit.frontend.caps', 'moby.buildkit.frontend.network.none']));
    for (const [k, v] of Object.entries(fromDockerfile)) expect(labels[k], k).toBe(v);
  });

  test('examples: one target per testdata example, wasi/wasm through BUILDKIT_SYNTAX, provenance off', () => {
    const names = examples();
    expect(names.length).toBeGreaterThanOrEqual(2);
    const targets = all.group.examples.targets;
    const missing = names.filter((n) => !targets.includes(`example-${n}`));
    expect(missing, `testdata examples without a target in docker-bake.hcl (copy an example-* target and add it to group "examples"): ${missing.join(', ')}`).toEqual([]);
    expect(targets).toEqual(names.map((n) => `example-${n}`));
    for (const name of names) {
      const t = all.target[`example-${name}`];
      expect(t, name).toMatchObject({
        context: `testdata/${name}`,
        dockerfile: 'Dockerfile',
        args: { BUILDKIT_SYNTAX: 'local/wasm-frontend:dev' },
        attest: ['type=provenance,disabled=true'],
        tags: [`local/wasm-example-${name}:dev`],
        output: [`type=local,dest=out/examples/${name}`],
        platforms: name === 'rust-multi' ? ['linux/amd64', 'wasi/wasm'] : ['wasi/wasm'],
      });
    }
  });

  test('validate: typecheck and tests in containers, from a Dockerfile that has those stages', () => {
    expect(all.group.validate.targets).toEqual(['validate-typecheck', 'validate-test']);
    const dockerfile = 'test/cli/validate.Dockerfile';
    const text = fs.readFileSync(path.join(REPO, dockerfile), 'utf8');
    for (const [name, stage, command] of [
      ['validate-typecheck', 'typecheck', 'npx tsc --noEmit'],
      ['validate-test', 'test', 'npx vitest run'],
    ]) {
      expect(all.target[name]).toMatchObject({ context: '.', dockerfile, target: stage, output: ['type=cacheonly'], args: { NODE_IMAGE: 'docker.io/library/node:20-bookworm-slim' } });
      expect(text).toMatch(new RegExp(`^FROM \\S+ AS ${stage}\\n(?:.*\\n)*?RUN ${command}`, 'm'));
    }
    // The root .dockerignore keeps only the frontend bundle; validate needs its own.
    expect(fs.readFileSync(path.join(REPO, `${dockerfile}.dockerignore`), 'utf8')).toMatch(/^\*\*\/node_modules$/m);
  });

  test('every target reads an existing context and Dockerfile', () => {
    for (const [name, t] of Object.entries(all.target)) {
      const context = path.join(REPO, String(t.context));
      expect(fs.existsSync(context), `${name}: context ${t.context}`).toBe(true);
      expect(fs.existsSync(path.join(context, String(t.dockerfile))), `${name}: dockerfile ${t.dockerfile}`).toBe(true);
    }
  });

  test('an unknown target is refused by bake itself', async () => {
    const r = await docker26(['buildx', 'bake', '--print', 'no-such-target']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('failed to find target no-such-target');
  });
});

describe('docker buildx bake examples (for real)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'e26-bake-'));
  let log: string;

  beforeAll(async () => {
    await requireEngine26([FRONTEND_IMAGE, TOOLCHAIN_IMAGE, TOOLCHAIN_TRIXIE_IMAGE]);
    const asHello = path.join(REPO, 'testdata/as-hello');
    const npm = await execa('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: asHello, reject: false });
    expect(npm.exitCode, String(npm.stderr)).toBe(0);
    // Offline, the toolchain stages take the local toolchain images instead of the public ones
    // (Go only in the trixie one).
    const sets = [
      ...['WASM_RUST_IMAGE', 'WASM_C_IMAGE', 'WASM_ASSEMBLYSCRIPT_IMAGE'].flatMap((a) => ['--set', `*.args.${a}=${TOOLCHAIN_IMAGE}`]),
      ...['--set', `*.args.WASM_GO_IMAGE=${TOOLCHAIN_TRIXIE_IMAGE}`],
    ];
    const r = await docker26(['buildx', 'bake', '--progress=plain', ...sets, 'examples'], { env: bakeEnv({ FRONTEND_IMAGE, EXAMPLES_OUT: out }), extendEnv: false });
    log = r.stderr;
    expect(r.exitCode, r.stderr.slice(-4000)).toBe(0);
  });

  test('every target went through the frontend', () => {
    expect(log).toContain(`resolve image config for docker-image://docker.io/${FRONTEND_IMAGE}`);
    for (const name of examples()) expect(log, name).toMatch(new RegExp(`\\[example-${name}[ \\]]`));
  });

  test.each(examples())('%s: its module prints expected-stdout.txt', async (name) => {
    const expected = fs.readFileSync(path.join(REPO, 'testdata', name, 'expected-stdout.txt'), 'utf8');
    // A multi-platform local output has one directory per platform.
    const dir = name === 'rust-multi' ? path.join(out, name, 'wasi_wasm') : path.join(out, name);
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.wasm$/);
    const r = await runWasi(path.join(dir, files[0]));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(expected);
    if (name === 'rust-multi') {
      expect(fs.readdirSync(path.join(out, name)).sort()).toEqual(['linux_amd64', 'wasi_wasm']);
      const run = await execa(path.join(out, name, 'linux_amd64', 'hello'), [], { reject: false });
      expect(run.stdout + '\n').toBe(expected);
    }
  });
});
