/**
 * A small reader for the HCL subset docker-bake.hcl uses, and bake's evaluation of it: blocks
 * with quoted labels, attributes, strings with ${VAR} interpolation, numbers, booleans, null,
 * lists, objects, bare variable references; `variable` defaults overridden from the environment
 * (as bake does), and `inherits` merged (maps key by key, everything else replaced).
 *
 * Anything else (function calls, operators, heredocs, for expressions, matrix) is refused with its
 * line, so the bake test fails loudly rather than reading the file wrong. No npm HCL package fits:
 * the ones published (hcl2-parser, a GopherJS build; @cdktf/hcl2json, Go compiled to WASM) parse
 * to JSON without bake's variable and inherits semantics, which would still have to be written.
 */

export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };

export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; line: number }
  | { kind: 'template'; parts: (string | { ref: string })[]; line: number }
  | { kind: 'ref'; name: string; line: number }
  | { kind: 'tuple'; items: Expr[]; line: number }
  | { kind: 'object'; entries: [string, Expr][]; line: number };

export interface Attribute {
  name: string;
  expr: Expr;
  line: number;
}

export interface Block {
  type: string;
  labels: string[];
  body: Body;
  line: number;
}

export interface Body {
  attributes: Attribute[];
  blocks: Block[];
}

export class HclError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'HclError';
  }
}

type Token =
  | { t: 'ident'; v: string; line: number }
  | { t: 'string'; parts: (string | { ref: string })[]; line: number }
  | { t: 'number'; v: number; line: number }
  | { t: 'punct'; v: string; line: number }
  | { t: 'nl'; line: number }
  | { t: 'eof'; line: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      out.push({ t: 'nl', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new HclError('unterminated comment', line);
      for (const ch of src.slice(i, end)) if (ch === '\n') line++;
      i = end + 2;
    } else if (c === '"') {
      const start = line;
      const parts: (string | { ref: string })[] = [];
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length || src[i] === '\n') throw new HclError('unterminated string', start);
        const ch = src[i];
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const esc = src[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
          if (!(esc in map)) throw new HclError(`unsupported escape \\${esc}`, line);
          text += map[esc];
          i += 2;
        } else if (ch === '$' && src[i + 1] === '$' && src[i + 2] === '{') {
          text += '${';
          i += 3;
        } else if (ch === '$' && src[i + 1] === '{') {
          const end = src.indexOf('}', i);
          const inner = src.slice(i + 2, end).trim();
          if (end < 0 || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(inner)) throw new HclError(`unsupported interpolation "\${${src.slice(i + 2, end < 0 ? i + 12 : end)}}" (only \${VARIABLE})`, line);
          if (text) parts.push(text);
          text = '';
          parts.push({ ref: inner });
          i = end + 1;
        } else if (ch === '%' && src[i + 1] === '{') {
          throw new HclError('template directives (%{...}) are not supported', line);
        } else {
          text += ch;
          i++;
        }
      }
      if (text || parts.length === 0) parts.push(text);
      out.push({ t: 'string', parts, line: start });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'number', v: Number(m[0]), line });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0], line });
      i += m[0].length;
    } else if ('{}[]=,'.includes(c)) {
      out.push({ t: 'punct', v: c, line });
      i++;
    } else if (c === '<' && src[i + 1] === '<') {
      throw new HclError('heredocs are not supported', line);
    } else {
      throw new HclError(`unexpected character ${JSON.stringify(c)}`, line);
    }
  }
  out.push({ t: 'eof', line });
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private skipNewlines(): void {
    while (this.peek().t === 'nl') this.pos++;
  }

  private expectPunct(v: string): void {
    const tok = this.next();
    if (tok.t !== 'punct' || tok.v !== v) throw new HclError(`expected "${v}"`, tok.line);
  }

  body(end: 'eof' | '}'): Body {
    const body: Body = { attributes: [], blocks: [] };
    for (;;) {
      this.skipNewlines();
      const tok = this.peek();
      if (end === 'eof' && tok.t === 'eof') return body;
      if (end === '}' && tok.t === 'punct' && tok.v === '}') {
        this.pos++;
        return body;
      }
      if (tok.t !== 'ident') throw new HclError('expected an attribute or a block', tok.line);
      this.pos++;
      const after = this.peek();
      if (after.t === 'punct' && after.v === '=') {
        this.pos++;
        const expr = this.expr();
        const endTok = this.peek();
        if (!(endTok.t === 'nl' || endTok.t === 'eof' || (endTok.t === 'punct' && endTok.v === '}'))) {
          throw new HclError(`unsupported expression after ${tok.v} = ... (only literals, lists, objects and variables)`, endTok.line);
        }
        body.attributes.push({ name: tok.v, expr, line: tok.line });
        continue;
      }
      const labels: string[] = [];
      while (this.peek().t === 'string' || this.peek().t === 'ident') {
        const l = this.next();
        if (l.t === 'string') {
          if (l.parts.some((p) => typeof p !== 'string')) throw new HclError('block labels cannot interpolate', l.line);
          labels.push(l.parts.join(''));
        } else if (l.t === 'ident') {
          labels.push(l.v);
        }
      }
      this.expectPunct('{');
      body.blocks.push({ type: tok.v, labels, body: this.body('}'), line: tok.line });
    }
  }

  expr(): Expr {
    const tok = this.next();
    switch (tok.t) {
      case 'string':
        return tok.parts.every((p) => typeof p === 'string')
          ? { kind: 'literal', value: tok.parts.join(''), line: tok.line }
          : { kind: 'template', parts: tok.parts, line: tok.line };
      case 'number':
        return { kind: 'literal', value: tok.v, line: tok.line };
      case 'ident': {
        if (tok.v === 'true' || tok.v === 'false') return { kind: 'literal', value: tok.v === 'true', line: tok.line };
        if (tok.v === 'null') return { kind: 'literal', value: null, line: tok.line };
        const after = this.peek();
        if (after.t === 'punct' && (after.v === '(' || after.v === '[')) throw new HclError(`function calls and indexing are not supported (${tok.v})`, tok.line);
        return { kind: 'ref', name: tok.v, line: tok.line };
      }
      case 'punct':
        if (tok.v === '[') return this.tuple(tok.line);
        if (tok.v === '{') return this.object(tok.line);
        break;
    }
    throw new HclError('expected a value', tok.line);
  }

  private tuple(line: number): Expr {
    const items: Expr[] = [];
    for (;;) {
      this.skipNewlines();
      const tok = this.peek();
      if (tok.t === 'punct' && tok.v === ']') {
        this.pos++;
        return { kind: 'tuple', items, line };
      }
      items.push(this.expr());
      this.skipNewlines();
      const sep = this.peek();
      if (sep.t === 'punct' && sep.v === ',') this.pos++;
      else if (!(sep.t === 'punct' && sep.v === ']')) throw new HclError('expected "," or "]"', sep.line);
    }
  }

  private object(line: number): Expr {
    const entries: [string, Expr][] = [];
    for (;;) {
      this.skipNewlines();
      const tok = this.next();
      if (tok.t === 'punct' && tok.v === '}') return { kind: 'object', entries, line };
      let key: string;
      if (tok.t === 'ident') key = tok.v;
      else if (tok.t === 'string' && tok.parts.every((p) => typeof p === 'string')) key = tok.parts.join('');
      else throw new HclError('expected an object key', tok.line);
      const eq = this.next();
      if (!(eq.t === 'punct' && (eq.v === '=' || eq.v === ':'))) throw new HclError(`expected "=" after key "${key}"`, eq.line);
      entries.push([key, this.expr()]);
      const sep = this.peek();
      if (sep.t === 'punct' && sep.v === ',') this.pos++;
    }
  }
}

