/** Bundles a test entry with the project's own build script, as the image build does. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Returns the path of the bundle, written to a fresh temporary directory. */
export async function bundleEntry(entry: string): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'harness-bundle-'));
  const out = path.join(dir, `${path.basename(entry).replace(/\.[cm]?ts$/, '')}.cjs`);
  await promisify(execFile)(process.execPath, [path.join(top, 'scripts/build.mjs'), '--entry', path.resolve(top, entry), '--out', out], { cwd: top });
  return out;
}
