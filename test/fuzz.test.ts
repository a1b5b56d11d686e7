// The fuzz target (issue #9): seeded mutants of every testdata Dockerfile, each built by the real
// frontend through the gateway harness and judged by test/fuzz/run.ts. The unit tier runs a short
// fixed-seed batch; `npm run fuzz` runs the long one (FUZZ_MUTANTS, FUZZ_SEED, FUZZ_CONCURRENCY).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleEntry } from './harness/bundle.js';
import { mutants, seedDockerfiles } from './fuzz/mutate.js';
import { fuzzContext, runMutant, type Verdict } from './fuzz/run.js';

const top = path.resolve(import.meta.dirname, '..');
const COUNT = Number(process.env.FUZZ_MUTANTS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 9);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 3);
/**
 * Per mutant: the frontend must Return within this (the harness kills it after). Generous: a
 * 10,000-line mutant converted twice (context narrowing) takes seconds on a loaded 2-vCPU box;
 * a hang never returns.
 */
const LIMIT_MS = Number(process.env.FUZZ_LIMIT_MS ?? 120_000);

let bundle = '';
let ctx = '';
beforeAll(async () => {
  bundle = await bundleEntry('frontend/main.ts');
  ctx = fuzzContext();
}, 120_000);
afterAll(() => {
  if (bundle) fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
  if (ctx) fs.rmSync(ctx, { recursive: true, force: true });
});

describe('fuzz', () => {
  test(`${COUNT} mutants (seed ${SEED}): one Return each, no crash, no hang, every Dockerfile error located`, async () => {
    const seeds = seedDockerfiles(top);
    expect(seeds.length).toBeGreaterThan(20);
    const all = [...mutants(seeds, SEED, COUNT)];
    const verdicts: (Verdict & { id: number; seed: string; how: string[] })[] = [];
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < all.length) {
          const m = all[next++]!;
          const { verdict } = await runMutant(bundle, ctx, m.data, m.wasm, LIMIT_MS);
          verdicts.push({ ...verdict, id: m.id, seed: m.seed, how: m.how });
          if (!verdict.ok && process.env.FUZZ_KEEP) fs.writeFileSync(path.join(process.env.FUZZ_KEEP, `mutant-${m.id}.Dockerfile`), m.data);
        }
      }),
    );
    const kinds = new Map<string, number>();
    for (const v of verdicts) kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
    const ms = verdicts.map((v) => v.ms).sort((a, b) => a - b);
    console.log(
      `fuzz: ${verdicts.length} mutants, seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(0)} s, ` +
        `${[...kinds].map(([k, n]) => `${k}: ${n}`).join(', ')}; per run median ${ms[ms.length >> 1]} ms, max ${ms[ms.length - 1]} ms`,
    );
    const failures = verdicts.filter((v) => !v.ok).map((v) => `#${v.id} ${v.seed} [${v.how.join('; ')}]: ${v.kind}${v.message ? `: ${v.message.slice(0, 300)}` : ''}`);
    expect(failures).toEqual([]);
  }, Number(process.env.FUZZ_TIMEOUT_MS ?? 15 * 60_000));
});
