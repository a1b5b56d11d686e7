/**
 * The `frontend.lint` answer: BuildKit's lint.LintResults (frontend/subrequests/lint) as
 * `result.json`, its printed form as `result.txt`, and `result.statuscode` (1 when anything
 * was found or the Dockerfile failed, else 0). Field names, omitted zero values (Go's
 * `omitempty` on the protobuf Location/Range/Position) and the text layout follow BuildKit, so
 * buildx decodes and prints it as it does the standard frontend's.
 */
import type { Warning } from '../dockerfile/index.js';
import type { SourceRange } from '../util/located.js';
import { goMarshalIndent } from './gotext.js';

interface Position {
  line?: number;
  character?: number;
}
interface PbRange {
  start?: Position;
  end?: Position;
}
interface Location {
  sourceIndex?: number;
  ranges?: PbRange[];
}

/** One finding as lint.Warning: `detail` is the formatted message. */
export interface LintWarningJSON {
  ruleName: string;
  description?: string;
  url?: string;
  detail?: string;
  location?: Location;
}

/** pb.SourceInfo without the Dockerfile's LLB definition (clients print from `data`). */
export interface SourceInfoJSON {
  filename?: string;
  data?: Uint8Array;
  language?: string;
}

export interface LintResultsJSON {
  warnings: LintWarningJSON[] | null;
  sources: SourceInfoJSON[] | null;
  buildError?: { message: string; location: Location };
}

/** What the lint run found: the reported checks and, when the Dockerfile failed, why. */
export interface LintOutcome {
  warnings: Warning[];
  error?: { message: string; ranges: readonly SourceRange[] };
}

function position(line: number, character: number): Position {
  const p: Position = {};
  if (line) p.line = line;
  if (character) p.character = character;
  return p;
}

function location(sourceIndex: number, ranges: readonly SourceRange[]): Location {
  const loc: Location = {};
  if (sourceIndex) loc.sourceIndex = sourceIndex;
  if (ranges.length) {
    loc.ranges = ranges.map((r) => ({ start: position(r.start.line, r.start.character), end: position(r.end.line, r.end.character) }));
  }
  return loc;
}

/** LintResults for one Dockerfile (source index 0). */
export function lintResults(outcome: LintOutcome, source: { filename: string; data: Uint8Array; language: string }): LintResultsJSON {
  const info: SourceInfoJSON = {};
  if (source.filename) info.filename = source.filename;
  if (source.data.length) info.data = source.data;
  if (source.language) info.language = source.language;
  const out: LintResultsJSON = {
    warnings: outcome.warnings.length
      ? outcome.warnings.map((w) => {
          const j: LintWarningJSON = { ruleName: w.rule };
          if (w.description) j.description = w.description;
          if (w.url) j.url = w.url;
          if (w.message) j.detail = w.message;
          j.location = location(0, [w.range]);
          return j;
        })
      : null,
    sources: [info],
  };
  if (outcome.error) out.buildError = { message: outcome.error.message, location: location(0, outcome.error.ranges) };
  return out;
}

/** `result.json` as Go's json.MarshalIndent writes LintResults. */
export function lintJSON(r: LintResultsJSON): string {
  return goMarshalIndent(r);
}

/** 1 when there is a warning or an error, as LintResults.ToResult. */
export function lintStatusCode(r: LintResultsJSON): string {
  return (r.warnings?.length ?? 0) > 0 || r.buildError ? '1' : '0';
}

/**
 * `result.txt`: lint.PrintLintViolations. Warnings sorted by file, then line (no location
 * first); each as `WARNING: Rule - URL`, the message, and the source snippet errdefs prints.
 */
export function lintText(json: string): string {
  const r = JSON.parse(json) as { warnings: LintWarningJSON[] | null; sources: { filename?: string; data?: string }[] | null };
  const sources = r.sources ?? [];
  const ws = [...(r.warnings ?? [])];
  const idx = (w: LintWarningJSON) => w.location?.sourceIndex ?? 0;
  ws.sort((a, b) => {
    const ia = idx(a);
    const ib = idx(b);
    if (ia < 0 || ib < 0) return ia < 0 && ib < 0 ? cmp(a.ruleName, b.ruleName) : ia < 0 ? -1 : 1;
    const fa = sources[ia]?.filename ?? '';
    const fb = sources[ib]?.filename ?? '';
    if (fa !== fb) return cmp(fa, fb);
    const ra = a.location?.ranges ?? [];
    const rb = b.location?.ranges ?? [];
    if (!ra.length || !rb.length) return !ra.length && !rb.length ? cmp(a.ruleName, b.ruleName) : !ra.length ? -1 : 1;
    return (ra[0]!.start?.line ?? 0) - (rb[0]!.start?.line ?? 0);
  });
  let out = '';
  for (const w of ws) {
    out += `\nWARNING: ${w.ruleName}`;
    if (w.url) out += ` - ${w.url}`;
    out += `\n${w.detail ?? ''}\n`;
    if (idx(w) < 0) continue;
    const src = sources[idx(w)];
    if (src) out += snippet(src.filename ?? '', Buffer.from(src.data ?? '', 'base64').toString('utf8'), w.location?.ranges ?? []);
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** errdefs.Source.Print: the lines of the ranges with context, marked with `>>>`. */
export function snippet(filename: string, data: string, ranges: readonly PbRange[]): string {
  if (ranges.length === 0) return '';
  const lines = data.split('\n');
  let start = 0;
  let end = 0;
  ranges.forEach((r, i) => {
    const s = r.start?.line ?? 0;
    const e = Math.max(r.end?.line ?? 0, s);
    if (i === 0 || s < start) start = s;
    if (e > end) end = e;
  });
  if (start > lines.length || start < 1) return '';
  if (end > lines.length) end = lines.length;
  const pad = end === start ? 4 : 2;
  const first = start;
  for (let p = 0; p < pad; ) {
    if (start > 1) {
      start--;
      p++;
    }
    if (end !== lines.length) {
      end++;
      p++;
    }
    p++;
  }
  const marked = (l: number) => ranges.some((r) => (r.start?.line ?? 0) <= l && Math.max(r.end?.line ?? 0, r.start?.line ?? 0) >= l);
  let out = `${filename}:${first}\n--------------------\n`;
  for (let i = start; i <= end; i++) out += ` ${String(i).padStart(3)} | ${marked(i) ? '>>>' : '   '} ${lines[i - 1]}\n`;
  return out + '--------------------\n';
}
