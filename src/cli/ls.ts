/**
 * Parsers for `docker buildx ls` (buildx commands/ls.go), text table and `--format json`.
 *
 * Text: a table whose columns are found from the header's positions (NAME/NODE,
 * DRIVER/ENDPOINT, STATUS, BUILDKIT, PLATFORMS; BUILDKIT is absent before buildx 0.9). Builder
 * rows are unindented; node rows start with " \_ " (buildx 0.13+) or two spaces (older). The
 * current builder is marked "name*" (0.13+) or "name *" (older). Since 0.13 the table truncates
 * PLATFORMS to four groups ("linux/amd64 (+3), ..., (5 more)") unless --no-trunc is given, so a
 * platform can be hidden; `truncated` says so.
 *
 * JSON (0.13+): one object per line per builder (0.13 to 0.20 may repeat a builder once per
 * node), with its Nodes; "Current" only since 0.24.
 */

export interface ListedNode {
  name: string;
  endpoint: string;
  status: string;
  buildkit: string;
  /** Platform names, "*" removed. */
  platforms: string[];
  /** The PLATFORMS cell was cut short by the table ("(N more)" or "(+N)"). */
  truncated: boolean;
  error?: string;
}

export interface ListedBuilder {
  name: string;
  driver: string;
  /** undefined when the output does not say (JSON before buildx 0.24). */
  current: boolean | undefined;
  status: string;
  error?: string;
  nodes: ListedNode[];
}

const COLUMNS = ['NAME/NODE', 'DRIVER/ENDPOINT', 'STATUS', 'BUILDKIT', 'LAST ACTIVITY', 'PLATFORMS'] as const;

export function parseLsText(text: string): ListedBuilder[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const headerIndex = lines.findIndex((l) => l.startsWith('NAME/NODE'));
  if (headerIndex < 0) return [];
  const header = lines[headerIndex];
  const cols = COLUMNS.map((name) => ({ name, at: header.indexOf(name) }))
    .filter((c) => c.at >= 0)
    .sort((a, b) => a.at - b.at);
  const cell = (line: string, name: string): string => {
    const i = cols.findIndex((c) => c.name === name);
    if (i < 0) return '';
    const end = i + 1 < cols.length ? cols[i + 1].at : line.length;
    return line.slice(cols[i].at, end).trim();
  };

  const builders: ListedBuilder[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    if (line.trim() === '') break; // errors follow a blank line, on stderr
    const nameCell = cell(line, 'NAME/NODE');
    const isNode = /^\s/.test(line) || nameCell.startsWith('\\_');
    if (!isNode) {
      const m = /^(.*?)(\s?\*)?$/.exec(nameCell)!;
      const status = cell(line, 'STATUS');
      builders.push({ name: m[1].trim(), driver: cell(line, 'DRIVER/ENDPOINT'), current: m[2] !== undefined, status, nodes: [], ...(status === 'error' ? { error: 'error' } : {}) });
      continue;
    }
    const b = builders[builders.length - 1];
    if (!b) continue;
    const platformsCell = cell(line, 'PLATFORMS');
    const status = cell(line, 'STATUS');
    b.nodes.push({
      name: nameCell.replace(/^\\_\s*/, ''),
      endpoint: cell(line, 'DRIVER/ENDPOINT').replace(/^\\_\s*/, ''),
      status,
      buildkit: cell(line, 'BUILDKIT'),
      platforms: splitPlatforms(platformsCell),
      truncated: /\(\d+ more\)|\(\+\d+\)/.test(platformsCell),
      ...(status === 'error' ? { error: 'error' } : {}),
    });
  }
  return builders;
}

function splitPlatforms(cell: string): string[] {
  return cell
    .split(',')
    .map((p) => p.trim().replace(/\s*\(\+\d+\)$/, '').replace(/\*$/, ''))
    .filter((p) => p !== '' && !/^\(\d+ more\)$/.test(p));
}

export function parseLsJson(text: string): ListedBuilder[] {
  const builders: ListedBuilder[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(t);
    } catch {
      continue;
    }
    if (!isObject(doc) || typeof doc.Name !== 'string') continue;
    if (seen.has(doc.Name)) continue;
    seen.add(doc.Name);
    const nodes = Array.isArray(doc.Nodes) ? doc.Nodes.filter(isObject) : [];
    builders.push({
      name: doc.Name,
      driver: str(doc.Driver),
      current: typeof doc.Current === 'boolean' ? doc.Current : undefined,
      status: str(doc.Err) ? 'error' : '',
      ...(str(doc.Err) ? { error: str(doc.Err) } : {}),
      nodes: nodes.map((n) => ({
        name: str(n.Name),
        endpoint: str(n.Endpoint),
        status: str(n.Status),
        buildkit: str(n.Version),
        platforms: Array.isArray(n.Platforms) ? n.Platforms.filter((p): p is string => typeof p === 'string') : [],
        truncated: false,
        ...(str(n.Err) ? { error: str(n.Err) } : {}),
      })),
    });
  }
  return builders;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
