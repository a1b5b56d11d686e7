import { describe, expect, it } from 'vitest';
import {
  buildxBuildArgs,
  buildxCreateArgs,
  buildxInspectArgs,
  buildxLsArgs,
  buildxRmArgs,
  buildxUseArgs,
  buildxVersionArgs,
  dockerInfoArgs,
  dockerRunArgs,
  dockerVersionArgs,
} from './argv.js';

describe('probe argv', () => {
  it('asks docker for JSON', () => {
    expect(dockerVersionArgs()).toEqual(['version', '--format', '{{json .}}']);
    expect(dockerInfoArgs()).toEqual(['info', '--format', '{{json .}}']);
    expect(buildxVersionArgs()).toEqual(['buildx', 'version']);
  });

  it.each([
    [{}, ['buildx', 'inspect']],
    [{ name: 'wasm' }, ['buildx', 'inspect', 'wasm']],
    [{ bootstrap: true }, ['buildx', 'inspect', '--bootstrap']],
    [{ name: 'wasm', bootstrap: true }, ['buildx', 'inspect', '--bootstrap', 'wasm']],
  ])('inspect %j', (options, argv) => {
    expect(buildxInspectArgs(options)).toEqual(argv);
  });

  it('ls, rm, use', () => {
    expect(buildxLsArgs()).toEqual(['buildx', 'ls']);
    expect(buildxLsArgs({ json: true })).toEqual(['buildx', 'ls', '--format', 'json']);
    expect(buildxRmArgs('wasm')).toEqual(['buildx', 'rm', 'wasm']);
    expect(buildxUseArgs('wasm')).toEqual(['buildx', 'use', 'wasm']);
  });
});

describe('buildxCreateArgs', () => {
  const base = { name: 'wasm', driver: 'docker-container' as const };
  it.each([
    ['minimal', {}, ['buildx', 'create', '--name', 'wasm', '--driver', 'docker-container']],
    [
      'config, platforms, bootstrap (what builder create runs)',
      { configPath: '/c/b.toml', platforms: ['linux/amd64', 'wasi/wasm'], bootstrap: true },
      ['buildx', 'create', '--name', 'wasm', '--driver', 'docker-container', '--buildkitd-config', '/c/b.toml', '--platform', 'linux/amd64,wasi/wasm', '--bootstrap'],
    ],
    [
      'old buildx spells the config flag --config',
      { configPath: '/c/b.toml', configFlag: '--config' as const },
      ['buildx', 'create', '--name', 'wasm', '--driver', 'docker-container', '--config', '/c/b.toml'],
    ],
    [
      'driver opts in order, --use, endpoint last',
      { driverOpts: ['network=host', 'image=moby/buildkit:v0.22.0'], use: true, bootstrap: true, endpoint: 'my-context' },
      ['buildx', 'create', '--name', 'wasm', '--driver', 'docker-container', '--driver-opt', 'network=host', '--driver-opt', 'image=moby/buildkit:v0.22.0', '--use', '--bootstrap', 'my-context'],
    ],
    ['empty platform list adds no flag', { platforms: [] }, ['buildx', 'create', '--name', 'wasm', '--driver', 'docker-container']],
  ])('%s', (_, extra, argv) => {
    expect(buildxCreateArgs({ ...base, ...extra })).toEqual(argv);
  });

  it('remote: endpoint, no config', () => {
    expect(buildxCreateArgs({ name: 'wasm', driver: 'remote', endpoint: 'tcp://buildkitd:1234', bootstrap: true })).toEqual([
      'buildx', 'create', '--name', 'wasm', '--driver', 'remote', '--bootstrap', 'tcp://buildkitd:1234',
    ]);
  });
});

describe('buildxBuildArgs', () => {
  const base = { context: 'testdata/c-hello', platforms: ['wasi/wasm'], frontend: 'local/wasm-frontend:dev' };
  it.each([
    [
      'defaults: wasi/wasm, the frontend as BUILDKIT_SYNTAX, provenance off',
      {},
      ['buildx', 'build', '--platform', 'wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=local/wasm-frontend:dev', '--provenance=false', 'testdata/c-hello'],
    ],
    [
      'provenance kept when asked',
      { provenance: true },
      ['buildx', 'build', '--platform', 'wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=local/wasm-frontend:dev', 'testdata/c-hello'],
    ],
    [
      'builder, file, tags, args, target, push',
      { builder: 'wasm', file: 'testdata/c-hello/Dockerfile', tags: ['a:1', 'b:2'], buildArgs: ['X=1', 'Y=two words'], target: 'build', push: true },
      [
        'buildx', 'build', '--builder', 'wasm', '--platform', 'wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=local/wasm-frontend:dev',
        '--build-arg', 'X=1', '--build-arg', 'Y=two words', '--provenance=false', '--file', 'testdata/c-hello/Dockerfile',
        '--tag', 'a:1', '--tag', 'b:2', '--target', 'build', '--push', 'testdata/c-hello',
      ],
    ],
    [
      'outputs, load and progress',
      { outputs: ['type=local,dest=out'], load: true, progress: 'plain' },
      ['buildx', 'build', '--platform', 'wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=local/wasm-frontend:dev', '--provenance=false', '--output', 'type=local,dest=out', '--load', '--progress', 'plain', 'testdata/c-hello'],
    ],
    [
      'several platforms joined',
      { platforms: ['linux/amd64', 'wasi/wasm'] },
      ['buildx', 'build', '--platform', 'linux/amd64,wasi/wasm', '--build-arg', 'BUILDKIT_SYNTAX=local/wasm-frontend:dev', '--provenance=false', 'testdata/c-hello'],
    ],
  ])('%s', (_, extra, argv) => {
    expect(buildxBuildArgs({ ...base, ...extra })).toEqual(argv);
  });

  it('run command for a wasm image', () => {
    expect(dockerRunArgs('hello:wasm', { runtime: 'io.containerd.wasmtime.v1' })).toEqual(['run', '--rm', '--runtime=io.containerd.wasmtime.v1', '--platform=wasi/wasm', 'hello:wasm']);
    expect(dockerRunArgs('hello:wasm', { runtime: 'crun' })).toEqual(['run', '--rm', '--runtime=crun', '--platform=wasi/wasm', '--annotation=run.oci.handler=wasm', 'hello:wasm']);
  });
});
