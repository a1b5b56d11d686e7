// End to end: the fixture frontend is bundled with scripts/build.mjs and run as a real process
// against the harness, which plays dockerd 20.10's LLBBridge over the process's stdin/stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { messageType, type Op } from '../../src/pb/index.js';
import { bundleEntry } from './bundle.js';
import { harnessCapsDockerd2010, runHarness, type HarnessOptions, type HarnessRun } from './index.js';

const DOCKERFILE = 'FROM alpine\nRUN echo hi\nBOGUS line\n';
const ALPINE = { os: 'linux', architecture: 'amd64', config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] } };

let bundle: string;
let contextDir: string;
let dockerfileDir: string;

beforeAll(async () => {
  bundle = await bundleEntry('test/harness/fixtures/frontend.ts');
  contextDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'harness-ctx-'));
  dockerfileDir = path.join(contextDir, 'dockerfiles');
  fs.mkdirSync(dockerfileDir);
  fs.writeFileSync(path.join(dockerfileDir, 'Dockerfile'), DOCKERFILE, { mode: 0o644 });
  fs.chmodSync(path.join(dockerfileDir, 'Dockerfile'), 0o644);
  fs.writeFileSync(path.join(dockerfileDir, 'other.txt'), 'hidden by followpaths');
  fs.writeFileSync(path.join(contextDir, 'app.c'), 'int main(){}');
}, 60_000);

afterAll(() => {
  fs.rmSync(contextDir, { recursive: true, force: true });
  fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
});

function harness(mode: string, over: Partial<HarnessOptions> = {}): Promise<HarnessRun> {
  return runHarness({
    bundle,
    contextDir,
    dockerfileDir,
    opts: { mode, filename: 'Dockerfile' },
    images: { 'docker.io/library/alpine:latest': { config: ALPINE, digest: 'sha256:' + 'a'.repeat(64) } },
    timeoutMs: 15_000,
    ...over,
  });
}

/**
 * The invariants of every run that reached Return. A frontend that fails while calls are in
 * flight (`inFlight`) may have a call arrive after its Return.
 */
function expectOneCleanReturn(run: HarnessRun, inFlight = false): void {
  expect(run.calls[0]).toBe('Ping');
  expect(run.returnCount).toBe(1);
  expect(run.calls.filter((c) => c === 'Return')).toHaveLength(1);
  if (!inFlight) expect(run.calls[run.calls.length - 1]).toBe('Return');
  expect(run.exitCode).toBe(0);
  expect(run.timedOut).toBe(false);
  expect(run.connectionLost).toBe(false);
  expect(run.stdout).toMatchObject({ clean: true });
  expect(run.stdout.frames).toBeGreaterThan(3);
}

const meta = (run: HarnessRun, key: string) => run.returned!.result!.metadata[key]!.toString('utf8');

