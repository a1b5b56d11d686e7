/**
 * The paths of the main build context that a build reads (dockerfile2llb's ctxPaths), so the
 * context transfer can be narrowed to them with `local.followpaths` as BuildKit's filterPaths
 * does.
 *
 * Invariants:
 * - a path is recorded with the stage's variables as they are right before the instruction
 *   runs, so it is the path dispatch itself copies or mounts;
 * - the rules are BuildKit's: COPY sources without --from, ADD sources that are not http(s)
 *   URLs, and bind and tmpfs mounts without `from` (the source, else `/`) count; `/` anywhere
 *   means the whole context is used and nothing is narrowed;
 * - an instruction that cannot be expanded records nothing: dispatch reports its error.
 */
import { processWord } from '../shell/index.js';
import { joinRoot } from '../util/gopath.js';
import { parseMount } from './runmount.js';
import type { Command, StageState } from './stage.js';

export function collectContextPaths(into: Set<string>, s: StageState, cmd: Command, escapeToken: '\\' | '`'): void {
  const c = cmd.instruction;
  const expand = (w: string) => processWord(w, s.env.getter, { escapeToken });
  try {
    if (c.kind === 'copy' && !c.from) {
      for (const src of c.sources) into.add(joinRoot(expand(src)));
    } else if (c.kind === 'add') {
      for (const raw of c.sources) {
        const src = expand(raw);
        if (!src.startsWith('http://') && !src.startsWith('https://')) into.add(joinRoot(src));
      }
    } else if (c.kind === 'run') {
      for (const value of c.mounts) {
        const m = parseMount(value, expand);
        if (m.from || m.type === 'cache' || m.type === 'secret' || m.type === 'ssh') continue;
        into.add(joinRoot(m.source ?? ''));
      }
    }
  } catch {
    // dispatch fails on the same instruction with the real error
  }
}

/** BuildKit's normalizeContextPaths: sorted paths relative to the root, none when `/` is used. */
export function followPathsOf(paths: ReadonlySet<string>): string[] | undefined {
  if (paths.size === 0 || paths.has('/')) return undefined;
  return [...paths].map((p) => p.slice(1)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

