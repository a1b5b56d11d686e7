/**
 * Marshalling a State into a pb.Definition, as client/llb's State.Marshal does:
 *
 * - vertices are visited depth first, inputs before consumers, each vertex once;
 * - an op's bytes are its canonical encoding and its digest their sha256; identical bytes are one
 *   entry in `def`, and their metadata is merged (caps united, descriptions combined);
 * - the terminal op `{inputs: [result]}` comes last; its metadata holds the caps `constraints`
 *   and `platform`, plus `meta.ignorecache` / `meta.description` when any op uses them;
 * - metadata (names, caps, ignore-cache, progress groups) never enters op bytes;
 * - Definition.Source is sent only with `sourceInfo`: the daemon indexes `infos` by the
 *   locations' sourceIndex without a bounds check.
 */
import type * as pb from '../pb/index.js';
import type { SourceRange } from '../util/located.js';
import { CapabilityError } from './caps.js';
import { decodeMessage, digestOf, encodeCanonical, sortedRecord } from './encode.js';
import { defaultPlatform, type Platform } from './platform.js';
import type { State } from './state.js';
import type { BuildContext, Constraints, Output, Vertex } from './vertex.js';

export interface MarshalOptions {
  /** The file the locations point into: Definition.Source.infos[0]. */
  sourceInfo?: { filename: string; data: Uint8Array; language?: string };
  /** LLB caps the daemon advertises; a needed cap missing from the set throws CapabilityError. */
  caps?: ReadonlySet<string>;
  /**
   * The platform of image and exec ops that have none of their own (Go's
   * `SetMarshalDefaults(llb.Platform(p))`); defaults to this process's platform, as in Go.
   */
  defaultPlatform?: Platform;
}

