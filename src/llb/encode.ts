/**
 * Canonical protobuf encoding: the bytes protobuf-go produces with `Deterministic: true` for a
 * proto3 message, computed from the protobufjs reflection of our schema. Op digests are hashes of
 * these bytes, so they must match Go byte for byte:
 *
 * - fields in ascending field number, except that oneof members come after all other fields
 *   (protobuf-go's historic order; an Op is inputs, platform, constraints, then its body);
 * - non-oneof scalars equal to their default (0, "", false, empty bytes, enum 0) are omitted;
 * - oneof members are written whenever set, even when zero;
 * - message fields are written whenever set, even when empty;
 * - repeated numeric scalars are packed, empty repeated fields omitted;
 * - map entries sorted by key (strings bytewise as UTF-8), each entry writing key and value;
 * - negative int32/int64 are 10-byte varints.
 *
 * Input objects use the proto field names (keepCase). Unknown property names throw, so a typo
 * can never silently drop a field from a cache key. 64-bit fields accept number, bigint, decimal
 * string or Long.
 */
import { createHash } from 'node:crypto';
import protobuf from 'protobufjs/light.js';
import { messageType, type MessageName } from '../pb/index.js';

type Long = import('long').default;
const { Writer, util, Enum, Type } = protobuf;

/** Encodes `obj` as the message `typeName` in Go's deterministic form. */
export function encodeCanonical(typeName: MessageName, obj: object): Uint8Array {
  const w = Writer.create();
  writeMessage(w, messageType(typeName), obj, typeName);
  return w.finish();
}

/** `sha256:<hex>` of the bytes, as go-digest's FromBytes. */
export function digestOf(bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

/** Go's string order: bytewise over UTF-8 (differs from JS order above the BMP). */
export function compareBytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Returns `obj` with the keys of its own properties inserted in Go's map order. */
export function sortedRecord<V>(obj: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(obj).sort(compareBytewise)) out[k] = obj[k];
  return out;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const WIRE_TYPES: Record<string, number> = {
  double: WIRE_FIXED64,
  float: WIRE_FIXED32,
  int32: WIRE_VARINT,
  uint32: WIRE_VARINT,
  sint32: WIRE_VARINT,
  int64: WIRE_VARINT,
  uint64: WIRE_VARINT,
  sint64: WIRE_VARINT,
  fixed32: WIRE_FIXED32,
  sfixed32: WIRE_FIXED32,
  fixed64: WIRE_FIXED64,
  sfixed64: WIRE_FIXED64,
  bool: WIRE_VARINT,
  string: WIRE_LEN,
  bytes: WIRE_LEN,
};

const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

const sortedFields = new WeakMap<protobuf.Type, protobuf.Field[]>();

/**
 * Fields in protobuf-go's marshal order (order.LegacyFieldOrder, which its fast path keeps "for
 * compatibility with historic wire output"): plain fields by number, then the members of real
 * oneofs, oneofs in declaration order, members by number. So an Op is inputs, platform,
 * constraints, then its body.
 */
function fieldsOf(type: protobuf.Type): protobuf.Field[] {
  let fields = sortedFields.get(type);
  if (!fields) {
    const oneofIndex = (f: protobuf.Field): number => {
      const o = f.partOf;
      if (!o || (o.oneof.length === 1 && o.name === `_${f.name}`)) return -1; // proto3 optional
      return type.oneofsArray.indexOf(o);
    };
    fields = [...type.fieldsArray].sort((a, b) => oneofIndex(a) - oneofIndex(b) || a.id - b.id);
    for (const f of fields) f.resolve();
    sortedFields.set(type, fields);
  }
  return fields;
}

function writeMessage(w: protobuf.Writer, type: protobuf.Type, obj: object, path: string): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Uint8Array) {
    throw new TypeError(`${path}: expected an object for ${type.fullName.slice(1)}`);
  }
  const rec = obj as Record<string, unknown>;
  const fields = fieldsOf(type);
  for (const key of Object.keys(rec)) {
    if (rec[key] !== undefined && !type.fields[key]) {
      throw new TypeError(`${path}: unknown field "${key}" in ${type.fullName.slice(1)}`);
    }
  }
  const oneofSeen = new Map<string, string>();
  for (const field of fields) {
    const value = rec[field.name];
    if (value === undefined || value === null) continue;
    const fpath = `${path}.${field.name}`;
    if (field instanceof protobuf.MapField) {
      writeMap(w, field, value, fpath);
    } else if (field.repeated) {
      writeRepeated(w, field, value, fpath);
    } else if (field.partOf) {
      const other = oneofSeen.get(field.partOf.name);
      if (other) throw new TypeError(`${path}: oneof "${field.partOf.name}" has both "${other}" and "${field.name}"`);
      oneofSeen.set(field.partOf.name, field.name);
      writeSingle(w, field.id, field, value, fpath);
    } else if (field.resolvedType instanceof Type) {
      writeSingle(w, field.id, field, value, fpath);
    } else if (!isDefault(field, value)) {
      writeSingle(w, field.id, field, value, fpath);
    }
  }
}

