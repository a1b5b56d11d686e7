/**
 * Named contexts (`context:<name>[::<platform>]`), as dockerui's namedcontext.go reads them: a
 * FROM, COPY --from or RUN --mount from that names one gets it instead of an image or a stage.
 *
 * Invariants:
 * - the name is looked up in its familiar form (`alpine`, not `docker.io/library/alpine:latest`),
 *   first with the platform (`alpine::linux/amd64`), then without; `scratch` and `context` never;
 * - each context is loaded once per platform, however many stages and conversions use it;
 * - every value BuildKit accepts is accepted: docker-image://, git (git://, git@, https …​.git),
 *   https:// (an HTTP file), oci-layout://<store>@<digest>, local:<name>, input:<name>; an
 *   oci-layout context on a daemon without the `source.ocilayout` LLB cap is refused by name.
 */
import { formatImageRef, http, image, local, marshal, normalizeImageRef, parseImageRef, scratch, type Definition, type Platform, type State } from '../llb/index.js';
import { withLocation } from '../util/located.js';
import { parseDockerignore } from './dockerignore.js';
import { UnsupportedFeatureError } from './errors.js';
import { gitContext } from './gitref.js';
import { emptyImage, imagePlatform, parseImageConfig, type ImageConfig } from './image.js';
import { fromDefinition, ociLayout } from '../llb/index.js';
import { platformID } from './platform.js';
import type { StageState } from './stage.js';

export interface LoadedContext {
  state: State;
  /** The image config, for docker-image, oci-layout and inputs that carry one. */
  image?: ImageConfig;
}

/** What the converter asks; NamedContexts implements it over the daemon. */
export interface NamedContextResolver {
  has(name: string, platform: Platform): boolean;
  load(name: string, platform: Platform, resolveMode: string): Promise<LoadedContext | undefined>;
}

/** What loading needs from the daemon. */
export interface ContextDaemon {
  opts: ReadonlyMap<string, string>;
  sessionId: string;
  llbCaps: ReadonlySet<string>;
  resolveImage(
    ref: string,
    opts: { platform: Platform; resolveMode?: string; logName: string; resolverType?: 'oci-layout'; sessionId?: string; storeId?: string },
  ): Promise<{ digest: string; config: Uint8Array; ref: string }>;
  /** Solves a definition eagerly and returns its ref id. */
  solve(def: Definition): Promise<string>;
  readFile(ref: string, path: string): Promise<Uint8Array>;
  inputs(): Promise<Record<string, Definition>>;
}

interface Spec {
  /** The familiar name. */
  name: string;
  /** The option key's suffix that matched: `name::platform` or `name`. */
  key: string;
  value: string;
  sharedKey: string;
}

/** `docker.io/library/alpine:latest` → `alpine`, as FamiliarString with `:latest` trimmed. */
export function familiarName(ref: string): string {
  const r = parseImageRef(ref);
  let path = r.path;
  let domain = r.domain;
  if (domain === 'docker.io') {
    domain = '';
    if (path.startsWith('library/') && !path.slice('library/'.length).includes('/')) path = path.slice('library/'.length);
  }
  const s = formatImageRef({ ...r, domain, path });
  return s.endsWith(':latest') ? s.slice(0, -':latest'.length) : s;
}

export class NamedContexts implements NamedContextResolver {
  readonly #daemon: ContextDaemon;
  readonly #loads = new Map<string, Promise<LoadedContext>>();
  #inputs?: Promise<Record<string, Definition>>;

  constructor(daemon: ContextDaemon) {
    this.#daemon = daemon;
  }

