/**
 * Go's time.ParseDuration and strconv.ParseInt(s, 10, 32), with Go's error texts, for the
 * HEALTHCHECK flags BuildKit validates at parse time.
 */
import { goQuote } from '../shell/goquote.js';

const NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  'µs': 1000n,
  'μs': 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX = 1n << 63n;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Go's time package quoting: non-ASCII and control bytes become `\xNN`. */
function timeQuote(s: string): string {
  let out = '"';
  for (const b of utf8.encode(s)) {
    if (b >= 0x80 || b < 0x20) out += '\\x' + b.toString(16).padStart(2, '0');
    else {
      const ch = String.fromCharCode(b);
      out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
    }
  }
  return out + '"';
}

const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/** Nanoseconds of a Go duration string such as `1m30s`, `1.5h` or `-2ms`. */
export function parseGoDuration(orig: string): bigint {
  const invalid = () => new Error('time: invalid duration ' + timeQuote(orig));
  let s = utf8.encode(orig);
  let neg = false;
  if (s.length > 0 && (s[0] === 0x2d || s[0] === 0x2b)) {
    neg = s[0] === 0x2d;
    s = s.subarray(1);
  }
  if (s.length === 1 && s[0] === 0x30) return 0n;
  if (s.length === 0) throw invalid();
  let d = 0n;
  while (s.length > 0) {
    if (!(s[0] === 0x2e || isDigit(s[0]))) throw invalid();
    let i = 0;
    let v = 0n;
    for (; isDigit(s[i]); i++) {
      if (v > MAX / 10n) throw invalid();
      v = v * 10n + BigInt(s[i]! - 0x30);
      if (v > MAX) throw invalid();
    }
    const pre = i > 0;
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === 0x2e) {
      i++;
      const start = i;
      let overflow = false;
      for (; isDigit(s[i]); i++) {
        if (overflow) continue;
        if (f > (MAX - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s[i]! - 0x30);
        if (y > MAX) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > start;
    }
    if (!pre && !post) throw invalid();
    const unitStart = i;
    while (i < s.length && !(s[i] === 0x2e || isDigit(s[i]))) i++;
    if (i === unitStart) throw new Error('time: missing unit in duration ' + timeQuote(orig));
    const u = fromUtf8.decode(s.subarray(unitStart, i));
    const unit = NS[u];
    if (unit === undefined) throw new Error('time: unknown unit ' + timeQuote(u) + ' in duration ' + timeQuote(orig));
    if (v > MAX / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX) throw invalid();
    }
    d += v;
    if (d > MAX) throw invalid();
    s = s.subarray(i);
  }
  if (neg) return -d;
  if (d > MAX - 1n) throw invalid();
  return d;
}

/** strconv.ParseInt(s, 10, 32). */
export function parseGoInt32(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n < -(1n << 31n) || n > (1n << 31n) - 1n) throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return Number(n);
}

/**
 * Go's time.Duration.String: `1h2m3.5s`, `1.5ms`, `0s`. Used where BuildKit prints a duration
 * into history text.
 */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  // the fraction of u / 10^prec without trailing zeros, and what is left above it
  const frac = (prec: number): string => {
    let digits = '';
    let printed = false;
    for (let i = 0; i < prec; i++) {
      const digit = u % 10n;
      printed ||= digit !== 0n;
      if (printed) digits = String(digit) + digits;
      u /= 10n;
    }
    return printed ? '.' + digits : '';
  };
  let out: string;
  if (u < 1_000_000_000n) {
    const [prec, unit] = u < 1_000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const f = frac(prec);
    out = `${u}${f}${unit}`;
  } else {
    const f = frac(9);
    out = `${u % 60n}${f}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? '-' + out : out;
}
