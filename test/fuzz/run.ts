/**
 * Runs fuzz mutants through the real frontend bundle and the gateway harness, and judges each
 * run: exactly one Return, exit 0, within the time limit, stdout clean; an error never shows a
 * stack or an engine error, and an error about the Dockerfile carries its location.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runHarness, type HarnessImage, type HarnessRun, type HarnessSolve } from '../harness/index.js';

/** Errors that do not concern a place in the Dockerfile, as in BuildKit (no location there either). */
export const UNLOCATED_BY_DESIGN: RegExp[] = [
  /^the Dockerfile cannot be empty$/,
  /^dockerfile contains no stages to build$/,
  /^target stage ".*" could not be found/,
  // a whole-file limit of the daemon (dockerd 20.10: 4 MiB per gRPC message), named as such
  /^the build definition \(\d+ LLB ops\) is larger than the daemon accepts in one gRPC message/,
  // a Dockerfile over the gateway's 16 MiB message limit (BuildKit's dockerui fails the same way)
  /^failed to read dockerfile: Received message larger than max \(\d+ vs 16777216\)$/,
];

const ENGINE_TEXT = /Maximum call stack|Cannot read propert|is not a function|is not iterable|undefined is not|internal error in the frontend|\bat .*\.c?js:\d+/;

export interface Verdict {
  ok: boolean;
  /** 'result' | 'located error' | 'unlocated error' (allowed) | the failure. */
  kind: string;
  message?: string;
  ms: number;
}

const image: HarnessImage = {
  config: { os: 'linux', architecture: 'amd64', config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: ['sha256:' + '3'.repeat(64)] } },
};
/** Every image reference resolves to one small linux/amd64 image. */
const anyImage = new Proxy({} as Record<string, HarnessImage>, { get: () => image });

/** A build context with the files the seed Dockerfiles copy most. */
export function fuzzContext(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-ctx-'));
  for (const [name, data] of Object.entries({ 'a': 'a', 'src/main.c': 'int main(){}', 'run.sh': '#!/bin/sh\n', 'Cargo.toml': '[package]\nname = "x"\n' })) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
  return dir;
}

const loadsOnlyLocals = (s: HarnessSolve) => s.ops.every((o) => !o.op.exec && !o.op.file && (!o.op.source || o.op.source.identifier?.startsWith('local://')));

let empty = '';
function emptyDir(): string {
  if (!empty) empty = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-empty-'));
  return empty;
}

export async function runMutant(bundle: string, contextDir: string, dockerfile: Buffer, wasm: boolean, timeoutMs: number): Promise<{ verdict: Verdict; run: HarnessRun }> {
  const dfDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-df-'));
  fs.writeFileSync(path.join(dfDir, 'Dockerfile'), dockerfile);
  const t0 = Date.now();
  try {
    const run = await runHarness({
      bundle,
      contextDir,
      dockerfileDir: dfDir,
      opts: { filename: 'Dockerfile', ...(wasm ? { platform: 'wasi/wasm' } : {}) },
      images: anyImage,
      timeoutMs,
      // every built ref reads as an empty folder, as a real daemon serves a result's root (the
      // wasm module step lists it); the Dockerfile and context loads keep the harness's folders
      onSolve: (s) => (loadsOnlyLocals(s) ? undefined : { dir: emptyDir() }),
    });
    return { verdict: judge(run, Date.now() - t0), run };
  } finally {
    fs.rmSync(dfDir, { recursive: true, force: true });
  }
}

export function judge(run: HarnessRun, ms: number): Verdict {
  const fail = (kind: string, message?: string): Verdict => ({ ok: false, kind, message, ms });
  if (run.timedOut) return fail('timed out');
  if (run.returnCount !== 1) return fail(`${run.returnCount} Returns`);
  if (run.exitCode !== 0) return fail(`exit ${run.exitCode}`);
  if (run.connectionLost) return fail('connection lost');
  if (!run.stdout.clean) return fail('stdout not clean');
  if (/^\s+at\s/m.test(run.stderr)) return fail('stack on stderr', run.stderr.slice(0, 400));
  const err = run.returned?.error;
  if (!err) return { ok: true, kind: 'result', ms };
  if (ENGINE_TEXT.test(err.message) || /\n\s+at\s/.test(err.message)) return fail('engine error or stack in the message', err.message);
  const src = err.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))?.json as { ranges?: { start: { line: number } }[] } | undefined;
  if (src?.ranges?.length && src.ranges.every((x) => x.start.line >= 1)) return { ok: true, kind: 'located error', message: err.message, ms };
  if (UNLOCATED_BY_DESIGN.some((re) => re.test(err.message))) return { ok: true, kind: 'unlocated error (by design)', message: err.message, ms };
  return fail('unlocated error', err.message);
}
