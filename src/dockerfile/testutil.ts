import { expect } from 'vitest';
import { LocatedError } from '../util/located.js';

/** Runs `fn`, expecting a LocatedError; returns its message and first 1-based line. */
export function located(fn: () => unknown): { message: string; line: number; endLine: number } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LocatedError);
    const r = (e as LocatedError).ranges[0]!;
    return { message: (e as Error).message, line: r.start.line, endLine: r.end.line };
  }
  throw new Error('expected an error');
}
