/**
 * Reads the outline of a WebAssembly binary without compiling it: kind (core module or
 * component), imports, exports, and custom sections with their sizes. Also strips debug
 * custom sections. Pure functions over bytes; no runtime needed.
 */
export interface WasmSection {
  id: number;
  /** For custom sections (id 0), the section name. */
  name?: string;
  offset: number;
  size: number;
}

export interface WasmImport {
  module: string;
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global' | 'tag';
}

export interface WasmExport {
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global' | 'tag';
}

export interface WasmInfo {
  kind: 'module' | 'component';
  size: number;
  sections: WasmSection[];
  imports: WasmImport[];
  exports: WasmExport[];
}

export class WasmFormatError extends Error {}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const kinds = ['func', 'table', 'memory', 'global', 'tag'] as const;

export function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC.every((b, i) => bytes[i] === b);
}

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError('unexpected end of section');
    return this.buf[this.pos++];
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new WasmFormatError('malformed LEB128 integer');
  }

  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw new WasmFormatError('name runs past the end of its section');
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, len).toString('utf8');
    this.pos += len;
    return s;
  }

  skipLimits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }

  skipValType(): void {
    const t = this.byte();
    // reference types with a heap type (GC proposal): 0x63/0x64 followed by a heap type
    if (t === 0x63 || t === 0x64) this.u32();
  }
}

/** Parses the section table, imports and exports of a core module; components give sections only. */
export function inspectWasm(bytes: Uint8Array): WasmInfo {
  if (!isWasm(bytes)) throw new WasmFormatError('not a WebAssembly binary: missing \\0asm magic');
  const version = bytes[4] | (bytes[5] << 8);
  const layer = bytes[6] | (bytes[7] << 8);
  let kind: WasmInfo['kind'];
  if (version === 1 && layer === 0) kind = 'module';
  else if (layer === 1) kind = 'component';
  else throw new WasmFormatError(`unknown WebAssembly version ${version} (layer ${layer})`);
  const info: WasmInfo = { kind, size: bytes.length, sections: [], imports: [], exports: [] };
  const r = new Reader(bytes, 8, bytes.length);
  while (r.pos < bytes.length) {
    const offset = r.pos;
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    if (start + size > bytes.length) throw new WasmFormatError(`section ${id} runs past the end of the file`);
    const section: WasmSection = { id, offset, size: start + size - offset };
    const body = new Reader(bytes, start, start + size);
    if (id === 0) section.name = body.name();
    else if (kind === 'module' && id === 2) readImports(body, info);
    else if (kind === 'module' && id === 7) readExports(body, info);
    info.sections.push(section);
    r.pos = start + size;
  }
  return info;
}

function readImports(r: Reader, info: WasmInfo): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const module = r.name();
    const name = r.name();
    const k = r.byte();
    switch (k) {
      case 0:
        r.u32();
        break;
      case 1:
        r.skipValType();
        r.skipLimits();
        break;
      case 2:
        r.skipLimits();
        break;
      case 3:
        r.skipValType();
        r.byte();
        break;
      case 4:
        r.byte();
        r.u32();
        break;
      default:
        throw new WasmFormatError(`unknown import kind ${k}`);
    }
    info.imports.push({ module, name, kind: kinds[k] });
  }
}

function readExports(r: Reader, info: WasmInfo): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const name = r.name();
    const k = r.byte();
    r.u32();
    if (k > 4) throw new WasmFormatError(`unknown export kind ${k}`);
    info.exports.push({ name, kind: kinds[k] });
  }
}

/** Custom sections that only debuggers read; runtimes ignore them. */
export function isDebugSection(name: string): boolean {
  return name.startsWith('.debug_') || name === 'external_debug_info' || name === 'sourceMappingURL';
}

/**
 * Custom sections that only name things for people: `name` (function and local names, used by
 * runtimes only to print trap backtraces) and `producers` (toolchain versions). Runtimes run a
 * module the same without them.
 */
export function isNameSection(name: string): boolean {
  return name === 'name' || name === 'producers';
}

/** What `stripSections` removes: debug sections, and (unless kept) the name and producers sections. */
export interface StripOptions {
  keepDebug?: boolean;
  keepNames?: boolean;
}

/**
 * Removes the custom sections `opts` does not keep; every other byte is kept as it was (section
 * order and encoding untouched). Returns the input itself when nothing is removed.
 * Throws WasmFormatError for a malformed binary.
 */
export function stripSections(bytes: Uint8Array, opts: StripOptions = {}, info: WasmInfo = inspectWasm(bytes)): { bytes: Uint8Array; removed: { name: string; size: number }[] } {
  const removed: { name: string; size: number }[] = [];
  const keep: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of info.sections) {
    const n = s.id === 0 ? s.name : undefined;
    if (n !== undefined && ((!opts.keepDebug && isDebugSection(n)) || (!opts.keepNames && isNameSection(n)))) {
      removed.push({ name: n, size: s.size });
      continue;
    }
    keep.push(bytes.subarray(s.offset, s.offset + s.size));
  }
  return { bytes: removed.length ? Buffer.concat(keep) : bytes, removed };
}

/** Removes debug custom sections only (names and producers stay); see stripSections. */
export function stripDebug(bytes: Uint8Array): { bytes: Uint8Array; removed: { name: string; size: number }[] } {
  return stripSections(bytes, { keepNames: true });
}

export type WasiKind = 'command' | 'reactor' | 'library';

/** A WASI command exports _start; a reactor exports _initialize; anything else is a library. */
export function wasiKind(info: WasmInfo): WasiKind {
  if (info.exports.some((e) => e.name === '_start' && e.kind === 'func')) return 'command';
  if (info.exports.some((e) => e.name === '_initialize' && e.kind === 'func')) return 'reactor';
  return 'library';
}

export function wasiImports(info: WasmInfo): string[] {
  return [...new Set(info.imports.map((i) => i.module).filter((m) => m.startsWith('wasi')))];
}
