/**
 * The bundled CLI (dist/cli.cjs as `npm run build:cli` makes it) run as a process against a fake
 * `docker`: a small Node script that records its argv and replays fixture output. Proves the full
 * flow of builder create, doctor and build, their exit codes, and that --json prints exactly one
 * JSON document on stdout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execaRunner, type RunResult } from './exec.js';
import { loadFixture, REPO } from './testing.js';

let tmp: string;
let cli: string;
let fakeDocker: string;

const FAKE_DOCKER = `#!${process.execPath}
// Fake docker for the CLI tests: appends its argv to $FAKE_DOCKER_LOG and answers from the rules in
// $FAKE_DOCKER_SCRIPT ({ args, prefix?, replies: [{ exit, stdout, stderr, files? }] }); the n-th
// call a rule answers gets its n-th reply, the last one repeating. Counts live in a state file.
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_DOCKER_LOG, JSON.stringify(args) + '\\n');
const rules = JSON.parse(fs.readFileSync(process.env.FAKE_DOCKER_SCRIPT, 'utf8'));
const stateFile = process.env.FAKE_DOCKER_SCRIPT + '.state';
const state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : {};
const i = rules.findIndex((r) => r.prefix ? r.args.every((a, j) => args[j] === a) : r.args.length === args.length && r.args.every((a, j) => args[j] === a));
if (i < 0) {
  process.stderr.write('fake docker: no rule for ' + JSON.stringify(args) + '\\n');
  process.exit(99);
}
const n = state[i] || 0;
state[i] = n + 1;
fs.writeFileSync(stateFile, JSON.stringify(state));
const reply = rules[i].replies[Math.min(n, rules[i].replies.length - 1)];
for (const [file, content] of Object.entries(reply.files || {})) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}
process.stdout.write(reply.stdout || '');
process.stderr.write(reply.stderr || '');
process.exitCode = reply.exit;
`;

interface FakeRule {
  args: string[];
  prefix?: boolean;
  replies: (string | { exit: number; stdout?: string; stderr?: string; files?: Record<string, string> })[];
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-e2e-'));
  cli = path.join(tmp, 'cli.cjs');
  const built = await execaRunner([process.execPath, path.join(REPO, 'scripts/build.mjs'), '--entry', 'src/cli/main.ts', '--out', cli, '--bin']);
  expect(built.exitCode, built.stderr).toBe(0);
  fakeDocker = path.join(tmp, 'bin', 'docker');
  fs.mkdirSync(path.dirname(fakeDocker));
  fs.writeFileSync(fakeDocker, FAKE_DOCKER, { mode: 0o755 });
}, 60_000);

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Run extends RunResult {
  /** The docker argv the CLI ran, in order. */
  docker: string[][];
  home: string;
  cwd: string;
}

let runs = 0;

/** Runs the bundled CLI with the fake docker answering from `rules`. */
async function run(args: string[], rules: FakeRule[], options: { env?: Record<string, string>; viaPath?: boolean } = {}): Promise<Run> {
  const dir = path.join(tmp, `run-${++runs}`);
  const home = path.join(dir, 'home');
  const cwd = path.join(dir, 'work');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(cwd, { recursive: true });
  const script = path.join(dir, 'rules.json');
  const log = path.join(dir, 'docker.log');
  fs.writeFileSync(log, '');
  const resolved = rules.map((r) => ({
    ...r,
    replies: r.replies.map((reply) => (typeof reply === 'string' ? (({ exit, stdout, stderr }) => ({ exit, stdout, stderr }))(loadFixture(reply)) : reply)),
  }));
  fs.writeFileSync(script, JSON.stringify(resolved));
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    PATH: options.viaPath ? `${path.dirname(fakeDocker)}${path.delimiter}${process.env.PATH}` : (process.env.PATH ?? ''),
    FAKE_DOCKER_SCRIPT: script,
    FAKE_DOCKER_LOG: log,
    ...(options.viaPath ? {} : { WASM_FRONTEND_DOCKER: fakeDocker }),
    ...options.env,
  };
  const result = await runIn(cwd, [process.execPath, cli, ...args], env);
  const docker = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string[]);
  return { ...result, docker, home, cwd };
}

function runIn(cwd: string, argv: string[], env: Record<string, string>): Promise<RunResult> {
  // An empty WASM_FRONTEND_DOCKER counts as unset, so a value in our own environment cannot leak in.
  return execaRunner(argv, { cwd, env: { ...env, WASM_FRONTEND_DOCKER: env.WASM_FRONTEND_DOCKER ?? '' } });
}

const VERSION = { args: ['version', '--format', '{{json .}}'], replies: ['docker-28-client-20.10-engine-version'] };
const BUILDX = { args: ['buildx', 'version'], replies: ['buildx-version-v0.24.0'] };

