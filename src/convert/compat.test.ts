// Behaviour the differential suite (test/differential.itest.ts) found ours getting wrong against
// BuildKit's Dockerfile frontend: each test pins one fix, converting a small Dockerfile in process.
import { describe, expect, test } from 'vitest';
import { parseDockerfile } from '../dockerfile/index.js';
import { local, marshal, type Platform } from '../llb/index.js';
import { convert } from './convert.js';
import { parseDockerignore } from './dockerignore.js';
import type { ImageConfig } from './image.js';
import { readBuildOptions } from './options.js';

const linux: Platform = { os: 'linux', architecture: 'amd64' };
const baseConfig = {
  os: 'linux',
  architecture: 'amd64',
  config: { Env: ['PATH=/usr/bin:/bin'], WorkingDir: '/' },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + '1'.repeat(64)] },
};

/** dockerd 20.10's LLB caps (BuildKit v0.8), the daemon the differential suite runs on. */
const caps = new Set([
  'source.image', 'source.image.resolvemode', 'source.local', 'source.local.unique', 'source.local.sessionid',
  'source.local.includepatterns', 'source.local.followpaths', 'source.local.excludepatterns', 'source.local.sharedkeyhint',
  'source.git', 'source.http', 'source.http.checksum', 'exec.meta.base', 'exec.meta.proxyenv', 'exec.meta.network',
  'exec.meta.setsdefaultpath', 'exec.mount.bind', 'exec.mount.bind.readwrite-nooutput', 'exec.mount.cache',
  'exec.mount.cache.sharing', 'exec.mount.selector', 'exec.mount.tmpfs', 'exec.mount.secret', 'exec.mount.ssh',
  'file.base', 'file.rm.wildcard', 'constraints', 'platform', 'meta.ignorecache', 'meta.description', 'meta.exportcache',
]);

async function convertText(text: string, opts: Record<string, string> = {}) {
  const o = readBuildOptions(new Map(Object.entries(opts)));
  const r = await convert({
    ...o,
    dockerfile: parseDockerfile(text),
    targetPlatform: linux,
    implicitTarget: true,
    buildPlatform: linux,
    llbCaps: caps,
    context: local('context', { sessionId: 's', sharedKeyHint: 'context' }),
    resolveImage: async (ref) => ({ digest: '', ref, config: Buffer.from(JSON.stringify(baseConfig)) }),
  });
  const def = marshal(r.state, { caps, defaultPlatform: linux });
  return { image: r.image, def };
}

const history = (img: ImageConfig) => (img.history ?? []).map((h) => h.created_by);

describe('ENV', () => {
  test('every pair of one ENV sees the environment from before the instruction', async () => {
    const { image } = await convertText('FROM scratch\nENV A=1\nENV A=2 B=$A C=${A:+set}\nENV D=$A\n');
    expect(image.config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=2', 'B=1', 'C=set', 'D=2']);
    expect(history(image)).toEqual(['ENV A=1', 'ENV A=2 B=1 C=set', 'ENV D=2']);
  });

  test('a pair that refers to a key set earlier in the same ENV gets the old value', async () => {
    const { image } = await convertText('FROM scratch\nENV LIST=a\nENV LIST=$LIST:b X=$LIST\n');
    expect(image.config.Env).toContain('LIST=a:b');
    expect(image.config.Env).toContain('X=a');
  });
});

describe('ARG', () => {
  test('the pairs of one ARG expand in order, unlike ENV (current BuildKit; v0.8 expanded them up front)', async () => {
    const { image } = await convertText('FROM alpine\nARG X=1 W=${X:-unset}\nRUN true\n');
    expect(history(image).at(-1)).toBe('RUN |2 X=1 W=1 /bin/sh -c true # buildkit');
  });
});

describe('HEALTHCHECK', () => {
  test("history prints the config as Go's %+v, durations as Duration.String", async () => {
    const { image } = await convertText(
      'FROM scratch\nHEALTHCHECK --interval=1m30s --timeout=3s --retries=4 CMD ["/bin/true"]\nHEALTHCHECK CMD test -e /tmp || exit 1\nHEALTHCHECK NONE\n',
    );
    expect(history(image)).toEqual([
      'HEALTHCHECK {Test:[CMD /bin/true] Interval:1m30s Timeout:3s StartPeriod:0s StartInterval:0s Retries:4}',
      'HEALTHCHECK {Test:[CMD-SHELL test -e /tmp || exit 1] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}',
      'HEALTHCHECK {Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}',
    ]);
    expect(image.config.Healthcheck).toEqual({ Test: ['NONE'] });
  });
});

describe('COPY --from an image', () => {
  test('in a one-stage Dockerfile the image is ready before the stage copies from it', async () => {
    const { def } = await convertText('FROM scratch\nCOPY --from=docker.io/library/alpine:3 /etc/os-release /\n');
    const text = JSON.stringify(def);
    expect(def.def?.length).toBeGreaterThan(1);
    expect(text).not.toContain('cannot copy');
  });

  test('a RUN mount from an image named after the stage works too', async () => {
    await expect(convertText('FROM alpine AS build\nRUN --mount=from=docker.io/library/busybox,target=/bb ls /bb\n')).resolves.toBeDefined();
  });
});

describe('.dockerignore', () => {
  test('a lone "/" is kept as ignorefile.ReadAll keeps it', () => {
    expect(parseDockerignore('/\n/abs\n./rel/\na/../b\n')).toEqual(['/', 'abs', 'rel', 'b']);
  });
});
