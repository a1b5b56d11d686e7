import type * as pb from '../pb/index.js';

/** An OCI platform, as in the image spec. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

/** `linux/arm/v7`, `wasi/wasm`; "unknown" without an OS (containerd's platforms.Format). */
export function formatPlatform(p: Platform): string {
  if (!p.os) return 'unknown';
  return [p.os, p.architecture, p.variant].filter((s) => s).join('/');
}

/** The pb.Platform of an op; OSFeatures only when given, as Go copies it only when non-nil. */
export function toPbPlatform(p: Platform): pb.Platform {
  const out: pb.Platform = { Architecture: p.architecture, OS: p.os };
  if (p.variant) out.Variant = p.variant;
  if (p.osVersion) out.OSVersion = p.osVersion;
  if (p.osFeatures) out.OSFeatures = [...p.osFeatures];
  return out;
}

const NODE_ARCH: Record<string, [string, string?]> = {
  x64: ['amd64'],
  ia32: ['386'],
  arm64: ['arm64'],
  arm: ['arm', 'v7'],
  ppc64: ['ppc64le'],
  s390x: ['s390x'],
  riscv64: ['riscv64'],
  loong64: ['loong64'],
  mips: ['mips'],
  mipsel: ['mipsle'],
};

/**
 * The platform of this process, normalised: what Go's marshaller uses for an image or exec op
 * that was given none (`platforms.Normalize(platforms.DefaultSpec())`).
 */
export function defaultPlatform(): Platform {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const [architecture, variant] = NODE_ARCH[process.arch] ?? [process.arch];
  const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
  if (architecture === 'arm' && (armVersion === '5' || armVersion === '6' || armVersion === '8')) {
    return { os, architecture, variant: `v${armVersion}` };
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** containerd's platforms.Normalize: lowercase OS, canonical architecture and variant. */
export function normalizePlatform(p: Platform): Platform {
  let os = p.os ? p.os.toLowerCase() : defaultPlatform().os;
  if (os === 'macos') os = 'darwin';
  let arch = p.architecture.toLowerCase();
  let variant = (p.variant ?? '').toLowerCase();
  switch (arch) {
    case 'i386':
      [arch, variant] = ['386', ''];
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      arch = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (variant === '8' || variant === 'v8' || variant === 'v8.0') variant = '';
      else if (variant === '9' || variant === '9.0' || variant === 'v9.0') variant = 'v9';
      break;
    case 'armhf':
      [arch, variant] = ['arm', 'v7'];
      break;
    case 'armel':
      [arch, variant] = ['arm', 'v6'];
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
      break;
  }
  const out: Platform = { os, architecture: arch };
  if (variant) out.variant = variant;
  if (p.osVersion) out.osVersion = p.osVersion;
  if (p.osFeatures && p.osFeatures.length > 0) out.osFeatures = [...new Set(p.osFeatures)].sort();
  return out;
}
