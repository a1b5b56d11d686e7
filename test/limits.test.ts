// Issue #9's examples through the real frontend and the gateway harness, each with the standard
// frontend's result as the expected value: what the user reads, and big inputs that must convert
// (no recursion in proportion to the input, linear cost).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fuzzContext, runMutant } from './fuzz/run.js';
import { nestedExpansion } from './fuzz/mutate.js';
import { failure, Fixture, meta } from './protocol-helpers.js';

const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());

const sourceLine = (e: ReturnType<typeof failure>) =>
  (e.details.find((d) => d.typeUrl.endsWith('errdefs.Source+json'))?.json as { ranges: { start: { line: number } }[] } | undefined)?.ranges[0]?.start.line;

describe('what the user reads', () => {
  test('FORM on line 2: the parse error text with code Unknown, so BuildKit adds no "InvalidArgument: " prefix', async () => {
    const e = failure(await fx.run(fx.dir({ Dockerfile: '# a comment\nFORM scratch\n' }), {}));
    expect(e.codeName).toBe('Unknown');
    expect(e.message).toBe('dockerfile parse error on line 2: unknown instruction: FORM (did you mean FROM?)');
    expect(sourceLine(e)).toBe(2);
  });

  test('COPY --from=${a:?custom error message}: the lexer error, located at its line', async () => {
    const e = failure(await fx.run(fx.dir({ Dockerfile: 'FROM scratch\nCOPY --from=${a:?custom error message} /a /b\n' }), {}));
    expect(e.message).toBe('failed to process "${a:?custom": syntax error: missing \'}\'');
    expect(sourceLine(e)).toBe(2);
  });
});

describe('big inputs convert as with the standard frontend', () => {
  test('3,000 nested expansions on one line', async () => {
    const r = await fx.run(fx.dir({ Dockerfile: `FROM scratch\nLABEL l=${nestedExpansion(3000)}\n` }), {});
    expect(r.returned?.error).toBeUndefined();
    expect(JSON.parse(meta(r, 'containerimage.config')).config.Labels).toEqual({ l: '' });
  });

  test('5,000 stages, each COPY --from the one before', async () => {
    const lines = ['FROM scratch AS s0'];
    for (let i = 1; i < 5000; i++) lines.push(`FROM scratch AS s${i}`, `COPY --from=s${i - 1} / /`);
    const r = await fx.run(fx.dir({ Dockerfile: lines.join('\n') + '\n' }), {}, { timeoutMs: 110_000 });
    expect(r.returned?.error).toBeUndefined();
    expect(r.solves.at(-1)!.ops.filter((o) => o.op.file).length).toBe(4999);
  }, 120_000);

  test('one wasi/wasm stage of 6,600 steps (RUN and COPY --from in turn) builds: the graph is walked without recursion (fuzz seed 2026, mutant 324)', async () => {
    const lines = ['FROM scratch AS build', 'FROM scratch'];
    for (let i = 0; i < 3300; i++) lines.push('RUN echo indented > /out/b', 'COPY --from=build / /');
    const ctx = fuzzContext();
    try {
      const { verdict, run } = await runMutant(fx.bundle, ctx, Buffer.from(lines.join('\n') + '\n'), true, 110_000);
      expect(verdict).toMatchObject({ ok: true, kind: 'result' });
      expect(run.solves.some((s) => s.ops.filter((o) => o.op.exec).length === 3300)).toBe(true);
    } finally {
      fs.rmSync(ctx, { recursive: true, force: true });
    }
  }, 120_000);

  test('a 20 MB Dockerfile: the read fails naming the gateway message limit, as BuildKit words it (long fuzz run, seed 2026)', async () => {
    const text = 'FROM scratch\n' + `# ${'x'.repeat(2000)}\n`.repeat(10_000) + 'COPY a /a\n';
    const ctx = fuzzContext();
    try {
      const { verdict } = await runMutant(fx.bundle, ctx, Buffer.from(text), false, 110_000);
      expect(verdict).toMatchObject({ ok: true, kind: 'unlocated error (by design)', message: `failed to read dockerfile: Received message larger than max (${text.length + 5} vs 16777216)` });
    } finally {
      fs.rmSync(ctx, { recursive: true, force: true });
    }
  }, 120_000);

  test('7,500 stages chained FROM s<N-1>, with a LABEL each', async () => {
    const lines = ['FROM scratch AS s0', 'LABEL l0=0'];
    for (let i = 1; i < 7500; i++) lines.push(`FROM s${i - 1} AS s${i}`, `LABEL l${i}=${i}`);
    const r = await fx.run(fx.dir({ Dockerfile: lines.join('\n') + '\n' }), {}, { timeoutMs: 110_000 });
    expect(r.returned?.error).toBeUndefined();
    const img = JSON.parse(meta(r, 'containerimage.config'));
    expect(Object.keys(img.config.Labels)).toHaveLength(7500);
    expect(img.config.Labels.l7499).toBe('7499');
    expect(img.history).toHaveLength(7500);
  }, 120_000);
});
