import { describe, expect, test } from 'vitest';
import { parseWorkers, readFrontendEnv } from './options.js';

// BUILDKIT_WORKERS exactly as dockerd 20.10 sent it (doc §1.3).
const DOCKERD_WORKERS =
  '[{"ID":"moby","Labels":null,"Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"386","os":"linux"}],"GCPolicy":null}]';

describe('readFrontendEnv', () => {
  test('reads what dockerd 20.10 sent for a docker build', () => {
    const env = readFrontendEnv({
      BUILDKIT_FRONTEND_OPT_3: 'build-arg:FOO=bar',
      BUILDKIT_FRONTEND_OPT_0: 'source=example/frontend',
      BUILDKIT_FRONTEND_OPT_10: 'add-hosts=myhost=10.1.2.3',
      BUILDKIT_FRONTEND_OPT_2: 'filename=Dockerfile',
      BUILDKIT_FRONTEND_OPT_1: 'shm-size=67108864',
      BUILDKIT_SESSION_ID: 'sess123',
      BUILDKIT_WORKERS: DOCKERD_WORKERS,
      BUILDKIT_EXPORTEDPRODUCT: 'docker',
      PATH: '/bin',
    });
    expect([...env.opts]).toEqual([
      ['source', 'example/frontend'],
      ['shm-size', '67108864'],
      ['filename', 'Dockerfile'],
      ['build-arg:FOO', 'bar'],
      ['add-hosts', 'myhost=10.1.2.3'],
    ]);
    expect(env.sessionId).toBe('sess123');
    expect(env.exportedProduct).toBe('docker');
    expect(env.workers).toEqual([
      {
        id: 'moby',
        labels: {},
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: '386' },
        ],
      },
    ]);
  });

  test('splits on the first "=" only and keeps empty values', () => {
    const env = readFrontendEnv({
      BUILDKIT_FRONTEND_OPT_0: 'cache-imports=[{"Type":"registry","Attrs":{"ref":"r=1"}}]',
      BUILDKIT_FRONTEND_OPT_1: 'no-cache=',
      BUILDKIT_FRONTEND_OPT_2: 'flagonly',
    });
    expect(env.opts.get('cache-imports')).toBe('[{"Type":"registry","Attrs":{"ref":"r=1"}}]');
    expect(env.opts.get('no-cache')).toBe('');
    expect(env.opts.has('flagonly')).toBe(true);
    expect(env.opts.get('flagonly')).toBe('');
  });

  test('an empty environment gives empty values, never throws', () => {
    const env = readFrontendEnv({});
    expect(env).toEqual({ opts: new Map(), sessionId: '', workers: [], exportedProduct: '' });
  });

  test('ignores variables that only look like options', () => {
    const env = readFrontendEnv({ BUILDKIT_FRONTEND_OPTS: 'a=b', XBUILDKIT_FRONTEND_OPT_0: 'c=d' });
    expect(env.opts.size).toBe(0);
  });
});

describe('parseWorkers', () => {
  test('reads labels, variants and OS version the way Go decodes them (keys case-insensitive)', () => {
    expect(
      parseWorkers(
        '[{"id":"w1","labels":{"org.mobyproject.buildkit.worker.executor":"oci"},"platforms":[{"architecture":"arm","os":"linux","variant":"v7"},{"architecture":"amd64","os":"windows","os.version":"10.0.20348"}]}]',
      ),
    ).toEqual([
      {
        id: 'w1',
        labels: { 'org.mobyproject.buildkit.worker.executor': 'oci' },
        platforms: [
          { os: 'linux', architecture: 'arm', variant: 'v7' },
          { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348' },
        ],
      },
    ]);
  });

  test('invalid JSON means no workers, as in the Go client', () => {
    expect(parseWorkers('{not json')).toEqual([]);
    expect(parseWorkers('{"ID":"x"}')).toEqual([]);
    expect(parseWorkers('null')).toEqual([]);
    expect(parseWorkers(undefined)).toEqual([]);
  });
});
