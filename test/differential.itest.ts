// The differential suite: every testdata/diff/<case> is built on dockerd 20.10 twice, once by
// its built-in Dockerfile frontend (BuildKit v0.8; the case has no `# syntax` line) and once by
// ours (`--build-arg BUILDKIT_SYNTAX=$FRONTEND_IMAGE`), each exported with `-o type=tar`. The two
// filesystems must be identical: paths, entry types, modes, owners, contents, link targets;
// timestamps aside. The image config cannot come out of a tar export, so for linux cases both
// frontends build the config target again with `-t` (a cache hit) and `docker image inspect` /
// `docker history` are compared: container config, author, os/arch, history.
//
// Cases with an `oursOnly` reason in args.json use syntax v0.8 cannot build; they are built with
// ours only and compared with testdata/diff-expected/<case>.txt (UPDATE_GOLDEN=1 rewrites it).
//
//   DIFF_CASES=a,b      run only these cases
//   DIFF_CONCURRENCY=N  cases built at once (default 2)
//   DIFF_NO_CACHE=1     build with --no-cache (each frontend runs every step itself)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildArgv, diffLines, diffManifests, imageText, limiter, listCases, manifest, readTar, summarizeImage, withoutAccepted, type DiffCase } from './differential.js';
import { docker, dockerBuild, FRONTEND_IMAGE } from './docker.js';

const top = path.resolve(__dirname, '..');
const root = path.join(top, 'testdata/diff');
const expectedRoot = path.join(top, 'testdata/diff-expected');
const update = process.env.UPDATE_GOLDEN === '1';
const only = process.env.DIFF_CASES?.split(',').filter(Boolean);
const cases = listCases(root).filter((c) => !only || only.includes(c.name));
const limit = limiter(Number(process.env.DIFF_CONCURRENCY ?? 2));
const ours = ['--build-arg', `BUILDKIT_SYNTAX=${FRONTEND_IMAGE}`];
const noCache = process.env.DIFF_NO_CACHE === '1' ? ['--no-cache'] : [];

let tmp: string;
beforeAll(async () => {
  const r = await docker(['image', 'inspect', FRONTEND_IMAGE]);
  if (r.exitCode !== 0) throw new Error(`${FRONTEND_IMAGE} is missing: run NODE_IMAGE=local/node:20 npm run image first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'differential-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function tail(log: string, lines = 30): string {
  return log.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Builds a case to a tar file and returns its manifest; throws with the build log on failure. */
async function buildTar(c: DiffCase, who: 'built-in' | 'ours'): Promise<string> {
  const out = path.join(tmp, `${c.name}.${who}.tar`);
  const r = await dockerBuild(c.dir, [...buildArgv(c), ...noCache, ...(who === 'ours' ? ours : []), '-o', `type=tar,dest=${out}`]);
  if (r.exitCode !== 0) throw new Error(`${c.name}: the ${who} frontend failed:\n${tail(r.stderr)}`);
  if (who === 'ours' && !r.stderr.includes(`resolve image config for docker.io/${FRONTEND_IMAGE}`)) {
    throw new Error(`${c.name}: the build did not go through ${FRONTEND_IMAGE}:\n${tail(r.stderr)}`);
  }
  try {
    return manifest(await readTar(out));
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/** Builds the config target into the image store, reads what docker shows of it, untags it. */
async function buildImage(c: DiffCase, who: 'built-in' | 'ours', target: string | undefined): Promise<string> {
  const tag = `wfdiff/${c.name}:${who === 'ours' ? 'ours' : 'builtin'}`;
  const r = await dockerBuild(c.dir, [...buildArgv(c, target), ...(who === 'ours' ? ours : []), '-t', tag]);
  if (r.exitCode !== 0) throw new Error(`${c.name}: the ${who} frontend failed to build the image:\n${tail(r.stderr)}`);
  try {
    const inspect = await docker(['image', 'inspect', tag]);
    const history = await docker(['history', '--no-trunc', '--format', '{{json .}}', tag]);
    if (inspect.exitCode !== 0 || history.exitCode !== 0) throw new Error(`${c.name}: cannot inspect ${tag}: ${inspect.stderr}${history.stderr}`);
    return imageText(summarizeImage(inspect.stdout, history.stdout));
  } finally {
    await docker(['image', 'rm', tag]);
  }
}

function comparesConfig(c: DiffCase): boolean {
  if (c.args.configTarget === false || c.args.oursOnly) return false;
  return !c.args.platform || c.args.platform.startsWith('linux/');
}

/** Builds the case's base images (built-in frontend), runs `fn`, removes them. */
async function withBaseImages(c: DiffCase, fn: () => Promise<void>): Promise<void> {
  const tags = Object.keys(c.args.baseImages ?? {});
  try {
    for (const tag of tags) {
      const dir = path.join(c.dir, c.args.baseImages![tag]);
      const r = await dockerBuild(dir, ['-t', tag]);
      if (r.exitCode !== 0) throw new Error(`${c.name}: cannot build the base image ${tag}:\n${tail(r.stderr)}`);
    }
    await fn();
  } finally {
    if (tags.length) await docker(['image', 'rm', ...tags]);
  }
}

async function runCase(c: DiffCase): Promise<void> {
  await withBaseImages(c, () => compareCase(c));
}

async function compareCase(c: DiffCase): Promise<void> {
  const problems: string[] = [];
  if (c.args.oursOnly) {
    const got = await buildTar(c, 'ours');
    const file = path.join(expectedRoot, `${c.name}.txt`);
    if (update) fs.writeFileSync(file, got);
    const want = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const d = diffManifests(want, got, { want: `expected (${path.relative(top, file)})`, got: 'ours' });
    if (d) problems.push(`filesystem differs:\n${d}`);
  } else {
    const accepted = c.args.accept ?? [];
    const want = await buildTar(c, 'built-in');
    const got = await buildTar(c, 'ours');
    const fsDiff = withoutAccepted(diffManifests(want, got), accepted);
    if (fsDiff.diff) problems.push(`filesystem differs:\n${fsDiff.diff}`);
    let unused = fsDiff.unused;
    if (comparesConfig(c)) {
      const target = c.args.configTarget || c.args.target;
      const a = await buildImage(c, 'built-in', target);
      const b = await buildImage(c, 'ours', target);
      const configDiff = withoutAccepted(diffLines(a, b), accepted);
      if (configDiff.diff) problems.push(`image config differs (target ${target ?? 'last stage'}):\n${configDiff.diff}`);
      unused = unused.filter((u) => configDiff.unused.includes(u));
    }
    for (const u of unused) problems.push(`accepted difference did not occur (remove it from args.json): ${u.why}`);
  }
  expect(problems.join('\n\n'), `${c.name}`).toBe('');
}

describe.concurrent('built-in frontend and ours build the same thing', () => {
  test('there are cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    test(c.args.oursOnly ? `${c.name} (ours only: ${c.args.oursOnly})` : c.name, () => limit(() => runCase(c)));
  }
});
