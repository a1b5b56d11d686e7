import { formatPlatform, normalizePlatform as normalizeContainerd, type Platform } from '../llb/platform.js';

/**
 * Platform parsing and normalisation, as containerd's `platforms` package does it, plus the
 * WebAssembly spellings users type. Every platform leaving this module is normalised, so
 * `formatPlatform` of two equal platforms gives the same ID.
 */

export const WASI_WASM: Platform = { os: 'wasi', architecture: 'wasm' };

export interface ParsedPlatform {
  platform: Platform;
  /** Set when the spelling was accepted but is not the canonical one. */
  warning?: string;
}

export class PlatformError extends Error {}

/**
 * Parses one `--platform` value as containerd's platforms.Parse does (a lone word is an OS when
 * known, else an architecture on linux: `arm64` is `linux/arm64`), then folds the wasm spellings
 * into wasi/wasm, so `wasm` (that is, `linux/wasm`), `wasm32`, `wasip1/wasm32`, `wasm/wasi`, or a
 * lone `wasi` all become wasi/wasm. A spelling other than `wasi/wasm` comes with a warning.
 * Throws PlatformError for a value containerd refuses.
 */
export function parsePlatform(spec: string): ParsedPlatform {
  const raw = spec.trim();
  const lower = raw.toLowerCase();
  const parts = lower.split('/');
  if (raw === '' || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) {
    throw new PlatformError(`"${raw}": unknown operating system or architecture: invalid argument`);
  }
  let os: string;
  let arch: string;
  let variant = '';
  let lone: 'os' | 'arch' | undefined;
  if (parts.length === 1) {
    // A lone word is an OS if known, else an architecture on the default OS (containerd's rule).
    if (knownOS.has(parts[0]!)) {
      os = parts[0]!;
      arch = 'amd64';
      lone = 'os';
    } else {
      os = 'linux';
      arch = parts[0]!;
      lone = 'arch';
    }
  } else {
    [os = '', arch = '', variant = ''] = parts;
  }
  const wasmArch = (a: string) => a === 'wasm' || a === 'wasm32';
  const wasiOS = (o: string) => o === 'wasi' || o === 'wasip1';
  if (lone === 'os' && wasiOS(os)) return { platform: { ...WASI_WASM }, warning: `platform "${raw}" is read as "wasi/wasm"` };
  if (lone === 'arch' && wasmArch(arch)) {
    return { platform: { ...WASI_WASM }, warning: `platform "${raw}" (that is, "linux/${arch}") is read as "wasi/wasm"` };
  }
  if (wasiOS(os) && wasmArch(arch)) {
    return { platform: { ...WASI_WASM }, warning: lower === 'wasi/wasm' ? undefined : `platform "${raw}" is read as "wasi/wasm"` };
  }
  if (wasmArch(os) && arch === 'wasi') {
    return { platform: { ...WASI_WASM }, warning: `platform "${raw}" has os and architecture reversed; read as "wasi/wasm"` };
  }
  if (os === 'linux' && wasmArch(arch)) {
    return { platform: { ...WASI_WASM }, warning: `platform "${raw}" is not a wasm platform runtimes match; read as "wasi/wasm"` };
  }
  return { platform: normalizePlatform({ os, architecture: arch, variant }) };
}

const knownOS = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux',
  'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos', 'wasi', 'wasip1', 'wasip2',
]);

/** containerd's Normalize, with the wasm spellings folded into wasi/wasm. */
export function normalizePlatform(p: Platform): Platform {
  const n = normalizeContainerd(p);
  const wasmOS = n.os === 'wasi' || n.os === 'wasip1';
  if (wasmOS && (n.architecture === 'wasm' || n.architecture === 'wasm32')) return { ...n, os: 'wasi', architecture: 'wasm' };
  return n;
}

/** "linux/arm/v7", "wasi/wasm": the platform ID used for refs and config keys. */
export const platformID = formatPlatform;

export function isWasm(p: Platform): boolean {
  return p.architecture === 'wasm';
}

export function samePlatform(a: Platform, b: Platform): boolean {
  return platformID(normalizePlatform(a)) === platformID(normalizePlatform(b));
}

/** Parses the comma-separated `platform` option; an empty value means none. */
export function parsePlatformList(value: string | undefined): ParsedPlatform[] {
  if (!value) return [];
  const seen = new Set<string>();
  const out: ParsedPlatform[] = [];
  for (const part of value.split(',')) {
    if (!part.trim()) continue;
    const parsed = parsePlatform(part);
    const id = platformID(parsed.platform);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(parsed);
  }
  return out;
}
