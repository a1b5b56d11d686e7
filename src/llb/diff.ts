/**
 * DiffOp (client/llb/diff.go): the changes that turn `lower` into `upper`. A diff from scratch
 * is `upper` itself and a diff of two scratches is scratch. Scratch as upper is input -1. The
 * result has the platform of `lower`; Op.platform is unset.
 */
import type * as pb from '../pb/index.js';
import { newState, scratch, type State } from './state.js';
import { InputSlots, Vertex, type BuildContext, type Built, type Constraints, type Output } from './vertex.js';

export class DiffOp extends Vertex {
  readonly kind = 'diff';

  constructor(
    readonly lower: Output,
    readonly upper: Output | undefined,
    c: Constraints | undefined,
  ) {
    super(c);
  }

  inputs(): Output[] {
    return this.upper ? [this.lower, this.upper] : [this.lower];
  }

  build(ctx: BuildContext): Built {
    const slots = new InputSlots();
    const diff: pb.DiffOp = {
      lower: { input: slots.append(ctx.input(this.lower)) },
      upper: { input: this.upper ? slots.append(ctx.input(this.upper)) : -1 },
    };
    return { op: { inputs: slots.list, diff, constraints: {} }, caps: ['diffop'] };
  }
}

export function diff(lower: State, upper: State, c?: Constraints): State {
  const lo = lower.output();
  if (!lo) return upper.isScratch() ? scratch() : upper;
  return newState({ vertex: new DiffOp(lo, upper.output(), c), index: 0 }, lower.getPlatform());
}
