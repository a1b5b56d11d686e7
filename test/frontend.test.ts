// The real frontend bundle against the gateway harness: what BuildKit would receive for the
// examples in testdata, on dockerd 20.10's caps, for wasi/wasm and linux targets alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleEntry } from './harness/bundle.js';
import { runHarness, type HarnessOptions, type HarnessRun, type HarnessSolve } from './harness/index.js';
import { wasmCommand } from './wasm-fixture.js';

const top = path.resolve(__dirname, '..');
const TOOLCHAIN = 'docker.io/local/wasm-toolchain:bookworm';
const toolchainConfig = {
  os: 'linux',
  architecture: 'amd64',
  config: { Env: ['PATH=/usr/local/cargo/bin:/usr/bin:/bin', 'CARGO_HOME=/usr/local/cargo'], WorkingDir: '/' },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + '1'.repeat(64)] },
};

let bundle: string;
/** What the build stage "produced": the folder served for solves that run commands. */
let built: string;
beforeAll(async () => {
  bundle = await bundleEntry('frontend/main.ts');
  built = fs.mkdtempSync(path.join(os.tmpdir(), 'frontend-built-'));
  fs.writeFileSync(path.join(built, 'hello.wasm'), wasmCommand({ custom: [['.debug_info', 4096]] }));
}, 120_000);
afterAll(() => {
  fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
  fs.rmSync(built, { recursive: true, force: true });
});

/** A solve whose graph runs commands is answered with the `built` folder, as if it had run. */
function servesBuilt(solve: HarnessSolve) {
  return solve.ops.some((o) => o.op.exec) && !solve.ops.some((o) => o.op.file?.actions?.some((a) => a.mkfile)) ? { dir: built } : undefined;
}

function run(dir: string, opts: Record<string, string>, over: Partial<HarnessOptions> = {}): Promise<HarnessRun> {
  return runHarness({
    bundle,
    contextDir: dir,
    opts: { filename: 'Dockerfile', ...opts },
    // the toolchain exists only for linux/amd64, as a real single-platform local image
    images: { [TOOLCHAIN]: { config: toolchainConfig, platforms: ['linux/amd64'] } },
    timeoutMs: 20_000,
    onSolve: servesBuilt,
    ...over,
  });
}

function config(r: HarnessRun, key = 'containerimage.config') {
  const raw = r.returned?.result?.metadata[key];
  if (!raw) throw new Error(`no ${key}; returned: ${JSON.stringify(r.returned?.error ?? r.returned)}\n${r.stderr}`);
  return JSON.parse(raw.toString('utf8'));
}

/** The exec ops of the build solve, with their platform. */
function execs(r: HarnessRun) {
  const ops = new Map(r.solves.flatMap((s) => s.ops).map((o) => [o.digest, o.op]));
  return [...ops.values()].filter((op) => op.exec).map((op) => ({ args: op.exec!.meta!.args, platform: op.platform }));
}

describe('rust-hello through the frontend', () => {
  const dir = path.join(top, 'testdata/rust-hello');

  test('wasi/wasm: config says wasi/wasm with the module as ENTRYPOINT; the build stage runs on the build platform', async () => {
    const r = await run(dir, { platform: 'wasi/wasm' });
    expect(r.exitCode).toBe(0);
    expect(r.returnCount).toBe(1);
    const img = config(r);
    expect(img).toMatchObject({ os: 'wasi', architecture: 'wasm' });
    expect(img.config.Entrypoint).toEqual(['/hello.wasm']);
    // resolved for linux/amd64 although the target is wasm: the stage runs cargo
    expect(r.resolves.map((x) => [x.ref, x.platform])).toEqual([[TOOLCHAIN, { os: 'linux', architecture: 'amd64' }]]);
    const ex = execs(r);
    expect(ex).toHaveLength(1);
    expect(ex[0].args).toEqual(['/bin/sh', '-c', 'cargo build --target wasm32-wasi --release']);
    expect(ex[0].platform).toMatchObject({ OS: 'linux', Architecture: 'amd64' });
    expect(r.stdout.clean).toBe(true);
  });

  for (const spelling of ['wasi/wasm32', 'wasip1/wasm']) {
    test(`${spelling} is read as wasi/wasm`, async () => {
      const r = await run(dir, { platform: spelling });
      expect(config(r)).toMatchObject({ os: 'wasi', architecture: 'wasm' });
    });
  }

  test('linux/amd64 and wasi/wasm together give a multi-platform result', async () => {
    const r = await run(dir, { platform: 'linux/amd64,wasi/wasm' });
    const res = r.returned!.result!;
    expect(Object.keys(res.refs ?? {}).sort()).toEqual(['linux/amd64', 'wasi/wasm']);
    expect(JSON.parse(res.metadata['refs.platforms'].toString())).toEqual({
      Platforms: [
        { ID: 'linux/amd64', Platform: { architecture: 'amd64', os: 'linux' } },
        { ID: 'wasi/wasm', Platform: { architecture: 'wasm', os: 'wasi' } },
      ],
    });
    expect(config(r, 'containerimage.config/wasi/wasm')).toMatchObject({ os: 'wasi', architecture: 'wasm' });
    expect(config(r, 'containerimage.config/linux/amd64')).toMatchObject({ os: 'linux', architecture: 'amd64' });
  });

  test('without --platform the image is for the worker platform', async () => {
    const r = await run(dir, {});
    expect(config(r)).toMatchObject({ os: 'linux', architecture: 'amd64' });
  });
});