  /** True when any `context:` option is set. */
  get any(): boolean {
    for (const k of this.#daemon.opts.keys()) if (k.startsWith('context:')) return true;
    return false;
  }

  has(name: string, platform: Platform): boolean {
    try {
      return this.#find(name, platform) !== undefined;
    } catch {
      return false;
    }
  }

  load(name: string, platform: Platform, resolveMode: string): Promise<LoadedContext | undefined> {
    const spec = this.#find(name, platform);
    if (!spec) return Promise.resolve(undefined);
    const memo = `${spec.key}|${platformID(platform)}`;
    let p = this.#loads.get(memo);
    if (!p) {
      p = this.#load(spec, platform, resolveMode);
      this.#loads.set(memo, p);
    }
    return p;
  }

  #find(name: string, platform: Platform): Spec | undefined {
    if (/^(scratch|context)$/i.test(name)) return undefined;
    let familiar: string;
    try {
      familiar = familiarName(name);
    } catch (err) {
      throw new Error(`invalid context name ${name}: ${(err as Error).message}`);
    }
    const opts = this.#daemon.opts;
    for (const key of [`${familiar}::${platformID(platform)}`, familiar]) {
      const value = opts.get(`context:${key}`);
      if (value !== undefined) return { name: familiar, key, value, sharedKey: opts.get(`sharedkey:localdir:${key}`) ?? '' };
    }
    return undefined;
  }

  async #load(spec: Spec, platform: Platform, resolveMode: string): Promise<LoadedContext> {
    const colon = spec.value.indexOf(':');
    if (colon < 0) throw new Error(`invalid context specifier ${spec.value} for ${spec.key}`);
    let kind = spec.value.slice(0, colon);
    const rest = spec.value.slice(colon + 1);
    if (kind.startsWith('git@')) kind = 'git';
    switch (kind) {
      case 'docker-image':
        return this.#dockerImage(spec, rest.replace(/^\/\//, ''), platform, resolveMode);
      case 'git': {
        const st = gitContext(spec.value);
        if (!st) throw new Error(`invalid git context ${spec.value}`);
        return { state: st };
      }
      case 'http':
      case 'https':
        return { state: gitContext(spec.value) ?? http(spec.value, { filename: 'context', customName: `[context ${spec.key}] ${spec.value}` }) };
      case 'oci-layout':
        return this.#ociLayout(spec, rest.replace(/^\/\//, ''), platform);
      case 'local':
        return this.#local(spec, rest);
      case 'input':
        return this.#input(spec, rest);
      default:
        throw new Error(`unsupported context source ${kind} for ${spec.key}`);
    }
  }

  async #dockerImage(spec: Spec, ref: string, platform: Platform, resolveMode: string): Promise<LoadedContext> {
    if (ref === 'scratch') return { state: scratch() };
    const named = normalizeImageRef(ref);
    const r = await this.#daemon.resolveImage(named, { platform, resolveMode, logName: `[context ${spec.key}] load metadata for ${ref}` });
    const img = parseImageConfig(r.config);
    delete img.created;
    return { state: image(r.ref || named, { platform, customName: `[context ${spec.key}] ${ref}` }), image: img };
  }

  async #ociLayout(spec: Spec, refSpec: string, platform: Platform): Promise<LoadedContext> {
    if (!this.#daemon.llbCaps.has('source.ocilayout')) {
      throw new UnsupportedFeatureError(`named context "${spec.key}" from an OCI layout (oci-layout://)`, 'source.ocilayout');
    }
    const at = refSpec.indexOf('@');
    if (at < 0) throw new Error(`oci-layout reference "${refSpec}" has no digest`);
    const digest = refSpec.slice(at + 1);
    const storeId = refSpec.slice(0, at).replace(/:[\w][\w.-]{0,127}$/, '');
    if (!storeId) throw new Error(`oci-layout reference "${refSpec}" has no name`);
    let dummy: string;
    try {
      dummy = formatImageRef({ ...parseImageRef(spec.name), digest: parseImageRef(`x@${digest}`).digest });
    } catch (err) {
      throw new Error(`could not parse oci-layout reference "${refSpec}": ${(err as Error).message}`);
    }
    const sessionId = this.#daemon.sessionId;
    const r = await this.#daemon.resolveImage(dummy, {
      platform,
      logName: `[context ${spec.key}] load metadata for ${dummy}`,
      resolverType: 'oci-layout',
      sessionId,
      storeId,
    });
    let img: ImageConfig;
    try {
      img = parseImageConfig(r.config);
    } catch (err) {
      throw new Error(`could not parse oci-layout image config: ${(err as Error).message}`);
    }
    const state = ociLayout(dummy, { sessionId, storeId, platform, customName: `[context ${spec.key}] OCI load from client` });
    return { state, image: img };
  }

  async #local(spec: Spec, name: string): Promise<LoadedContext> {
    const d = this.#daemon;
    const sessionId = d.opts.get(`local-sessionid:${name}`) ?? d.sessionId;
    const ignore = local(name, {
      sessionId,
      followPaths: ['.dockerignore'],
      sharedKeyHint: `context:${spec.key}-.dockerignore`,
      customName: `[context ${spec.key}] load .dockerignore`,
      differ: 'none',
    });
    const ref = await d.solve(marshal(ignore));
    let excludes: string[] = [];
    try {
      const text = Buffer.from(await d.readFile(ref, '.dockerignore')).toString('utf8');
      excludes = parseDockerignore(text);
    } catch {
      // no .dockerignore: nothing excluded
    }
    const state = local(name, {
      sessionId,
      sharedKeyHint: `context:${spec.key}-${spec.sharedKey}`,
      excludePatterns: excludes.length ? excludes : undefined,
      customName: `[context ${spec.key}] load from client`,
    });
    return { state };
  }

  async #input(spec: Spec, name: string): Promise<LoadedContext> {
    this.#inputs ??= this.#daemon.inputs();
    const def = (await this.#inputs)[name];
    if (!def) throw new Error(`invalid input ${name} for ${spec.key}`);
    const state = fromDefinition(def, `input "${name}"`);
    const md = this.#daemon.opts.get(`input-metadata:${name}`);
    if (md === undefined) return { state };
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(md) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`failed to parse input metadata ${md}: ${(err as Error).message}`);
    }
    const config = meta['containerimage.config'];
    if (typeof config !== 'string') return { state };
    try {
      return { state, image: parseImageConfig(Buffer.from(config, 'base64')) };
    } catch (err) {
      throw new Error(`failed to parse image config for ${spec.key}: ${(err as Error).message}`);
    }
  }
}

