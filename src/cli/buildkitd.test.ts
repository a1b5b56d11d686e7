import { describe, expect, it } from 'vitest';
import { BuildkitdConfigError, readWorkerPlatforms, renderBuildkitdToml } from './buildkitd.js';
import { parseInspect } from './inspect.js';
import { loadFixture } from './testing.js';

describe('renderBuildkitdToml', () => {
  it('writes both worker tables, host platforms first, wasi/wasm last', () => {
    expect(renderBuildkitdToml({ platforms: ['linux/amd64', 'wasi/wasm'], builder: 'wasm' })).toBe(
      [
        '# buildkitd.toml written by wasm-frontend builder create (builder "wasm").',
        '# `platforms` replaces the platforms BuildKit would detect; the first one is the default',
        '# build platform. wasi/wasm is added so the builder advertises WebAssembly builds.',
        '',
        '[worker.oci]',
        '  platforms = ["linux/amd64", "wasi/wasm"]',
        '',
        '[worker.containerd]',
        '  platforms = ["linux/amd64", "wasi/wasm"]',
        '',
      ].join('\n'),
    );
  });

  it('keeps a user\'s config and adds the platforms into its worker tables', () => {
    const base = [
      'debug = true',
      '',
      '[registry."docker.io"]',
      '  mirrors = ["localhost:5000"]',
      '',
      '[registry."localhost:5000"]',
      '  http = true',
      '',
      '[worker.oci]',
      '  # keep the cache small',
      '  gc = true',
      '  gckeepstorage = "10GB"',
      '',
    ].join('\n');
    const out = renderBuildkitdToml({ platforms: ['linux/arm64', 'wasi/wasm'], base });
    expect(out).toContain('[registry."docker.io"]\n  mirrors = ["localhost:5000"]');
    expect(out).toContain('[worker.oci]\n  platforms = ["linux/arm64", "wasi/wasm"]\n  # keep the cache small\n  gc = true');
    expect(out).toMatch(/\[worker\.containerd\]\n  platforms = \["linux\/arm64", "wasi\/wasm"\]\n$/);
    expect(out.match(/\[worker\.oci\]/g)).toHaveLength(1);
    expect(readWorkerPlatforms(out)).toEqual({ 'worker.oci': ['linux/arm64', 'wasi/wasm'], 'worker.containerd': ['linux/arm64', 'wasi/wasm'] });
  });

  it('accepts worker platforms that already include wasi/wasm, and leaves them', () => {
    const base = "[worker.oci]\n  platforms = ['linux/amd64', 'linux/arm64', 'wasi/wasm']\n";
    const out = renderBuildkitdToml({ platforms: ['linux/amd64', 'wasi/wasm'], base });
    expect(readWorkerPlatforms(out)['worker.oci']).toEqual(['linux/amd64', 'linux/arm64', 'wasi/wasm']);
    expect(readWorkerPlatforms(out)['worker.containerd']).toEqual(['linux/amd64', 'wasi/wasm']);
  });

  it('refuses worker platforms without wasi/wasm', () => {
    expect(() => renderBuildkitdToml({ platforms: ['linux/amd64', 'wasi/wasm'], base: '[worker.oci]\nplatforms = ["linux/amd64"]\n' })).toThrow(
      new BuildkitdConfigError('[worker.oci] already sets platforms without "wasi/wasm"; add "wasi/wasm" to it or remove the key'),
    );
  });

  it('refuses platforms it cannot place (dotted keys, other tables)', () => {
    expect(() => renderBuildkitdToml({ platforms: ['wasi/wasm'], base: 'worker.oci.platforms = ["linux/amd64"]\n' })).toThrow(/at the top level/);
    expect(() => renderBuildkitdToml({ platforms: ['wasi/wasm'], base: '[worker]\noci.platforms = ["linux/amd64"]\n' })).toThrow(/in \[worker\]/);
  });

  it('ignores commented-out platforms', () => {
    const out = renderBuildkitdToml({ platforms: ['linux/amd64', 'wasi/wasm'], base: '# platforms = ["x"]\n' });
    expect(readWorkerPlatforms(out)['worker.oci']).toEqual(['linux/amd64', 'wasi/wasm']);
  });

  it('needs at least one platform', () => {
    expect(() => renderBuildkitdToml({ platforms: [] })).toThrow(BuildkitdConfigError);
  });
});

describe('readWorkerPlatforms', () => {
  it('reads buildx\'s re-encoding of our file as inspect shows it', () => {
    const toml = parseInspect(loadFixture('buildx-inspect-wasm').stdout)!.nodes[0].files['buildkitd.toml'];
    expect(readWorkerPlatforms(toml)).toEqual({ 'worker.oci': ['linux/amd64', 'wasi/wasm'], 'worker.containerd': ['linux/amd64', 'wasi/wasm'] });
  });

  it('reads arrays over several lines and spaced headers', () => {
    expect(readWorkerPlatforms('[ worker . oci ]\nplatforms = [\n  "linux/amd64",\n  \'wasi/wasm\',\n]\n')).toEqual({ 'worker.oci': ['linux/amd64', 'wasi/wasm'] });
  });

  it('finds nothing in a config without worker platforms', () => {
    expect(readWorkerPlatforms('debug = true\n')).toEqual({});
  });
});
