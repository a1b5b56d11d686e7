/**
 * Parser for `docker buildx inspect [NAME]` text (buildx commands/inspect.go). The output is a
 * Go tabwriter table: "Key:<spaces>value" lines, a blank line, "Nodes:", then one block per node
 * separated by blank lines. Nested entries (Labels, Features, GC Policy rules, Devices, File#...)
 * are indented by one space. Keys changed across versions and both spellings are read:
 * "Flags"/"BuildKit daemon flags", "Buildkit"/"BuildKit"/"BuildKit version".
 */

export interface InspectedNode {
  name: string;
  endpoint: string;
  driverOptions: string;
  status: string;
  error?: string;
  buildkitdFlags: string;
  buildkitVersion: string;
  /** As printed, in order; a trailing "*" marks platforms set with `create --platform`. */
  platforms: string[];
  labels: Record<string, string>;
  /** Files the node was created with ("File#buildkitd.toml:" since buildx 0.18), by name. */
  files: Record<string, string>;
}

export interface InspectedBuilder {
  name: string;
  driver: string;
  lastActivity: string;
  error?: string;
  nodes: InspectedNode[];
}

/** Platforms without the "*" that marks manually set ones. */
export function platformNames(platforms: readonly string[]): string[] {
  return platforms.map((p) => p.replace(/\*$/, '').trim()).filter((p) => p !== '');
}

export function parseInspect(text: string): InspectedBuilder | undefined {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const builder: InspectedBuilder = { name: '', driver: '', lastActivity: '', nodes: [] };
  let node: InspectedNode | undefined;
  let inNodes = false;
  /** The nested section the indented lines belong to ("Labels", "File#buildkitd.toml", ...). */
  let section = '';
  let file: string[] | undefined;
  let fileName = '';

  const endFile = () => {
    if (node && file) node.files[fileName] = trimFile(file);
    file = undefined;
  };

  for (const line of lines) {
    if (line.trim() === '') {
      if (file) continue;
      section = '';
      continue;
    }
    if (/^\s/.test(line)) {
      if (file) {
        const m = /^\s*>\s?(.*)$/.exec(line);
        if (m) {
          file.push(m[1]);
          continue;
        }
        endFile();
      }
      if (node && section === 'Labels') {
        const kv = splitKey(line.trim());
        if (kv) node.labels[kv[0]] = kv[1];
      }
      continue;
    }
    endFile();
    section = '';
    if (line === 'Nodes:') {
      inNodes = true;
      continue;
    }
    const fm = /^File#(.+):$/.exec(line);
    if (fm) {
      if (node) {
        file = [];
        fileName = fm[1];
      }
      continue;
    }
    const kv = splitKey(line);
    if (!kv) continue;
    const [key, value] = kv;
    if (value === '' && /^(Labels|Features|Devices|GC Policy rule#\d+)$/.test(key)) {
      section = key.startsWith('GC Policy') ? 'GC' : key;
      continue;
    }
    if (!inNodes) {
      if (key === 'Name') builder.name = value;
      else if (key === 'Driver') builder.driver = value;
      else if (key === 'Last Activity') builder.lastActivity = value;
      else if (key === 'Error') builder.error = value;
      continue;
    }
    if (key === 'Name') {
      node = { name: value, endpoint: '', driverOptions: '', status: '', buildkitdFlags: '', buildkitVersion: '', platforms: [], labels: {}, files: {} };
      builder.nodes.push(node);
      continue;
    }
    if (!node) continue;
    switch (key) {
      case 'Endpoint':
        node.endpoint = value;
        break;
      case 'Driver Options':
        node.driverOptions = value;
        break;
      case 'Status':
        node.status = value;
        break;
      case 'Error':
        node.error = value;
        node.status ||= 'error';
        break;
      case 'Flags':
      case 'BuildKit daemon flags':
        node.buildkitdFlags = value;
        break;
      case 'Buildkit':
      case 'BuildKit':
      case 'BuildKit version':
        node.buildkitVersion = value;
        break;
      case 'Platforms':
        node.platforms = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
        break;
    }
  }
  endFile();
  if (builder.name === '' && builder.driver === '') return undefined;
  return builder;
}

/** "Key:   value" → ["Key", "value"]; the key is everything before the first colon. */
function splitKey(line: string): [string, string] | undefined {
  const i = line.indexOf(':');
  if (i <= 0) return undefined;
  return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
}

/** inspect prints each line of a file, including the empty one after its final newline. */
function trimFile(lines: string[]): string {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out.join('\n') + (out.length > 0 ? '\n' : '');
}

/**
 * buildx's error when the named builder does not exist: `ERROR: no builder "NAME" found`
 * (store/storeutil/storeutil.go; main.go prefixes "ERROR: ").
 */
export function isNoSuchBuilder(stderr: string): boolean {
  return /no builder .* found/.test(stderr);
}

/** The message of a buildx failure without the "ERROR: " prefix buildx adds. */
export function buildxErrorMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const err = lines.find((l) => l.startsWith('ERROR:'));
  return (err ?? lines[lines.length - 1] ?? '').replace(/^ERROR:\s*/, '');
}