export function parseHcl(src: string): Body {
  return new Parser(tokenize(src)).body('eof');
}

// ---- bake

export interface BakeFile {
  variables: Record<string, HclValue>;
  groups: Record<string, { targets: string[]; line: number }>;
  /** Targets with inherits resolved. */
  targets: Record<string, Record<string, HclValue>>;
  /** Targets as written, before inherits. */
  raw: Record<string, { attributes: Record<string, HclValue>; line: number }>;
}

/** Attributes bake knows for targets (docker/buildx docs/bake-reference.md). */
export const TARGET_ATTRIBUTES = new Set([
  'annotations', 'args', 'attest', 'cache-from', 'cache-to', 'call', 'context', 'contexts', 'description', 'dockerfile',
  'dockerfile-inline', 'entitlements', 'extra-hosts', 'inherits', 'labels', 'matrix', 'name', 'network', 'no-cache',
  'no-cache-filter', 'output', 'platforms', 'policy', 'pull', 'secret', 'shm-size', 'ssh', 'tags', 'target', 'ulimits',
]);

/** Evaluates a bake file; `env` overrides variable defaults as the environment does for bake. */
export function evaluateBake(src: string, env: Record<string, string> = {}): BakeFile {
  const body = parseHcl(src);
  if (body.attributes.length > 0) throw new HclError(`top-level attribute "${body.attributes[0].name}" (bake wants blocks)`, body.attributes[0].line);
  const varDefs = new Map<string, Block>();
  for (const b of body.blocks) {
    if (!['variable', 'group', 'target', 'function'].includes(b.type)) throw new HclError(`unknown block type "${b.type}"`, b.line);
    if (b.type === 'function') throw new HclError('function blocks are not supported', b.line);
    if (b.labels.length !== 1) throw new HclError(`${b.type} needs one label`, b.line);
    if (b.type === 'variable') varDefs.set(b.labels[0], b);
  }

  const values = new Map<string, HclValue>();
  const resolving = new Set<string>();
  const variable = (name: string, line: number): HclValue => {
    if (values.has(name)) return values.get(name)!;
    const def = varDefs.get(name);
    if (!def) throw new HclError(`unknown variable "${name}"`, line);
    if (resolving.has(name)) throw new HclError(`variable cycle not allowed for ${name}`, line);
    resolving.add(name);
    let value: HclValue;
    if (env[name] !== undefined) {
      value = env[name];
    } else {
      const d = def.body.attributes.find((a) => a.name === 'default');
      value = d ? evalExpr(d.expr) : '';
    }
    resolving.delete(name);
    values.set(name, value);
    return value;
  };
  const evalExpr = (e: Expr): HclValue => {
    switch (e.kind) {
      case 'literal':
        return e.value;
      case 'ref':
        return variable(e.name, e.line);
      case 'template':
        return e.parts.map((p) => (typeof p === 'string' ? p : stringify(variable(p.ref, e.line), e.line))).join('');
      case 'tuple':
        return e.items.map(evalExpr);
      case 'object':
        return Object.fromEntries(e.entries.map(([k, v]) => [k, evalExpr(v)]));
    }
  };

  const file: BakeFile = { variables: {}, groups: {}, targets: {}, raw: {} };
  for (const name of varDefs.keys()) file.variables[name] = variable(name, varDefs.get(name)!.line);
  for (const b of body.blocks) {
    const attrs: Record<string, HclValue> = {};
    for (const a of b.body.attributes) {
      if (a.name in attrs) throw new HclError(`duplicate attribute "${a.name}"`, a.line);
      attrs[a.name] = evalExpr(a.expr);
    }
    if (b.body.blocks.length > 0) throw new HclError(`nested block "${b.body.blocks[0].type}" in ${b.type} "${b.labels[0]}"`, b.body.blocks[0].line);
    const name = b.labels[0];
    if (b.type === 'group') {
      if (name in file.groups) throw new HclError(`duplicate group "${name}"`, b.line);
      const targets = attrs.targets;
      if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string')) throw new HclError(`group "${name}": targets must be a list of names`, b.line);
      file.groups[name] = { targets: targets as string[], line: b.line };
    } else if (b.type === 'target') {
      if (name in file.raw) throw new HclError(`duplicate target "${name}"`, b.line);
      for (const key of Object.keys(attrs)) if (!TARGET_ATTRIBUTES.has(key)) throw new HclError(`target "${name}": unknown attribute "${key}"`, b.line);
      file.raw[name] = { attributes: attrs, line: b.line };
    }
  }
  const resolved = new Map<string, Record<string, HclValue>>();
  const resolve = (name: string, chain: string[]): Record<string, HclValue> => {
    if (resolved.has(name)) return resolved.get(name)!;
    const raw = file.raw[name];
    if (!raw) throw new HclError(`target "${chain[chain.length - 1]}" inherits unknown target "${name}"`, 0);
    if (chain.includes(name)) throw new HclError(`inherits cycle: ${[...chain, name].join(' -> ')}`, raw.line);
    let out: Record<string, HclValue> = {};
    const parents = raw.attributes.inherits;
    for (const parent of Array.isArray(parents) ? parents : []) out = merge(out, resolve(String(parent), [...chain, name]));
    const own = { ...raw.attributes };
    delete own.inherits;
    out = merge(out, own);
    resolved.set(name, out);
    return out;
  };
  for (const name of Object.keys(file.raw)) file.targets[name] = resolve(name, []);
  return file;
}

function merge(base: Record<string, HclValue>, over: Record<string, HclValue>): Record<string, HclValue> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMap(b) && isMap(v) ? { ...b, ...v } : v;
  }
  return out;
}

function isMap(v: HclValue | undefined): v is { [key: string]: HclValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringify(v: HclValue, line: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new HclError('cannot interpolate a list, object or null into a string', line);
}

/** All targets a group names, groups expanded. */
export function groupTargets(file: BakeFile, group: string, seen: string[] = []): string[] {
  const g = file.groups[group];
  if (!g) return [group];
  if (seen.includes(group)) throw new HclError(`group cycle: ${[...seen, group].join(' -> ')}`, g.line);
  return g.targets.flatMap((t) => (file.groups[t] ? groupTargets(file, t, [...seen, group]) : [t]));
}
