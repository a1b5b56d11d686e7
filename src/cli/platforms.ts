/**
 * Platform lists as the CLI takes them from users and reads them from buildx, normalised with the
 * frontend's own rules (src/convert/platform.ts): the wasm spellings users type all mean
 * wasi/wasm, with a warning for the non-canonical ones.
 */
import { parsePlatform, platformID } from '../convert/platform.js';
import { UsageError } from './errors.js';

export const WASI_WASM = 'wasi/wasm';

export interface NormalisedPlatforms {
  platforms: string[];
  warnings: string[];
}

/** Splits comma-separated values, normalises, drops duplicates (first one wins). */
export function normalisePlatforms(specs: readonly string[], flag = '--platform'): NormalisedPlatforms {
  const platforms: string[] = [];
  const warnings: string[] = [];
  for (const spec of specs.flatMap((s) => s.split(','))) {
    if (spec.trim() === '') continue;
    let parsed;
    try {
      parsed = parsePlatform(spec);
    } catch (err) {
      throw new UsageError(`${flag}: ${(err as Error).message}`);
    }
    if (parsed.warning) warnings.push(parsed.warning);
    const id = platformID(parsed.platform);
    if (!platforms.includes(id)) platforms.push(id);
  }
  return { platforms, warnings };
}

/** The platform of a docker engine from `docker version` (Os "linux", Arch "arm64"). */
export function enginePlatform(os: string, arch: string): string | undefined {
  if (!os || !arch) return undefined;
  try {
    return platformID(parsePlatform(`${os}/${arch}`).platform);
  } catch {
    return undefined;
  }
}

/** Whether one of the platforms (as buildx prints them, "*" allowed) is wasi/wasm in any spelling. */
export function includesWasm(platforms: readonly string[]): boolean {
  return platforms.some((p) => {
    try {
      return platformID(parsePlatform(p.replace(/\*$/, '')).platform) === WASI_WASM;
    } catch {
      return false;
    }
  });
}

export function isWasmPlatform(p: string): boolean {
  return includesWasm([p]);
}
