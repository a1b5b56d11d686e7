// Golden LLB dumps: each testdata/convert/<case>/ holds a Dockerfile, opts.json (frontend
// options) and expected.llb, the readable dump of what the converter marshals. Rewrite the
// expected files with UPDATE_GOLDEN=1 npx vitest run src/convert/golden.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseDockerfile } from '../dockerfile/index.js';
import { dump, local, marshal, type Platform } from '../llb/index.js';
import { harnessCapsDockerd2010 } from '../../test/harness/caps.js';
import { convert } from './convert.js';
import { readBuildOptions } from './options.js';

const dir = path.resolve(__dirname, '../../testdata/convert');
const update = process.env.UPDATE_GOLDEN === '1';

/** dockerd 20.10's LLB caps (BuildKit v0.8), the same set the harness answers Ping with. */
const caps = new Set(harnessCapsDockerd2010.llb);

const toolchain = {
  os: 'linux',
  architecture: 'amd64',
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + '1'.repeat(64)] },
};

async function convertCase(name: string): Promise<{ llb: string; config: string }> {
  const text = fs.readFileSync(path.join(dir, name, 'Dockerfile'), 'utf8');
  const opts = readBuildOptions(new Map(Object.entries(JSON.parse(fs.readFileSync(path.join(dir, name, 'opts.json'), 'utf8')) as Record<string, string>)));
  const buildPlatform: Platform = { os: 'linux', architecture: 'amd64' };
  const targetPlatform = opts.platforms[0]?.platform ?? buildPlatform;
  const r = await convert({
    ...opts,
    dockerfile: parseDockerfile(text),
    targetPlatform,
    implicitTarget: opts.platforms.length === 0,
    buildPlatform,
    llbCaps: caps,
    context: local('context', { sessionId: 'session', sharedKeyHint: 'context', customName: '[internal] load build context' }),
    resolveImage: async (ref, platform) => {
      if (platform.os !== 'linux') throw new Error(`${ref}: no match for platform in manifest: not found`);
      return { digest: '', ref, config: Buffer.from(JSON.stringify(toolchain)) };
    },
  });
  const def = marshal(r.state, { caps, defaultPlatform: targetPlatform, sourceInfo: { filename: 'Dockerfile', data: Buffer.from(text), language: 'Dockerfile' } });
  return { llb: dump(def), config: JSON.stringify(r.image, null, 2) + '\n' };
}

describe('golden LLB', () => {
  for (const name of fs.readdirSync(dir).sort()) {
    test(name, async () => {
      const got = await convertCase(name);
      for (const [file, text] of [['expected.llb', got.llb], ['expected-config.json', got.config]] as const) {
        const p = path.join(dir, name, file);
        if (update) fs.writeFileSync(p, text);
        expect(text).toBe(fs.readFileSync(p, 'utf8'));
      }
    });
  }

  test('converting the same Dockerfile twice marshals the same bytes', async () => {
    const a = await convertCase('run-mounts');
    const b = await convertCase('run-mounts');
    expect(a).toEqual(b);
  });
});