function writeMap(w: protobuf.Writer, field: protobuf.MapField, value: unknown, path: string): void {
  const entries = mapEntries(value, path);
  if (field.keyType === 'string') {
    entries.sort((a, b) => compareBytewise(a[0] as string, b[0] as string));
  } else if (field.keyType === 'bool') {
    entries.sort((a, b) => Number(toBool(a[0])) - Number(toBool(b[0])));
  } else {
    const unsigned = field.keyType.startsWith('u') || field.keyType.startsWith('fixed');
    entries.sort((a, b) => toLong(a[0], unsigned, path).compare(toLong(b[0], unsigned, path)));
  }
  for (const [k, v] of entries) {
    w.uint32((field.id << 3) | WIRE_LEN).fork();
    writeScalar(w, 1, field.keyType, k, `${path}[${String(k)}]`);
    writeSingle(w, 2, field, v, `${path}[${String(k)}]`);
    w.ldelim();
  }
}

function mapEntries(value: unknown, path: string): [unknown, unknown][] {
  if (value instanceof Map) return [...value.entries()];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  }
  throw new TypeError(`${path}: expected a map object`);
}

function writeRepeated(w: protobuf.Writer, field: protobuf.Field, value: unknown, path: string): void {
  if (!Array.isArray(value)) throw new TypeError(`${path}: expected an array`);
  if (value.length === 0) return;
  const scalar = scalarTypeOf(field);
  const packed = scalar !== 'string' && scalar !== 'bytes' && scalar !== undefined && field.options?.packed !== false;
  if (packed) {
    w.uint32((field.id << 3) | WIRE_LEN).fork();
    value.forEach((v, i) => writeScalarValue(w, scalar, v, `${path}[${i}]`));
    w.ldelim();
    return;
  }
  value.forEach((v, i) => writeSingle(w, field.id, field, v, `${path}[${i}]`));
}

/** The scalar type of a field, enums as int32; undefined for message fields. */
function scalarTypeOf(field: protobuf.Field): string | undefined {
  if (field.resolvedType instanceof Type) return undefined;
  if (field.resolvedType instanceof Enum) return 'int32';
  return field.type;
}

function writeSingle(w: protobuf.Writer, id: number, field: protobuf.FieldBase, value: unknown, path: string): void {
  if (field.resolvedType instanceof Type) {
    w.uint32((id << 3) | WIRE_LEN).fork();
    writeMessage(w, field.resolvedType, value as object, path);
    w.ldelim();
    return;
  }
  if (field.resolvedType instanceof Enum) {
    writeScalar(w, id, 'int32', enumValue(field.resolvedType, value, path), path);
    return;
  }
  writeScalar(w, id, field.type, value, path);
}

function writeScalar(w: protobuf.Writer, id: number, type: string, value: unknown, path: string): void {
  const wire = WIRE_TYPES[type];
  if (wire === undefined) throw new TypeError(`${path}: unsupported field type ${type}`);
  w.uint32((id << 3) | wire);
  writeScalarValue(w, type, value, path);
}