/**
 * A stage whose name is a named context: it becomes that context and none of its own
 * instructions run (dockerfile2llb marks it dispatched).
 */
export async function resolveNamedStage(resolver: NamedContextResolver, s: StageState, platform: Platform, resolveMode: string): Promise<void> {
  let loaded: LoadedContext | undefined;
  try {
    loaded = await resolver.load(s.name!, platform, resolveMode);
  } catch (err) {
    throw withLocation(err, s.stage.from.range);
  }
  // set for another platform only: the stage was moved (wasm placement) after the lookup
  if (!loaded) throw withLocation(new Error(`named context "${s.name}" is not set for platform ${platformID(platform)}`), s.stage.from.range);
  s.state = loaded.state;
  s.dispatched = true;
  if (loaded.image) {
    s.image = structuredClone(loaded.image);
    s.platform = imagePlatform(loaded.image) ?? s.platform;
  } else {
    s.image = emptyImage(platform);
  }
}

/** A FROM, COPY --from or --mount from naming a context instead of an image; false when none. */
export async function resolveNamedBase(resolver: NamedContextResolver, s: StageState, ref: string, platform: Platform, resolveMode: string): Promise<boolean> {
  let loaded: LoadedContext | undefined;
  try {
    loaded = await resolver.load(ref, platform, resolveMode);
  } catch (err) {
    throw withLocation(err, s.stage.from.range);
  }
  if (!loaded) return false;
  s.image = loaded.image ? structuredClone(loaded.image) : emptyImage(platform);
  delete s.image.created;
  s.state = loaded.state;
  s.platform = platform;
  return true;
}
