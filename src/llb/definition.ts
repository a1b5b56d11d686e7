/**
 * Two more sources: a State made of a Definition someone else marshalled (Go's
 * llb.NewDefinitionOp, for frontend inputs) and an OCI layout image (Go's llb.OCILayout).
 *
 * Invariant: a definition is carried byte for byte. Every op is decoded and encoded again with
 * the canonical encoder; an op whose bytes would change (fields our schema does not know) is
 * refused rather than silently altered, so digests inside the definition stay valid.
 */
import type { Definition, Op, OpMetadata } from '../pb/index.js';
import { decodeMessage, digestOf, encodeCanonical } from './encode.js';
import type { Platform } from './platform.js';
import { SourceOp } from './source.js';
import { newState, type State } from './state.js';
import { Vertex, type BuildContext, type Built, type Constraints, type Output } from './vertex.js';

export class InputDefinitionError extends Error {}

class DefinitionVertex extends Vertex {
  readonly kind = 'definition';
  readonly #op: Op;
  readonly #inputs: Output[];
  readonly #caps: string[];

  constructor(op: Op, inputs: Output[], md: OpMetadata | undefined) {
    super(constraintsOf(md));
    this.#op = op;
    this.#inputs = inputs;
    this.#caps = Object.keys(md?.caps ?? {});
  }

  inputs(): Output[] {
    return this.#inputs;
  }

  build(ctx: BuildContext): Built {
    const op: Op = { ...this.#op };
    if (this.#inputs.length) op.inputs = this.#inputs.map((o) => ctx.input(o));
    return { op, caps: [...this.#caps] };
  }
}

function constraintsOf(md: OpMetadata | undefined): Constraints {
  const c: Constraints = {};
  if (md?.description && Object.keys(md.description).length) c.description = { ...md.description };
  if (md?.ignore_cache) c.ignoreCache = true;
  const g = md?.progress_group;
  if (g?.id) c.progressGroup = { id: g.id, name: g.name ?? '', ...(g.weak ? { weak: true } : {}) };
  return c;
}

/** The State a Definition produces; scratch for an empty one. */
export function fromDefinition(def: Definition, what: string): State {
  const bytes = def.def ?? [];
  if (bytes.length === 0) return newState(undefined, undefined);
  const ops = new Map<string, Op>();
  let last = '';
  for (const b of bytes) {
    const digest = digestOf(b);
    let op: Op;
    try {
      op = decodeMessage<Op>('pb.Op', b);
    } catch (err) {
      throw new InputDefinitionError(`failed to parse llb proto op of ${what}: ${(err as Error).message}`);
    }
    const again = encodeCanonical('pb.Op', op);
    if (Buffer.compare(Buffer.from(again), Buffer.from(b)) !== 0) {
      throw new InputDefinitionError(`${what} uses LLB fields this frontend cannot pass on unchanged (op ${digest})`);
    }
    ops.set(digest, op);
    last = digest;
  }
  const terminal = ops.get(last)!;
  const head = terminal.inputs?.[0];
  if (!head?.digest) throw new InputDefinitionError(`invalid ${what}: its last op has no input`);
  const vertices = new Map<string, DefinitionVertex>();
  const vertexOf = (digest: string, path: string[]): DefinitionVertex => {
    const done = vertices.get(digest);
    if (done) return done;
    const op = ops.get(digest);
    if (!op || path.includes(digest)) throw new InputDefinitionError(`invalid ${what}: missing or cyclic op ${digest}`);
    const inputs = (op.inputs ?? []).map((i) => ({ vertex: vertexOf(i.digest ?? '', [...path, digest]), index: Number(i.index ?? 0) }));
    const v = new DefinitionVertex(op, inputs, def.metadata?.[digest]);
    vertices.set(digest, v);
    return v;
  };
  const vertex = vertexOf(head.digest, []);
  const p = vertexPlatform(ops.get(head.digest)!);
  return newState({ vertex, index: Number(head.index ?? 0) }, p);
}

function vertexPlatform(op: Op): Platform | undefined {
  const p = op.platform;
  if (!p?.OS || !p.Architecture) return undefined;
  const out: Platform = { os: p.OS, architecture: p.Architecture };
  if (p.Variant) out.variant = p.Variant;
  return out;
}

export interface OCILayoutOptions extends Constraints {
  sessionId?: string;
  storeId?: string;
  platform?: Platform;
}

/** An image from a client-side OCI layout store: `oci-layout://<ref>`, cap source.ocilayout. */
export function ociLayout(ref: string, opts: OCILayoutOptions = {}): State {
  const attrs: Record<string, string> = {};
  if (opts.sessionId) attrs['oci.session'] = opts.sessionId;
  if (opts.storeId) attrs['oci.store'] = opts.storeId;
  const op = new SourceOp(`oci-layout://${ref}`, attrs, ['source.ocilayout'], opts.platform, true, opts);
  return newState({ vertex: op, index: 0 }, opts.platform);
}