describe('image config of a linux build', () => {
  test('ENV, WORKDIR, USER, LABEL, CMD and history as the standard frontend writes them', async () => {
    const dir = fs.mkdtempSync(path.join(top, '.cache-test-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'Dockerfile'),
        [
          `FROM ${TOOLCHAIN}`,
          'ARG GREETING=hi',
          'ENV A=1 B="two words"',
          'WORKDIR /app',
          'RUN echo $GREETING > /greeting',
          'USER 1000:1000',
          'LABEL org.example.name="demo"',
          'CMD ["run"]',
          '',
        ].join('\n'),
      );
      const r = await run(dir, { 'label:extra': 'x' });
      const img = config(r);
      expect(img.config.Env).toEqual(['PATH=/usr/local/cargo/bin:/usr/bin:/bin', 'CARGO_HOME=/usr/local/cargo', 'A=1', 'B=two words']);
      expect(img.config.WorkingDir).toBe('/app');
      expect(img.config.User).toBe('1000:1000');
      expect(img.config.Labels).toEqual({ 'org.example.name': 'demo', extra: 'x' });
      expect(img.config.Cmd).toEqual(['run']);
      expect(img.history.map((h: { created_by: string }) => h.created_by)).toEqual([
        'ARG GREETING=hi',
        'ENV A=1 B=two words',
        'WORKDIR /app',
        'RUN |1 GREETING=hi /bin/sh -c echo $GREETING > /greeting # buildkit',
        'USER 1000:1000',
        'LABEL org.example.name=demo',
        'CMD ["run"]',
      ]);
      // the RUN sees the ARG as an environment variable, in the working directory
      const exec = r.solves.flatMap((x) => x.ops).find((o) => o.op.exec)!.op.exec!;
      expect(exec.meta!.env).toContain('GREETING=hi');
      expect(exec.meta!.cwd).toBe('/app');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('errors name the Dockerfile line', () => {
  const cases = fs.readdirSync(path.join(top, 'testdata/errors'));
  test.each(cases)('%s', async (name) => {
    const dir = path.join(top, 'testdata/errors', name);
    // no line: BuildKit gives the error no location (an empty Dockerfile), so buildx prints no excerpt
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { message: string; line?: number };
    // frontend options for the case (a build option the daemon cannot honour), if any
    const optsFile = path.join(dir, 'opts.json');
    const opts = fs.existsSync(optsFile) ? (JSON.parse(fs.readFileSync(optsFile, 'utf8')) as Record<string, string>) : {};
    const r = await run(dir, opts);
    expect(r.exitCode).toBe(0);
    expect(r.returnCount).toBe(1);
    const err = r.returned!.error!;
    expect(err, r.stderr).toBeDefined();
    expect(err.message).toBe(expected.message);
    expect(err.message).not.toMatch(/\n\s+at /);
    const source = err.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'));
    if (expected.line === undefined) {
      expect(source).toBeUndefined();
      return;
    }
    expect(source).toBeDefined();
    const json = source!.json as { info: { filename: string; data: string }; ranges: { start: { line: number } }[] };
    expect(json.info.filename).toBe('Dockerfile');
    expect(Buffer.from(json.info.data, 'base64').toString()).toBe(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8'));
    expect(json.ranges[0].start.line).toBe(expected.line);
  });
});
