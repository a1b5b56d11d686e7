/**
 * Seeded mutations of Dockerfiles for the fuzz target (issue #9): deleted, duplicated and
 * swapped lines, truncation, broken flags, stray quotes, heredocs, deep expansions, 10,000-line
 * inputs, invalid UTF-8 and CRLF. Deterministic: the same seed gives the same mutants.
 */
import fs from 'node:fs';
import path from 'node:path';

/** mulberry32: a small seeded PRNG; returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every Dockerfile under `testdata/`, sorted by path (the seeds). */
export function seedDockerfiles(top: string): { name: string; data: Buffer }[] {
  const out: { name: string; data: Buffer }[] = [];
  const todo = [path.join(top, 'testdata')];
  while (todo.length > 0) {
    const dir = todo.pop()!;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) todo.push(p);
      else if (e.name === 'Dockerfile' || e.name.endsWith('.Dockerfile')) out.push({ name: path.relative(top, p), data: fs.readFileSync(p) });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** `${v<n-1>:+ ... ${v0:+x} ... }`: n nested expansions. */
export function nestedExpansion(n: number): string {
  let s = 'x';
  for (let i = 0; i < n; i++) s = `\${v${i}:+${s}}`;
  return s;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const FLAGS = [
  '--from=', '--from=nosuchstage', '--from=0', '--from=99', '--from=${X:?unset}', '--chmod=u+x', '--chmod=999999', '--chmod=u=rwx,g=rx',
  '--chown=', '--chown=a:b:c', '--mount=type=', '--mount=type=cache', '--mount=type=bind,from=', '--mount=type=secret,env=',
  '--mount=type=tmpfs,size=x', '--network=', '--network=bogus', '--security=insecure', '--platform=', '--platform=$BUILDPLATFORM',
  '--platform=wasm', '--link', '--link=maybe', '--exclude=', '--parents', '--keep-git-dir=x', '--checksum=sha256:x', '--bogus', '--', '-',
  '--interval=x', '--start-period=-1s', '--retries=x',
];
const INSERTS = [
  '"', "'", '\\', '`', '$', '${', '${X', '${X:-', '${X/', '}', '<<EOF', '<<-EOF', '<<"EOF"', '<<EOF\n', '\nEOF\n', '[', ']', '["a",', '#', '=', ' ', '\t',
  '\\\n', 'ONBUILD ', 'FROM ', 'AS ', 'ARG ', '\u00a0', '\u2028', '\u0000',
];
const LINES = [
  'FROM scratch', 'FROM busybox AS x', 'FROM x', 'FROM $UNSET', 'FROM ${BASE:-scratch}', 'ARG BASE=scratch', 'ARG', 'ENV', 'ENV A', 'ENV A=',
  'LABEL', 'LABEL a', 'RUN', 'RUN []', 'RUN ["sh", "-c"]', 'CMD [1]', 'ENTRYPOINT ["/app.wasm"]', 'COPY', 'COPY a', 'ADD . .', 'WORKDIR',
  'WORKDIR relative', 'USER', 'EXPOSE x', 'EXPOSE 80/bogus', 'VOLUME []', 'STOPSIGNAL', 'HEALTHCHECK', 'HEALTHCHECK NONE x', 'SHELL sh',
  'ONBUILD', 'ONBUILD ONBUILD RUN x', 'ONBUILD FROM x', 'MAINTAINER', '# escape=`', '# syntax=x', 'RUN <<EOF', 'COPY <<EOF /x',
  'COPY --from=x / /', 'FROM x AS x', 'FROM scratch AS 1bad',
];

/** One mutation of `data`, and its name. */
export function mutate(r: Rand, data: Buffer): { data: Buffer; how: string } {
  const text = data.toString('latin1'); // byte-preserving
  const lines = text.split('\n');
  const at = () => int(r, 0, Math.max(0, lines.length - 1));
  switch (int(r, 0, 13)) {
    case 0: {
      const i = at();
      lines.splice(i, 1);
      return { data: Buffer.from(lines.join('\n'), 'latin1'), how: `delete line ${i + 1}` };
    }
    case 1: {
      const i = at();
      lines.splice(i, 0, lines[i] ?? '');
      return { data: Buffer.from(lines.join('\n'), 'latin1'), how: `duplicate line ${i + 1}` };
    }
    case 2: {
      const i = at();
      const j = at();
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return { data: Buffer.from(lines.join('\n'), 'latin1'), how: `swap lines ${i + 1} and ${j + 1}` };
    }
    case 3: {
      const n = int(r, 0, data.length);
      return { data: data.subarray(0, n), how: `truncate at byte ${n}` };
    }
    case 4: {
      const i = at();
      const words = (lines[i] ?? '').split(' ');
      const flag = pick(r, FLAGS);
      words.splice(Math.min(1, words.length), 0, flag);
      lines[i] = words.join(' ');
      return { data: Buffer.from(lines.join('\n'), 'latin1'), how: `flag ${flag} on line ${i + 1}` };
    }
    case 5:
    case 6: {
      const n = int(r, 0, text.length);
      const ins = pick(r, INSERTS);
      return { data: Buffer.concat([data.subarray(0, n), Buffer.from(ins, 'utf8'), data.subarray(n)]), how: `insert ${JSON.stringify(ins)} at byte ${n}` };
    }
    case 7: {
      const i = at();
      const line = pick(r, LINES);
      lines.splice(i, 0, line);
      return { data: Buffer.from(lines.join('\n'), 'latin1'), how: `insert line ${JSON.stringify(line)} before ${i + 1}` };
    }
    case 8: {
      const depth = int(r, 100, 5000);
      const i = Math.max(1, at());
      lines.splice(i, 0, `LABEL deep=${nestedExpansion(depth)}`);
      return { data: Buffer.from(lines.join('\n'), 'latin1'), how: `${depth} nested expansions before line ${i + 1}` };
    }
    case 9: {
      const body = lines.filter((l) => /^\s*(RUN|LABEL|ENV|COPY|WORKDIR|ARG)\b/i.test(l));
      const fill = body.length > 0 ? body : ['LABEL a=b'];
      const out = [...lines];
      let k = 0;
      while (out.length < 10_000) out.push(fill[k++ % fill.length]!);
      return { data: Buffer.from(out.join('\n'), 'latin1'), how: `grown to 10,000 lines` };
    }
    case 10: {
      const n = int(r, 0, data.length);
      const bad = pick(r, [[0xff], [0xfe, 0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
      return { data: Buffer.concat([data.subarray(0, n), Buffer.from(bad), data.subarray(n)]), how: `invalid UTF-8 ${Buffer.from(bad).toString('hex')} at byte ${n}` };
    }
    case 11:
      return { data: Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1'), how: 'CRLF line ends' };
    case 12: {
      const i = at();
      lines.splice(i, 0, 'RUN <<EOF', ...(r() < 0.5 ? ['echo hi', 'EOF'] : ['echo unterminated']));
      return { data: Buffer.from(lines.join('\n'), 'latin1'), how: `heredoc before line ${i + 1}` };
    }
    default: {
      const i = at();
      lines[i] = (lines[i] ?? '') + ' \\';
      return { data: Buffer.from(lines.join('\n'), 'latin1'), how: `continuation after line ${i + 1}` };
    }
  }
}

/** `count` mutants: seed file chosen and mutated 1 to 3 times, from one PRNG seed. */
export function* mutants(seeds: { name: string; data: Buffer }[], seed: number, count: number): Generator<{ id: number; seed: string; how: string[]; data: Buffer; wasm: boolean }> {
  const r = prng(seed);
  for (let id = 0; id < count; id++) {
    const s = pick(r, seeds);
    let data = s.data;
    const how: string[] = [];
    for (let k = int(r, 1, 3); k > 0; k--) {
      const m = mutate(r, data);
      data = m.data;
      how.push(m.how);
    }
    yield { id, seed: s.name, how, data, wasm: r() < 0.2 };
  }
}
