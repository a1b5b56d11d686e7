/**
 * The buildkitd.toml that makes a BuildKit worker advertise wasi/wasm. BuildKit's worker
 * sections take a `platforms` list (moby/buildkit docs/buildkitd.toml.md, `[worker.oci]` and
 * `[worker.containerd]`); when it is set it replaces the platforms BuildKit detects, and the first
 * entry is the default build platform. So the list is: host platforms first, then wasi/wasm.
 *
 * The TOML is written as text, not through a TOML library: the input is either nothing or a
 * user's own buildkitd.toml, into whose worker tables a `platforms` line is inserted, so the
 * user's comments and layout survive. Only what this needs is understood; anything else about
 * platforms is refused rather than guessed.
 */

export const WORKER_TABLES = ['worker.oci', 'worker.containerd'] as const;

export class BuildkitdConfigError extends Error {}

export interface RenderOptions {
  /** Platforms in order, already normalised ("linux/amd64", "wasi/wasm"). */
  platforms: readonly string[];
  /** A user's buildkitd.toml to start from. */
  base?: string;
  /** The builder the file is for, named in the header comment. */
  builder?: string;
}

export function renderBuildkitdToml(options: RenderOptions): string {
  const { platforms } = options;
  if (platforms.length === 0) throw new BuildkitdConfigError('no platforms to write');
  const list = `[${platforms.map((p) => JSON.stringify(p)).join(', ')}]`;
  const header = [
    `# buildkitd.toml written by wasm-frontend builder create${options.builder ? ` (builder "${options.builder}")` : ''}.`,
    '# `platforms` replaces the platforms BuildKit would detect; the first one is the default',
    '# build platform. wasi/wasm is added so the builder advertises WebAssembly builds.',
  ];
  let lines = (options.base ?? '').replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  checkNoStrayPlatforms(lines);

  const missing: string[] = [];
  for (const table of WORKER_TABLES) {
    const range = tableRange(lines, table);
    if (!range) {
      missing.push(table);
      continue;
    }
    const existing = findKey(lines, range, 'platforms');
    if (existing !== undefined) {
      const values = readArray(lines, existing);
      if (!values.includes('wasi/wasm')) {
        throw new BuildkitdConfigError(`[${table}] already sets platforms without "wasi/wasm"; add "wasi/wasm" to it or remove the key`);
      }
      continue;
    }
    const indent = /^(\s*)/.exec(lines[range.start + 1] ?? '')?.[1] ?? '';
    lines = [...lines.slice(0, range.start + 1), `${indent}platforms = ${list}`, ...lines.slice(range.start + 1)];
  }
  const out = [...header, ...(lines.length > 0 ? ['', ...lines] : [])];
  for (const table of missing) out.push('', `[${table}]`, `  platforms = ${list}`);
  return out.join('\n') + '\n';
}

/**
 * Reads the `platforms` of each worker table of a buildkitd.toml, as written here or as buildx
 * re-encodes it for `inspect` ("[worker.oci]\nplatforms = ['linux/amd64', 'wasi/wasm']", single
 * quoted, maybe under a bare "[worker]" header).
 */
export function readWorkerPlatforms(text: string): Partial<Record<(typeof WORKER_TABLES)[number], string[]>> {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: Partial<Record<(typeof WORKER_TABLES)[number], string[]>> = {};
  for (const table of WORKER_TABLES) {
    const range = tableRange(lines, table);
    if (!range) continue;
    const at = findKey(lines, range, 'platforms');
    if (at !== undefined) out[table] = readArray(lines, at);
  }
  return out;
}

interface Range {
  /** Index of the header line. */
  start: number;
  /** Index after the table's last line. */
  end: number;
}

const headerRe = /^\s*\[\s*([^\]\[]+?)\s*\]\s*(#.*)?$/;

function tableName(line: string): string | undefined {
  const m = headerRe.exec(line);
  return m ? m[1].replace(/\s*\.\s*/g, '.') : undefined;
}

function isTableStart(line: string): boolean {
  return headerRe.test(line) || /^\s*\[\[/.test(line);
}

function tableRange(lines: string[], name: string): Range | undefined {
  const start = lines.findIndex((l) => tableName(l) === name);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !isTableStart(lines[end])) end++;
  return { start, end };
}

function findKey(lines: string[], range: Range, key: string): number | undefined {
  const re = new RegExp(`^\\s*${key}\\s*=`);
  for (let i = range.start + 1; i < range.end; i++) if (re.test(lines[i])) return i;
  return undefined;
}

/** Reads a string array starting at `key = [` on line `at`, possibly spanning lines. */
function readArray(lines: string[], at: number): string[] {
  let text = lines[at].slice(lines[at].indexOf('=') + 1);
  for (let i = at + 1; !text.includes(']') && i < lines.length; i++) text += `\n${lines[i]}`;
  const body = /\[([\s\S]*?)\]/.exec(text)?.[1] ?? '';
  const values: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'/g;
  for (let m = re.exec(body); m; m = re.exec(body)) values.push(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2]);
  return values;
}

/** `platforms` outside a worker table (dotted keys, inline tables) is a layout this does not edit. */
function checkNoStrayPlatforms(lines: string[]): void {
  let table = '';
  for (const line of lines) {
    const name = tableName(line);
    if (name !== undefined) {
      table = name;
      continue;
    }
    if (/^\s*#/.test(line)) continue;
    if (/\bplatforms\s*=/.test(line) && !(WORKER_TABLES as readonly string[]).includes(table)) {
      throw new BuildkitdConfigError(`platforms set outside [worker.oci] and [worker.containerd] (${table ? `in [${table}]` : 'at the top level'}); set them in those tables`);
    }
  }
}