export function marshal(state: State, opts: MarshalOptions = {}): pb.Definition {
  const result = state.output();
  if (!result) return { def: [] };
  const m = new Marshaller(opts.caps, opts.defaultPlatform ?? defaultPlatform());
  const head: pb.Input = m.input(result);

  const terminal = encodeCanonical('pb.Op', { inputs: [head] });
  const terminalDigest = digestOf(terminal);
  m.def.push(terminal);
  const caps: Record<string, boolean> = { constraints: true, platform: true };
  for (const md of m.metadata.values()) {
    if (md.ignore_cache) caps['meta.ignorecache'] = true;
    if (md.description) caps['meta.description'] = true;
  }
  m.metadata.set(terminalDigest, { caps: sortedRecord(caps) });
  if (opts.caps) m.checkCaps(opts.caps, terminalDigest);

  const metadata: Record<string, pb.OpMetadata> = {};
  for (const [d, md] of [...m.metadata.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) metadata[d] = md;
  const def: pb.Definition = { def: m.def, metadata };
  if (opts.sourceInfo) def.Source = m.source(opts.sourceInfo);
  return def;
}

/** The ops of a Definition in order, with digests and metadata; for tests, dumps and harnesses. */
export function decodeDefinition(def: pb.Definition): { digest: string; op: pb.Op; metadata?: pb.OpMetadata }[] {
  return (def.def ?? []).map((bytes) => {
    const digest = digestOf(bytes);
    const md = def.metadata?.[digest];
    const op = decodeMessage<pb.Op>('pb.Op', bytes);
    return md ? { digest, op, metadata: md } : { digest, op };
  });
}

class Marshaller implements BuildContext {
  readonly def: Uint8Array[] = [];
  readonly metadata = new Map<string, pb.OpMetadata>();
  readonly #digests = new Map<Vertex, string>();
  readonly #inDef = new Set<string>();
  readonly #locations = new Map<string, SourceRange[][]>();
  readonly #caps: ReadonlySet<string> | undefined;
  readonly defaultPlatform: Platform;

  constructor(caps: ReadonlySet<string> | undefined, platform: Platform) {
    this.#caps = caps;
    this.defaultPlatform = platform;
  }

  get caps(): ReadonlySet<string> | undefined {
    return this.#caps;
  }

  input(out: Output): pb.Input {
    return { digest: this.#visit(out.vertex), index: out.index };
  }

  /**
   * Encodes `root` after its inputs, depth first in input order (Go's marshal order), on an
   * explicit stack: a chain of thousands of ops never becomes JavaScript call depth.
   */
  #visit(root: Vertex): string {
    const done = this.#digests.get(root);
    if (done) return done;
    const stack: [Vertex, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [v, expanded] = top;
      if (this.#digests.has(v)) {
        stack.pop();
        continue;
      }
      if (!expanded) {
        top[1] = true;
        const inputs = v.inputs();
        for (let i = inputs.length - 1; i >= 0; i--) if (!this.#digests.has(inputs[i]!.vertex)) stack.push([inputs[i]!.vertex, false]);
        continue;
      }
      stack.pop();
      this.#emit(v);
    }
    return this.#digests.get(root)!;
  }

  /** Encodes one vertex whose inputs are all encoded. */
  #emit(v: Vertex): string {
    const built = v.build(this);
    const bytes = encodeCanonical('pb.Op', built.op);
    const digest = digestOf(bytes);
    this.#digests.set(v, digest);
    this.metadata.set(digest, mergeMetadata(this.metadata.get(digest), opMetadata(v.constraints, built.caps)));
    const ranges = v.constraints.locations;
    if (ranges?.length) this.#locations.set(digest, [...(this.#locations.get(digest) ?? []), ranges]);
    if (!this.#inDef.has(digest)) {
      this.#inDef.add(digest);
      this.def.push(bytes);
    }
    return digest;
  }

  /** Throws for the first op (in def order) that needs a cap the daemon lacks. */
  checkCaps(supported: ReadonlySet<string>, terminalDigest: string): void {
    for (const bytes of this.def) {
      const digest = digestOf(bytes);
      for (const cap of Object.keys(this.metadata.get(digest)?.caps ?? {})) {
        if (!supported.has(cap)) {
          const locs = digest === terminalDigest ? [] : (this.#locations.get(digest) ?? []).flat();
          throw new CapabilityError(cap, locs);
        }
      }
    }
  }

  source(info: NonNullable<MarshalOptions['sourceInfo']>): pb.Source {
    const si: pb.SourceInfo = { filename: info.filename, data: info.data };
    if (info.language) si.language = info.language;
    const locations: Record<string, pb.Locations> = {};
    for (const [digest, lists] of this.#locations) {
      locations[digest] = {
        locations: lists.map((ranges) => ({
          sourceIndex: 0,
          ranges: ranges.map((r) => ({ start: { ...r.start }, end: { ...r.end } })),
        })),
      };
    }
    return { locations: sortedRecord(locations), infos: [si] };
  }
}

function opMetadata(c: Constraints, caps: string[]): pb.OpMetadata {
  const md: pb.OpMetadata = {};
  if (c.ignoreCache) md.ignore_cache = true;
  const description = { ...c.description };
  if (c.customName !== undefined) description['llb.customname'] = c.customName;
  if (Object.keys(description).length > 0) md.description = sortedRecord(description);
  md.caps = sortedRecord(Object.fromEntries(caps.map((cap) => [cap, true])));
  if (c.progressGroup) {
    const g = c.progressGroup;
    md.progress_group = g.weak ? { id: g.id, name: g.name, weak: true } : { id: g.id, name: g.name };
  }
  return md;
}

/** Go's mergeMetadata: the later vertex adds caps and description entries and may set flags. */
function mergeMetadata(a: pb.OpMetadata | undefined, b: pb.OpMetadata): pb.OpMetadata {
  if (!a) return b;
  const out: pb.OpMetadata = { ...a };
  if (b.ignore_cache) out.ignore_cache = true;
  if (b.description) out.description = sortedRecord({ ...a.description, ...b.description });
  out.caps = sortedRecord({ ...a.caps, ...b.caps });
  if (b.progress_group) out.progress_group = b.progress_group;
  return out;
}
