/**
 * The pieces every op shares: the constraint options, vertices and their outputs, and the
 * context a vertex is built in. A vertex is immutable once constructed; building it is a pure
 * function of its fields, the digests of its inputs and the marshal options.
 */
import type * as pb from '../pb/index.js';
import type { SourceRange } from '../util/located.js';
import type { Platform } from './platform.js';

/** Shared option type, accepted by every op constructor. Never part of op bytes. */
export interface Constraints {
  /** OpMetadata.description['llb.customname'], the progress name of the step. */
  customName?: string;
  /** Extra description entries (e.g. com.docker.dockerfile.v1.command). */
  description?: Record<string, string>;
  ignoreCache?: boolean;
  /** Ranges in source file 0, sent as Definition.Source.locations[digest]. */
  locations?: SourceRange[];
  progressGroup?: { id: string; name: string; weak?: boolean };
}

/** Output `index` of `vertex`. */
export interface Output {
  readonly vertex: Vertex;
  readonly index: number;
}

export interface BuildContext {
  /** LLB caps the daemon advertises, when known (MarshalOptions.caps). */
  readonly caps?: ReadonlySet<string>;
  /** The platform of image and exec ops that were given none and inherited none. */
  readonly defaultPlatform: Platform;
  /** The pb.Input naming an output; its vertex is marshalled first when needed. */
  input(out: Output): pb.Input;
}

/** An op ready to encode, with the LLB caps its fields need. */
export interface Built {
  op: pb.Op;
  caps: string[];
}

export abstract class Vertex {
  readonly constraints: Constraints;

  constructor(c: Constraints | undefined) {
    this.constraints = pickConstraints(c);
  }

  /** Short name for dumps and errors: source, exec, file, merge, diff. */
  abstract readonly kind: string;

  /** Outputs this vertex reads, in the order Go's marshaller visits them. */
  abstract inputs(): Output[];

  abstract build(ctx: BuildContext): Built;
}

/** The Constraints fields of an options object that may carry other options too. */
export function pickConstraints(c: Constraints | undefined): Constraints {
  if (!c) return {};
  const out: Constraints = {};
  if (c.customName !== undefined) out.customName = c.customName;
  if (c.description !== undefined) out.description = { ...c.description };
  if (c.ignoreCache !== undefined) out.ignoreCache = c.ignoreCache;
  if (c.locations !== undefined) out.locations = c.locations.map((r) => ({ start: { ...r.start }, end: { ...r.end } }));
  if (c.progressGroup !== undefined) out.progressGroup = { ...c.progressGroup };
  return out;
}

/**
 * The op inputs of one vertex. An output named twice (same digest and index) gets one slot, as
 * Go's exec and file ops reuse slots.
 */
export class InputSlots {
  readonly list: pb.Input[] = [];

  add(inp: pb.Input): number {
    const i = this.list.findIndex((x) => x.digest === inp.digest && (x.index ?? 0) === (inp.index ?? 0));
    if (i >= 0) return i;
    this.list.push(inp);
    return this.list.length - 1;
  }

  /** A new slot even when the output is already present (merge and diff do not share). */
  append(inp: pb.Input): number {
    this.list.push(inp);
    return this.list.length - 1;
  }
}

/** The defined outputs, each vertex and index once, in first-seen order. */
export function uniqueOutputs(outs: (Output | undefined)[]): Output[] {
  const seen = new Map<Vertex, Set<number>>();
  const res: Output[] = [];
  for (const o of outs) {
    if (!o) continue;
    let indexes = seen.get(o.vertex);
    if (!indexes) seen.set(o.vertex, (indexes = new Set()));
    if (indexes.has(o.index)) continue;
    indexes.add(o.index);
    res.push(o);
  }
  return res;
}