function expectNoStack(r: RunResult) {
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

function json(r: RunResult): Record<string, unknown> {
  expect(() => JSON.parse(r.stdout), r.stdout).not.toThrow();
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('wasm-frontend builder create', () => {
  it('creates, then reuses on the second run (--json, exit 0)', async () => {
    const rules: FakeRule[] = [
      VERSION,
      BUILDX,
      { args: ['buildx', 'inspect', 'wasm'], replies: ['buildx-inspect-not-found'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: ['buildx', 'inspect', '--bootstrap', 'wasm'], replies: ['buildx-inspect-wasm'] },
    ];
    const r = await run(['builder', 'create', '--json'], rules);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = json(r);
    const configPath = path.join(r.home, '.config/wasm-frontend/buildkitd-wasm.toml');
    expect(doc).toMatchObject({ command: 'builder create', ok: true, exitCode: 0, status: 'ok', builder: { name: 'wasm', action: 'created', configPath, platforms: ['linux/amd64', 'wasi/wasm'] } });
    expect(r.docker).toEqual([
      ['version', '--format', '{{json .}}'],
      ['buildx', 'version'],
      ['buildx', 'inspect', 'wasm'],
      ['buildx', 'create', '--name', 'wasm', '--driver', 'docker-container', '--buildkitd-config', configPath, '--platform', 'linux/amd64,wasi/wasm', '--bootstrap'],
      ['buildx', 'inspect', '--bootstrap', 'wasm'],
    ]);
    expect((doc.commands as string[][]).map((c) => c.slice(1))).toEqual(r.docker);
    expect(fs.readFileSync(configPath, 'utf8')).toContain('[worker.oci]\n  platforms = ["linux/amd64", "wasi/wasm"]');
    // buildx's own progress went to stderr, so stdout stays one JSON document.
    expect(r.stderr).toContain('#1 [internal] booting buildkit');

    const again = await run(['builder', 'create'], [VERSION, BUILDX, { args: ['buildx', 'inspect'], prefix: true, replies: ['buildx-inspect-wasm'] }]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^reused builder "wasm" \(docker-container, BuildKit v0\.22\.0\)\n {2}platforms: {6}linux\/amd64, wasi\/wasm\n/);
    expect(again.docker.some((a) => a[1] === 'create')).toBe(false);
  });

  it('refuses a builder without wasi/wasm (exit 5), recreates it with --force', async () => {
    const conflict = await run(['builder', 'create'], [VERSION, BUILDX, { args: ['buildx', 'inspect', 'wasm'], replies: ['buildx-inspect-plain'] }]);
    expect(conflict.exitCode).toBe(5);
    expect(conflict.stdout).toBe('');
    expect(conflict.stderr).toMatch(/^wasm-frontend: builder "wasm" exists and does not advertise wasi\/wasm .*\n {2}fix: wasm-frontend builder create --name wasm --force/);
    expectNoStack(conflict);

    const asJson = await run(['builder', 'create', '--json'], [VERSION, BUILDX, { args: ['buildx', 'inspect', 'wasm'], replies: ['buildx-inspect-plain'] }]);
    expect(asJson.exitCode).toBe(5);
    expect(json(asJson)).toMatchObject({ ok: false, exitCode: 5, status: 'conflict', error: { message: expect.stringMatching(/^builder "wasm" exists/), fix: expect.stringMatching(/--force/) } });

    const forced = await run(['builder', 'create', '--force', '--use'], [
      VERSION,
      BUILDX,
      { args: ['buildx', 'inspect', 'wasm'], replies: ['buildx-inspect-plain'] },
      { args: ['buildx', 'rm', 'wasm'], replies: ['buildx-rm-wasm'] },
      { args: ['buildx', 'create'], prefix: true, replies: ['buildx-create-wasm'] },
      { args: ['buildx', 'inspect', '--bootstrap', 'wasm'], replies: ['buildx-inspect-wasm'] },
    ]);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^recreated builder "wasm"/);
    expect(forced.docker.map((a) => a.slice(0, 2).join(' '))).toEqual(['version --format', 'buildx version', 'buildx inspect', 'buildx rm', 'buildx create', 'buildx inspect']);
    expect(forced.docker[4]).toContain('--use');
  });

  it('exit 3 when docker is missing, or buildx is', async () => {
    const missing = await run(['builder', 'create'], [], { env: { WASM_FRONTEND_DOCKER: path.join(tmp, 'no-such-docker') } });
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toMatch(/^wasm-frontend: docker not found \(".*no-such-docker": spawn .*ENOENT\)\n {2}fix: install Docker Engine/);
    expectNoStack(missing);

    const noBuildx = await run(['builder', 'create', '--json'], [{ args: ['version', '--format', '{{json .}}'], replies: ['docker-20.10-version'] }, { args: ['buildx', 'version'], replies: ['docker-20.10-buildx-missing'] }]);
    expect(noBuildx.exitCode).toBe(3);
    expect(json(noBuildx)).toMatchObject({ status: 'tooling', error: { message: 'docker buildx is not installed' } });
  });

  it('exit 4 when the daemon does not answer', async () => {
    const r = await run(['builder', 'create'], [{ args: ['version', '--format', '{{json .}}'], replies: ['docker-20.10-version-no-daemon'] }, BUILDX]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/^wasm-frontend: Cannot connect to the Docker daemon/);
  });
});

describe('wasm-frontend doctor', () => {
  it('a set-up machine: exit 0, one JSON document', async () => {
    const r = await run(['doctor', '--json', '--frontend', 'ghcr.io/example/wasm-frontend:edge'], [
      VERSION,
      BUILDX,
      { args: ['info', '--format', '{{json .}}'], replies: ['docker-28-info-containerd'] },
      { args: ['buildx', 'inspect'], replies: ['buildx-inspect-wasm'] },
      { args: ['buildx', 'ls', '--format', 'json'], replies: ['buildx-ls-json'] },
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'doctor', ok: true, exitCode: 0 });
    expect((doc.checks as { id: string; status: string }[]).map((c) => `${c.id}:${c.status}`)).toEqual([
      'docker:ok', 'daemon:ok', 'buildx:ok', 'builder:ok', 'image-store:ok', 'shims:ok', 'frontend:ok',
    ]);
  });

  it('this machine without buildx: exit 3 with the fixes, in text', async () => {
    const r = await run(['doctor'], [
      { args: ['version', '--format', '{{json .}}'], replies: ['docker-20.10-version'] },
      { args: ['buildx', 'version'], replies: ['docker-20.10-buildx-missing'] },
      { args: ['info', '--format', '{{json .}}'], replies: ['docker-20.10-info'] },
    ], { viaPath: true });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('FAIL  buildx      docker buildx is not installed');
    expect(r.stdout).toContain('warn  image-store classic image store (overlay2)');
    expect(r.stdout).toMatch(/1 problem, 2 warnings \(exit 3\)\n$/);
  });

  it('a builder without wasi/wasm and no other: exit 1', async () => {
    const r = await run(['doctor', '--json'], [
      VERSION,
      BUILDX,
      { args: ['info', '--format', '{{json .}}'], replies: ['docker-28-info-containerd'] },
      { args: ['buildx', 'inspect'], replies: ['buildx-inspect-plain'] },
      { args: ['buildx', 'ls', '--format', 'json'], replies: [{ exit: 0, stdout: '' }] },
    ]);
    expect(r.exitCode).toBe(1);
    expect(json(r)).toMatchObject({ status: 'failed', checks: expect.arrayContaining([expect.objectContaining({ id: 'builder', status: 'fail', fix: 'wasm-frontend builder create --use' })]) });
  });

  it('daemon down: exit 4', async () => {
    const r = await run(['doctor', '--json'], [
      { args: ['version', '--format', '{{json .}}'], replies: ['docker-28-version-no-daemon'] },
      BUILDX,
      { args: ['info', '--format', '{{json .}}'], replies: ['docker-28-info-no-daemon'] },
      { args: ['buildx', 'inspect'], replies: ['buildx-inspect-node-error'] },
      { args: ['buildx', 'ls', '--format', 'json'], replies: [{ exit: 0, stdout: '' }] },
    ]);
    expect(r.exitCode).toBe(4);
    expect(json(r)).toMatchObject({ status: 'daemon' });
  });
});

describe('wasm-frontend build', () => {
  const inspect = { args: ['buildx', 'inspect'], prefix: true, replies: ['buildx-inspect-wasm'] };

  it('builds to a local output and prints how to run the module (--json)', async () => {
    const r = await run(['build', '--json', '-o', 'type=local,dest=out', '--frontend', 'ghcr.io/example/wasm-frontend:edge', 'ctx'], [
      VERSION,
      BUILDX,
      inspect,
      { args: ['buildx', 'build'], prefix: true, replies: [{ exit: 0, stderr: '#0 building with "wasm" instance using docker-container driver\n', files: { 'out/hello.wasm': '\0asm\x01\0\0\0' } }] },
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.docker[3]).toEqual(['buildx', 'build', '--platform', 'wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=ghcr.io/example/wasm-frontend:edge', '--provenance=false', '--output', 'type=local,dest=out', 'ctx']);
    expect(json(r)).toMatchObject({ command: 'build', ok: true, build: { modules: ['out/hello.wasm'], runCommand: 'wasmtime run out/hello.wasm', buildExitCode: 0 } });
    expect(r.stderr).toContain('#0 building with "wasm" instance');
  });

  it('prints the docker run command after a --load build (text)', async () => {
    const r = await run(['build', '-t', 'hello:wasm', '--frontend', 'ghcr.io/example/wasm-frontend:edge', '--builder', 'wasm'], [VERSION, BUILDX, inspect, { args: ['buildx', 'build'], prefix: true, replies: ['buildx-build-wasm'] }], { viaPath: true });
    expect(r.exitCode, r.stderr).toBe(0);
    // docker found on PATH, so the printed command says "docker"; with $WASM_FRONTEND_DOCKER it names that binary.
    expect(r.stdout).toBe('run it:  docker run --rm --runtime=io.containerd.wasmtime.v1 --platform=wasi/wasm hello:wasm\n');
    expect(r.docker[3]).toEqual(['buildx', 'build', '--builder', 'wasm', '--platform', 'wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=ghcr.io/example/wasm-frontend:edge', '--provenance=false', '--tag', 'hello:wasm', '--load', '.']);
  });

  it('a failed build: exit 1, with the classic-store hint', async () => {
    const r = await run(['build'], [VERSION, BUILDX, { args: ['buildx', 'inspect'], replies: ['buildx-inspect-docker-driver'] }, { args: ['buildx', 'build'], prefix: true, replies: ['buildx-build-classic-store'] }]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('ERROR: failed to solve: operating system is not supported');
    expect(r.stderr).toMatch(/wasm-frontend: docker buildx build failed with exit code 1\n {2}fix: this docker engine's image store cannot hold wasi\/wasm images/);
  });

  it('--dry-run prints the command without calling docker', async () => {
    const r = await run(['build', '--dry-run', '--platform', 'wasi/wasm32', 'ctx'], []);
    expect(r.exitCode).toBe(0);
    expect(r.docker).toEqual([]);
    expect(r.stdout).toBe(`${fakeDocker} buildx build --platform wasi/wasm --build-arg BUILDKIT_SYNTAX=local/wasm-frontend:dev --provenance=false --load ctx\n`);
    expect(r.stderr).toBe('warning: platform "wasi/wasm32" is read as "wasi/wasm"\n');
  });
});

describe('usage', () => {
  it.each([
    [['builder', 'create', '--nmae', 'x'], /^wasm-frontend: builder create: unknown flag: --nmae \(did you mean --name\?\)\n/],
    [['bulid'], /^wasm-frontend: unknown command: bulid \(did you mean build\?\)\n/],
    [['builder'], /^wasm-frontend: builder: missing subcommand \(create\)\n/],
    [['builder', 'craete'], /^wasm-frontend: unknown command: builder craete \(did you mean builder create\?\)\n/],
    [['doctor', 'extra'], /^wasm-frontend: doctor: unexpected argument "extra"\n/],
    [['build', '--tag'], /^wasm-frontend: build: flag needs a value: --tag\n/],
    [['builder', 'create', '--driver', 'kubernetes'], /^wasm-frontend: --driver: unsupported driver "kubernetes"/],
  ])('%j: exit 2', async (args, message) => {
    const r = await run(args, []);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.docker).toEqual([]);
    expectNoStack(r);
  });

  it('usage errors with --json still print one JSON document', async () => {
    const r = await run(['doctor', '--json', '--bogus'], []);
    expect(r.exitCode).toBe(2);
    expect(json(r)).toMatchObject({ command: 'doctor', ok: false, exitCode: 2, status: 'usage', error: { message: 'doctor: unknown flag: --bogus' } });
  });

  it('takes --json before the command too', async () => {
    const r = await run(['--json', 'build', '--dry-run', 'ctx'], []);
    expect(r.exitCode).toBe(0);
    expect(json(r)).toMatchObject({ command: 'build', ok: true, build: { ran: false } });
  });

  it('help and version', async () => {
    const none = await run([], []);
    expect(none.exitCode).toBe(2);
    expect(none.stdout).toMatch(/^Usage: wasm-frontend COMMAND/);
    const help = await run(['builder', 'create', '--help'], []);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: wasm-frontend builder create \[flags\]\n/);
    expect(help.stdout).toContain('--buildkitd-config FILE');
    const version = await run(['--version'], []);
    expect(version.stdout).toBe('wasm-frontend 0.1.0\n');
  });

  it('the bundle is executable and starts with a node shebang', () => {
    expect(fs.readFileSync(cli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(fs.statSync(cli).mode & 0o111).not.toBe(0);
  });
});
