/**
 * Errors that point into a source file. Ranges are 1-based lines and 0-based characters, as
 * BuildKit's pb.Range. The location is never written into the message text: the gateway turns
 * it into an errdefs.Source detail so the client can print the snippet itself.
 */
export interface SourcePosition {
  line: number;
  character: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

/** The file the ranges point into, as sent in errdefs.Source and pb.SourceInfo. */
export interface SourceFile {
  filename: string;
  data: Uint8Array;
  language?: string;
}

export class LocatedError extends Error {
  readonly ranges: SourceRange[];
  /** Set at the edge, where the file is known (the frontend entry). */
  source?: SourceFile;

  constructor(message: string, ranges: SourceRange[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocatedError';
    this.ranges = ranges;
  }
}

/** Adds a location to an error that has none yet; an already located error keeps its own. */
export function withLocation(err: unknown, range: SourceRange | undefined): Error {
  if (err instanceof LocatedError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  if (!range) return e;
  return new LocatedError(e.message, [range], { cause: e });
}

export function isLocated(err: unknown): err is LocatedError {
  return err instanceof LocatedError;
}
