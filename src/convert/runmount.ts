/**
 * `RUN --mount=...` values: CSV fields parsed as BuildKit does, first without expansion (to
 * learn `from` for the stage graph) and again at dispatch with the stage's variables.
 */
export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';

export interface RunMount {
  type: MountType;
  from?: string;
  source?: string;
  target?: string;
  readonly: boolean;
  id?: string;
  sharing?: 'shared' | 'private' | 'locked';
  required: boolean;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  env?: string;
}

export class MountError extends Error {}

const mountTypes: MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const mountKeys = [
  'type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid',
  'gid', 'src', 'dst', 'destination', 'ro', 'rw', 'readwrite', 'env',
];

/** Splits one CSV record, honouring double quotes as encoding/csv does. */
export function csvFields(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuotes) {
      if (c === '"') {
        if (value[i + 1] === '"') {
          cur += '"';
          i++;
        } else inQuotes = false;
      } else cur += c;
    } else if (c === '"' && cur === '' && !quoted) {
      inQuotes = true;
      quoted = true;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
      quoted = false;
    } else cur += c;
  }
  if (inQuotes) throw new MountError('failed to parse csv mounts: extraneous or missing " in quoted-field');
  out.push(cur);
  return out;
}

function parseBool(key: string, v: string): boolean {
  if (/^(1|t|T|TRUE|true|True)$/.test(v)) return true;
  if (/^(0|f|F|FALSE|false|False)$/.test(v)) return false;
  throw new MountError(`invalid value for ${key}: ${v}`);
}

function parseUint(v: string, radix: 8 | 10, what: string): number {
  const re = radix === 8 ? /^[0-7]+$/ : /^\d+$/;
  if (!re.test(v)) throw new MountError(`invalid value ${v} for ${what}`);
  return parseInt(v, radix);
}

/** Docker's RAMInBytes: a number with an optional b/k/m/g/t/p suffix (binary units). */
export function ramInBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new MountError(`invalid size: '${v}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2].toLowerCase() as ''];
  return Math.floor(Number(m[1]) * mult);
}

/**
 * Parses a mount value. Without `expand`, only `from` is read (it is never expanded) and the
 * other values are left for the dispatch-time parse.
 */
export function parseMount(value: string, expand?: (word: string) => string, suggest?: (w: string, c: readonly string[]) => string | undefined): RunMount {
  const m: RunMount = { type: 'bind', readonly: true, required: false };
  let roAuto = true;
  const withHint = (msg: string, word: string, candidates: readonly string[]) => {
    const s = suggest?.(word, candidates);
    return new MountError(s ? `${msg} (did you mean ${s}?)` : msg);
  };
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    let v = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      if (!expand) continue;
      if (key === 'readonly' || key === 'ro') {
        m.readonly = true;
        roAuto = false;
      } else if (key === 'readwrite' || key === 'rw') {
        m.readonly = false;
        roAuto = false;
      } else if (key === 'required') {
        if (m.type !== 'secret' && m.type !== 'ssh') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = true;
      } else throw new MountError(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    if (expand) v = expand(v);
    else if (key === 'from') {
      const i = v.indexOf('$');
      if (i !== -1 && i !== v.length - 1) throw new MountError(`'${key}' doesn't support variable expansion, define alias stage instead`);
    } else if (key !== 'type') continue;
    switch (key) {
      case 'type': {
        const t = v.toLowerCase() as MountType;
        if (!mountTypes.includes(t)) throw withHint(`unsupported mount type "${v}"`, v, mountTypes);
        m.type = t;
        break;
      }
      case 'from':
        m.from = v;
        break;
      case 'source':
      case 'src':
        m.source = v;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.target = v;
        break;
      case 'readonly':
      case 'ro':
        m.readonly = parseBool(key, v);
        roAuto = false;
        break;
      case 'readwrite':
      case 'rw':
        m.readonly = !parseBool(key, v);
        roAuto = false;
        break;
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = parseBool(key, v);
        break;
      case 'size':
        if (m.type !== 'tmpfs') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        try {
          m.size = ramInBytes(v);
        } catch {
          throw new MountError(`invalid value for ${key}: ${v}`);
        }
        break;
      case 'id':
        m.id = v;
        break;
      case 'sharing': {
        const s = v.toLowerCase();
        if (s !== 'shared' && s !== 'private' && s !== 'locked') throw withHint(`unsupported sharing value "${v}"`, v, ['shared', 'private', 'locked']);
        m.sharing = s;
        break;
      }
      case 'mode':
        m.mode = parseUint(v, 8, 'mode');
        break;
      case 'uid':
        m.uid = parseUint(v, 10, 'uid');
        break;
      case 'gid':
        m.gid = parseUint(v, 10, 'gid');
        break;
      case 'env':
        m.env = v;
        break;
      default:
        throw withHint(`unexpected key '${key}' in '${field}'`, key, mountKeys);
    }
  }
  if (!expand) return m;
  const fileInfo = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfo) {
    for (const k of ['mode', 'uid', 'gid'] as const) {
      if (m[k] !== undefined) throw new MountError(`${k} not allowed for "${m.type}" type mounts`);
    }
  }
  if (roAuto) m.readonly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from) throw new MountError('secret mount should not have a from');
    if (m.sharing) throw new MountError('secret mount should not define sharing');
    if (!m.source && !m.target && !m.id) throw new MountError('invalid secret mount. one of source, target required');
    if (m.source && m.id) throw new MountError("both source and id can't be set");
  }
  if (m.sharing && m.type !== 'cache') throw new MountError(`invalid cache sharing set for ${m.type} mount`);
  return m;
}
