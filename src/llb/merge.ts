/**
 * MergeOp (client/llb/merge.go): the inputs layered in order. Scratch inputs are dropped; a merge
 * of nothing is scratch and a merge of one State is that State. Every input gets its own slot,
 * even when repeated. The result has the platform of the first input; Op.platform is unset.
 */
import type * as pb from '../pb/index.js';
import { newState, scratch, type State } from './state.js';
import { InputSlots, Vertex, type BuildContext, type Built, type Constraints, type Output } from './vertex.js';

export class MergeOp extends Vertex {
  readonly kind = 'merge';
  readonly sources: readonly Output[];

  constructor(sources: Output[], c: Constraints | undefined) {
    super(c);
    if (sources.length < 2) throw new Error('merge must have at least 2 inputs');
    this.sources = sources;
  }

  inputs(): Output[] {
    return [...this.sources];
  }

  build(ctx: BuildContext): Built {
    const slots = new InputSlots();
    const merge: pb.MergeOp = { inputs: this.sources.map((o) => ({ input: slots.append(ctx.input(o)) })) };
    return { op: { inputs: slots.list, merge, constraints: {} }, caps: ['mergeop'] };
  }
}

export function merge(states: State[], c?: Constraints): State {
  const nonEmpty = states.filter((s) => !s.isScratch());
  if (nonEmpty.length === 0) return scratch();
  if (nonEmpty.length === 1) return nonEmpty[0];
  const op = new MergeOp(nonEmpty.map((s) => s.output()!), c);
  return newState({ vertex: op, index: 0 }, nonEmpty[0].getPlatform());
}
