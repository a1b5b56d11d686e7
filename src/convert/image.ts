import type { Platform } from '../llb/index.js';

/**
 * The image config returned as `containerimage.config`: the OCI image config with Docker's
 * extensions (Healthcheck, OnBuild, Shell, ArgsEscaped). Only known fields survive a round trip,
 * as with the standard frontend.
 */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config: ContainerConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
}

export const HISTORY_COMMENT = 'buildkit.dockerfile.v0';

/** The PATH BuildKit sets for every OS but Windows. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function emptyImage(p: Platform): ImageConfig {
  const img: ImageConfig = {
    architecture: p.architecture,
    os: p.os,
    config: { WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [] },
  };
  if (p.variant) img.variant = p.variant;
  if (p.osVersion) img['os.version'] = p.osVersion;
  if (p.osFeatures?.length) img['os.features'] = [...p.osFeatures];
  if (p.os !== 'windows') img.config.Env = [`PATH=${DEFAULT_PATH}`];
  return img;
}

/** Reads a base image config, keeping the fields the image config type knows. */
export function parseImageConfig(data: Uint8Array): ImageConfig {
  const raw = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<ImageConfig> & Record<string, unknown>;
  const img: ImageConfig = {
    architecture: String(raw.architecture ?? ''),
    os: String(raw.os ?? ''),
    config: { ...((raw.config as ContainerConfig | undefined) ?? {}) },
    rootfs: {
      type: raw.rootfs?.type ?? 'layers',
      diff_ids: [...(raw.rootfs?.diff_ids ?? [])],
    },
    history: raw.history ? raw.history.map((h) => ({ ...h })) : undefined,
  };
  if (raw.author) img.author = raw.author;
  if (raw.variant) img.variant = raw.variant;
  if (raw['os.version']) img['os.version'] = raw['os.version'];
  if (raw['os.features']) img['os.features'] = [...raw['os.features']];
  return img;
}

export function cloneImage(img: ImageConfig): ImageConfig {
  return structuredClone(img);
}

export function imagePlatform(img: ImageConfig): Platform | undefined {
  if (!img.os || !img.architecture) return undefined;
  const p: Platform = { os: img.os, architecture: img.architecture };
  if (img.variant) p.variant = img.variant;
  return p;
}

export function addHistory(img: ImageConfig, createdBy: string, withLayer: boolean, buildkitStep = false): void {
  const entry: HistoryEntry = {
    created_by: buildkitStep ? `${createdBy} # buildkit` : createdBy,
    comment: HISTORY_COMMENT,
  };
  if (!withLayer) entry.empty_layer = true;
  (img.history ??= []).push(entry);
}

/** Sets KEY=value in an env list, replacing an existing KEY in place, as the Docker config does. */
export function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const out = [...(env ?? [])];
  const i = out.findIndex((e) => e.split('=', 1)[0] === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

/** Serialises the config as BuildKit does: no `created`, keys in a stable order. */
export function marshalImage(img: ImageConfig): Uint8Array {
  return Buffer.from(JSON.stringify(img));
}