function writeScalarValue(w: protobuf.Writer, type: string, value: unknown, path: string): void {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new TypeError(`${path}: expected a string`);
      w.string(value);
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw new TypeError(`${path}: expected a Uint8Array`);
      w.bytes(value);
      return;
    case 'bool':
      w.bool(toBool(value, path));
      return;
    case 'double':
      w.double(toFloat(value, path));
      return;
    case 'float':
      w.float(toFloat(value, path));
      return;
    case 'int32':
      w.int32(toInt(value, -0x80000000, 0x7fffffff, path));
      return;
    case 'sint32':
      w.sint32(toInt(value, -0x80000000, 0x7fffffff, path));
      return;
    case 'sfixed32':
      w.sfixed32(toInt(value, -0x80000000, 0x7fffffff, path));
      return;
    case 'uint32':
      w.uint32(toInt(value, 0, 0xffffffff, path));
      return;
    case 'fixed32':
      w.fixed32(toInt(value, 0, 0xffffffff, path));
      return;
    case 'int64':
      w.int64(toLong(value, false, path) as unknown as protobuf.Long);
      return;
    case 'sint64':
      w.sint64(toLong(value, false, path) as unknown as protobuf.Long);
      return;
    case 'sfixed64':
      w.sfixed64(toLong(value, false, path) as unknown as protobuf.Long);
      return;
    case 'uint64':
      w.uint64(toLong(value, true, path) as unknown as protobuf.Long);
      return;
    case 'fixed64':
      w.fixed64(toLong(value, true, path) as unknown as protobuf.Long);
      return;
  }
  throw new TypeError(`${path}: unsupported field type ${type}`);
}

function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof Enum) return enumValue(field.resolvedType, value, field.name) === 0;
  switch (field.type) {
    case 'string':
      return value === '';
    case 'bytes':
      return value instanceof Uint8Array && value.length === 0;
    case 'bool':
      return value === false;
    default:
      if (INT64_TYPES.has(field.type)) return toLong(value, field.type.startsWith('u') || field.type === 'fixed64', field.name).isZero();
      // -0 is not the default in Go (its bit pattern differs), every other zero is.
      return value === 0 && !Object.is(value, -0);
  }
}

function enumValue(e: protobuf.Enum, value: unknown, path: string): number {
  if (typeof value === 'string') {
    const v = e.values[value];
    if (v === undefined) throw new TypeError(`${path}: unknown ${e.name} value "${value}"`);
    return v;
  }
  return toInt(value, -0x80000000, 0x7fffffff, path);
}

function toBool(value: unknown, path = 'bool'): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${path}: expected a boolean`);
  return value;
}

function toFloat(value: unknown, path: string): number {
  if (typeof value !== 'number') throw new TypeError(`${path}: expected a number`);
  return value;
}

function toInt(value: unknown, min: number, max: number, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${path}: expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function toLong(value: unknown, unsigned: boolean, path: string): Long {
  const L = util.Long as unknown as typeof import('long').default;
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`${path}: ${value} is not a safe integer; pass a bigint or a string`);
    big = BigInt(value);
  } else if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) big = BigInt(value);
  else if (L.isLong(value)) big = BigInt((value as Long).toString());
  else throw new TypeError(`${path}: expected an integer, got ${String(value)}`);
  const [min, max] = unsigned ? [0n, UINT64_MAX] : [INT64_MIN, INT64_MAX];
  if (big < min || big > max) throw new TypeError(`${path}: ${big} is out of range`);
  return L.fromString(big.toString(), unsigned);
}

/**
 * Decodes bytes into a plain object with the proto field names, keeping exactly the fields on
 * the wire (so non-canonical input stays visible). 64-bit integers become numbers, or decimal
 * strings outside the safe range; bytes become Uint8Array; enums stay numbers.
 */
export function decodeMessage<T extends object>(typeName: MessageName, bytes: Uint8Array): T {
  const type = messageType(typeName);
  return toPlain(type, type.decode(bytes)) as T;
}

function toPlain(type: protobuf.Type, msg: protobuf.Message): Record<string, unknown> {
  const rec = msg as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fieldsOf(type)) {
    if (!Object.prototype.hasOwnProperty.call(rec, field.name)) continue;
    const v = rec[field.name];
    if (v === undefined || v === null) continue;
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) continue;
      const m: Record<string, unknown> = {};
      for (const [k, x] of entries.sort((a, b) => compareBytewise(a[0], b[0]))) m[k] = plainValue(field, x);
      out[field.name] = m;
    } else if (field.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      out[field.name] = arr.map((x) => plainValue(field, x));
    } else {
      out[field.name] = plainValue(field, v);
    }
  }
  return out;
}

function plainValue(field: protobuf.Field, v: unknown): unknown {
  if (field.resolvedType instanceof Type) return toPlain(field.resolvedType, v as protobuf.Message);
  const L = util.Long as unknown as typeof import('long').default;
  if (L.isLong(v)) {
    const s = (v as Long).toString();
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : s;
  }
  if (v instanceof Uint8Array) return new Uint8Array(v);
  return v;
}
