/**
 * Hand-encoded WebAssembly binaries for tests: small, exact, and built without a toolchain.
 * `command` imports wasi_snapshot_preview1.proc_exit, exports memory and _start, and _start
 * calls proc_exit(code); node:wasi runs it.
 */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function str(s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')];
  return [...leb(b.length), ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

export interface FixtureOptions {
  /** Exported name of the entry function (default _start). */
  entry?: string;
  exitCode?: number;
  /** Custom sections appended after the code, e.g. ['.debug_info', 5000]. */
  custom?: [string, number][];
  /** An extra import from a non-WASI module. */
  envImport?: boolean;
}

export function wasmCommand(o: FixtureOptions = {}): Buffer {
  const types = section(1, [2, 0x60, 1, 0x7f, 0, 0x60, 0, 0]);
  const imports: number[][] = [[...str('wasi_snapshot_preview1'), ...str('proc_exit'), 0x00, 0]];
  if (o.envImport) imports.push([...str('env'), ...str('host_log'), 0x00, 0]);
  const importSec = section(2, [...leb(imports.length), ...imports.flat()]);
  const funcs = section(3, [1, 1]);
  const memory = section(5, [1, 0x00, 1]);
  const entryIndex = imports.length;
  const exportsSec = section(7, [2, ...str('memory'), 0x02, 0, ...str(o.entry ?? '_start'), 0x00, ...leb(entryIndex)]);
  const body = [0, 0x41, ...signedLeb(o.exitCode ?? 0), 0x10, 0, 0x0b];
  const code = section(10, [1, ...leb(body.length), ...body]);
  const custom = (o.custom ?? []).map(([name, size]) => section(0, [...str(name), ...new Array(size).fill(0xab)]));
  return Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...importSec, ...funcs, ...memory, ...exportsSec, ...code, ...custom.flat()]);
}

function signedLeb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** The preamble of a component (layer 1); enough for kind detection. */
export function wasmComponent(): Buffer {
  return Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
}