describe('gateway harness, fixture frontend', () => {
  test('image: Ping, solves, file reads and a Return with containerimage.config; exit 0', async () => {
    const run = await harness('image');
    expectOneCleanReturn(run);
    // console.log, console.info and process.stdout.write all went to stderr
    expect(run.stderr).toContain('fixture: console.log goes to stderr');
    expect(run.stderr).toContain('fixture: so does console.info');
    expect(run.stderr).toContain('fixture: and a direct stdout write');

    expect(run.calls).toEqual(['Ping', 'Solve', 'ReadFile', 'Solve', 'ReadFile', 'ReadDir', 'StatFile', 'ResolveImageConfig', 'Solve', 'Return']);
    const [dockerfile, ignore, image] = run.solves;
    expect(dockerfile!.ops.at(-2)!.op.source).toMatchObject({ identifier: 'local://dockerfile' });
    expect(dockerfile!.ref).not.toBe('');
    expect(ignore!.ops.at(-2)!.op.source!.identifier).toBe('local://context');
    expect(image!.ops.at(-2)!.op.source!.identifier).toBe(`docker-image://docker.io/library/alpine:latest@sha256:${'a'.repeat(64)}`);
    expect(image!.cacheImports).toEqual([{ type: 'registry', attrs: { ref: 'example/cache' } }]);
    expect(run.resolves).toEqual([
      {
        ref: 'docker.io/library/alpine:latest',
        platform: { os: 'linux', architecture: 'amd64' },
        resolveMode: '',
        logName: '[internal] load metadata for docker.io/library/alpine:latest',
      },
    ]);

    expect(run.returned!.error).toBeUndefined();
    expect(run.returned!.result!.ref).toBe(image!.ref);
    expect(JSON.parse(meta(run, 'containerimage.config'))).toEqual({ ...ALPINE, config: { ...ALPINE.config, Labels: { 'fixture.mode': 'image' } } });
    // followpaths: only the Dockerfile is visible; a 0644 file is Go FileMode 420
    expect(JSON.parse(meta(run, 'fixture.readdir'))).toEqual([{ path: 'Dockerfile', mode: 420, size: DOCKERFILE.length }]);
    expect(JSON.parse(meta(run, 'fixture.stat'))).toEqual({ path: 'Dockerfile', mode: 420, size: DOCKERFILE.length });
    expect(meta(run, 'fixture.dockerignore')).toBe('<none>');
    expect(JSON.parse(meta(run, 'fixture.caps'))).toEqual({
      frontend: harnessCapsDockerd2010.frontend.length,
      llb: harnessCapsDockerd2010.llb.length,
    });

    const t = run.timeline;
    expect(t.ping!).toBeLessThan(t.firstSolve!);
    expect(t.firstSolve!).toBeLessThan(t.returned!);
    expect(t.returned!).toBeLessThanOrEqual(t.exited!);
  });

  test('a .dockerignore in the context is served through its own local solve', async () => {
    fs.writeFileSync(path.join(contextDir, '.dockerignore'), 'node_modules\n');
    try {
      const run = await harness('image');
      expectOneCleanReturn(run);
      expect(meta(run, 'fixture.dockerignore')).toBe('node_modules\n');
    } finally {
      fs.rmSync(path.join(contextDir, '.dockerignore'));
    }
  });

  test('scratch: an empty definition solves to ref ""', async () => {
    const run = await harness('scratch');
    expectOneCleanReturn(run);
    expect(run.solves.at(-1)!.ref).toBe('');
    expect(run.returned!.result).toEqual({ ref: '', metadata: {} });
  });

  test('a located error returns Unknown (as the standard frontend) with the errdefs.Source detail', async () => {
    const run = await harness('error');
    expectOneCleanReturn(run);
    expect(run.returned!.result).toBeUndefined();
    expect(run.returned!.error).toEqual({
      code: 2,
      codeName: 'Unknown',
      message: 'unknown instruction: "BOGUS"',
      details: [
        {
          typeUrl: 'github.com/moby/buildkit/errdefs.Source+json',
          json: {
            info: { filename: 'Dockerfile', data: Buffer.from(DOCKERFILE).toString('base64'), language: 'Dockerfile' },
            ranges: [{ start: { line: 3, character: 0 }, end: { line: 3, character: 10 } }],
          },
        },
      ],
    });
    expect(run.stderr).not.toContain('unknown instruction');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  test('the debug switch (env or build-arg WASM_FRONTEND_DEBUG) writes the error with its stack to stderr', async () => {
    for (const over of [{ env: { WASM_FRONTEND_DEBUG: '1' } }, { opts: { mode: 'error', filename: 'Dockerfile', 'build-arg:WASM_FRONTEND_DEBUG': 'true' } }]) {
      const run = await harness('error', over);
      expectOneCleanReturn(run);
      expect(run.returned!.error!.message).toBe('unknown instruction: "BOGUS"');
      expect(run.stderr).toContain('build failed: LocatedError: unknown instruction: "BOGUS"');
      expect(run.stderr).toMatch(/^\s+at /m);
    }
  });

  test("a daemon error passes through Return unchanged (missing file, dockerd's wording)", async () => {
    const run = await harness('missing-file');
    expectOneCleanReturn(run);
    expect(run.returned!.error).toMatchObject({ code: 2, codeName: 'Unknown', details: [] });
    expect(run.returned!.error!.message).toMatch(/^open \/var\/lib\/docker\/tmp\/buildkit-mount\d+\/does-not-exist\.txt: no such file or directory$/);
  });

  test('an image unknown to the offline daemon, or lacking the platform, fails as dockerd does', async () => {
    const offline = await harness('image', { images: {} });
    expectOneCleanReturn(offline);
    expect(offline.returned!.error!.message).toContain('docker.io/library/alpine:latest: failed to do request');

    const arm = await harness('image', { images: { 'docker.io/library/alpine:latest': { config: ALPINE, digest: 'sha256:' + 'b'.repeat(64), platforms: ['linux/arm64'] } } });
    expectOneCleanReturn(arm);
    expect(arm.returned!.error!.message).toBe(`no match for platform in manifest sha256:${'b'.repeat(64)}: not found`);
  });

  test('an LLB cap the daemon lacks is refused before the solve is sent', async () => {
    const run = await harness('image', { llbCaps: harnessCapsDockerd2010.llb.filter((c) => c !== 'source.local.sharedkeyhint') });
    expectOneCleanReturn(run);
    expect(run.solves).toHaveLength(0);
    expect(run.returned!.error).toMatchObject({
      code: 2,
      message: 'requested feature source.local.sharedkeyhint is not supported by build server, please update docker',
    });
  });

  test('warnings: dropped on dockerd 20.10; sent, anchored on the first vertex, with gateway.warnings', async () => {
    const old = await harness('warn');
    expectOneCleanReturn(old);
    expect(old.calls).not.toContain('Warn');

    const run = await harness('warn', { frontendCaps: [...harnessCapsDockerd2010.frontend, 'gateway.warnings'] });
    expectOneCleanReturn(run);
    const terminal = messageType('pb.Op').toObject(messageType('pb.Op').decode(run.solves[0]!.definition.def!.at(-1)!)) as Op;
    expect(run.warnings).toEqual([
      {
        digest: terminal.inputs![0]!.digest,
        level: 1,
        short: 'fixture warning',
        detail: [],
        url: '',
        ranges: [{ start: { line: 1, character: 0 }, end: { line: 1, character: 4 } }],
      },
    ]);
  });

  describe('a frontend that fails before Return still Returns, never hangs', () => {
    test.each([
      ['crash', 'fixture crashed'],
      ['reject', 'fixture rejection nobody handled'],
      ['crash-early', 'fixture crashed before reading anything'],
    ])('%s', async (mode, message) => {
      const run = await harness(mode);
      expectOneCleanReturn(run, mode === 'crash-early');
      expect(run.returned!.error).toMatchObject({ code: 2, codeName: 'Unknown', message });
    });

    test('process.exit before Return: no Return, the exit code is kept, the run ends', async () => {
      const run = await harness('exit');
      expect(run.returnCount).toBe(0);
      expect(run.returned).toBeUndefined();
      expect(run.exitCode).toBe(3);
      expect(run.timedOut).toBe(false);
      expect(run.stdout.clean).toBe(true);
    });

    test('a build that never finishes is killed at timeoutMs', async () => {
      const started = Date.now();
      const run = await harness('hang', { timeoutMs: 1500 });
      expect(run.timedOut).toBe(true);
      expect(run.signal).toBe('SIGKILL');
      expect(run.returned).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });

  test('bytes written to fd 1 behind the guard are caught, and the broken connection ends the run', async () => {
    const started = Date.now();
    const run = await harness('raw-stdout');
    expect(run.stdout.clean).toBe(false);
    expect(run.stdout.error).toMatch(/bad frame header/);
    expect(run.returned).toBeUndefined();
    // whichever side notices first: the frontend exits 1, or the harness kills it as BuildKit would
    if (run.connectionLost) expect(run.signal).toBe('SIGKILL');
    else {
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('connection to BuildKit closed before Return');
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
