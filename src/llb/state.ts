/**
 * State: an immutable handle on one output of the graph (a vertex and an output index), or on
 * scratch, the empty filesystem. Every method returns a new State; nothing is built until
 * `marshal`. A State carries the platform of the op that produced it, so a later exec op runs
 * on the platform of its base unless told otherwise (as Go's llb.State does).
 */
import { newExecOp, type ExecOptions, type ExecState } from './exec.js';
import { newFileOp, type FileAction } from './fileop.js';
import type { Platform } from './platform.js';
import type { Constraints, Output } from './vertex.js';

const token = Symbol('llb.State');

export class State {
  readonly #out: Output | undefined;
  readonly #platform: Platform | undefined;

  /** Not for use outside src/llb: States come from scratch(), image(), local(), ... */
  constructor(t: symbol, out: Output | undefined, platform: Platform | undefined) {
    if (t !== token) throw new TypeError('States are created by scratch(), image(), local(), git(), http() and State methods');
    this.#out = out;
    this.#platform = platform;
  }

  static scratch(): State {
    return new State(token, undefined, undefined);
  }

  isScratch(): boolean {
    return this.#out === undefined;
  }

  /** The output this State names; undefined for scratch. */
  output(): Output | undefined {
    return this.#out;
  }

  /** The platform of the op that produced this State, when it had one. */
  getPlatform(): Platform | undefined {
    return this.#platform;
  }

  /** Applies a chain of file actions to this State (one FileOp). */
  file(action: FileAction, c?: Constraints): State {
    return newState(newFileOp(this, action, c), this.#platform);
  }

  /** Runs a process with this State mounted read-write at "/". */
  run(opts: ExecOptions, c?: Constraints): ExecState {
    return newExecOp(this, opts, c);
  }
}

export function scratch(): State {
  return State.scratch();
}

/** A State for an output; for src/llb only. */
export function newState(out: Output | undefined, platform: Platform | undefined): State {
  return new State(token, out, platform);
}
