// Shared by the protocol tests: the real frontend bundle run against the gateway harness, with
// throwaway contexts and readers for what the harness recorded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Op } from '../src/pb/index.js';
import { bundleEntry } from './harness/bundle.js';
import { runHarness, type HarnessOptions, type HarnessRun, type HarnessSolve } from './harness/index.js';

export const BUSYBOX = 'docker.io/library/busybox:latest';
export const busyboxConfig = {
  os: 'linux',
  architecture: 'amd64',
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'FROM_BUSYBOX=1'], Cmd: ['sh'] },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + '2'.repeat(64)] },
};

export class Fixture {
  bundle = '';
  readonly dirs: string[] = [];

  async setup(): Promise<void> {
    this.bundle = await bundleEntry('frontend/main.ts');
  }

  cleanup(): void {
    if (this.bundle) fs.rmSync(path.dirname(this.bundle), { recursive: true, force: true });
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }

  /** A folder with these files (parents created). */
  dir(files: Record<string, string | Uint8Array>): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'protocol-'));
    this.dirs.push(d);
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true });
      fs.writeFileSync(path.join(d, name), content);
    }
    return d;
  }

  run(contextDir: string, opts: Record<string, string>, over: Partial<HarnessOptions> = {}): Promise<HarnessRun> {
    return runHarness({
      bundle: this.bundle,
      contextDir,
      opts: { filename: 'Dockerfile', ...opts },
      images: { [BUSYBOX]: { config: busyboxConfig } },
      timeoutMs: 20_000,
      ...over,
    });
  }
}

/** The solve of the build itself: the last one whose definition runs or copies something. */
export function buildSolve(r: HarnessRun): HarnessSolve {
  const s = [...r.solves].reverse().find((x) => x.ops.some((o) => o.op.exec || o.op.file) || isImage(x));
  if (!s) throw new Error(`no build solve; returned ${JSON.stringify(r.returned?.error)}\n${r.stderr}`);
  return s;
}

function isImage(s: HarnessSolve): boolean {
  return s.ops.some((o) => o.op.source?.identifier?.startsWith('docker-image://'));
}

/** Source ops of a solve by identifier prefix. */
export function sources(s: HarnessSolve, prefix = ''): NonNullable<Op['source']>[] {
  return s.ops.map((o) => o.op.source).filter((x): x is NonNullable<Op['source']> => !!x && (x.identifier ?? '').startsWith(prefix));
}

export function execs(s: HarnessSolve): NonNullable<Op['exec']>[] {
  return s.ops.map((o) => o.op.exec).filter((x): x is NonNullable<Op['exec']> => !!x);
}

/** The step name (llb.customname) of the op with this digest. */
export function nameOf(s: HarnessSolve, digest: string): string | undefined {
  return s.definition.metadata?.[digest]?.description?.['llb.customname'];
}

export function meta(r: HarnessRun, key: string): string {
  const v = r.returned?.result?.metadata[key];
  if (v === undefined) throw new Error(`no ${key}; returned ${JSON.stringify(r.returned?.error ?? r.returned)}\n${r.stderr}`);
  return v.toString('utf8');
}

export function failure(r: HarnessRun) {
  const e = r.returned?.error;
  if (!e) throw new Error(`expected an error; got ${JSON.stringify(Object.keys(r.returned?.result?.metadata ?? {}))}\n${r.stderr}`);
  return e;
}
