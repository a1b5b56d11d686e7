// The differential suite: every testdata/diff/<case> is built twice on each engine, once by
// the engine's built-in Dockerfile frontend (the case has no `# syntax` line) and once by ours
// (`--build-arg BUILDKIT_SYNTAX=$FRONTEND_IMAGE`), each exported with `-o type=tar`. The engines
// (test/docker.ts): the Docker 26 engine's BuildKit v0.13 through `docker buildx build`, the
// primary reference, and dockerd 20.10's BuildKit v0.8 through `docker build`, the oldest
// BuildKit this frontend supports. The two filesystems must be identical: paths, entry types,
// modes, owners, contents, link targets; timestamps aside. The image config cannot come out of a
// tar export, so both frontends build the config target again into the image store (`-t`, and
// `--load` with buildx; a cache hit) and `docker image inspect` / `docker history` are compared:
// container config, author, os/arch, history. On 20.10 only for linux platforms (its store
// refuses wasi), on 26 for every platform.
//
// A case whose `oursOnly` names an engine (a syntax that engine's built-in frontend cannot
// build) is built there with ours only and compared with testdata/diff-expected/<case>.txt
// (UPDATE_GOLDEN=1 rewrites it). `accept` lists, per engine, the differences where ours
// follows a newer BuildKit than that engine's.
//
// testdata/errors/<case> is built on Docker 26 too, by both frontends: what `docker buildx build`
// prints about the error (the Dockerfile excerpt and the ERROR line) must be the same text.
//
//   DIFF_ENGINES=v0.13   run on these engines only (default: v0.13,v0.8)
//   DIFF_CASES=a,b      run only these cases (errors cases as errors/<name>)
//   DIFF_CONCURRENCY=N  cases built at once per engine (default 2)
//   DIFF_NO_CACHE=1     build with --no-cache (each frontend runs every step itself)
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildArgv, diffLines, errorText, readErrorAccept, diffManifests, imageText, limiter, listCases, manifest, readTar, summarizeImage, summarizeOci, withoutAccepted, type DiffCase } from './differential.js';
import { DOCKER, engine as engineById, engineIds, FRONTEND_IMAGE, type Engine, type EngineId } from './docker.js';

const top = path.resolve(__dirname, '..');
const root = path.join(top, 'testdata/diff');
const errorsRoot = path.join(top, 'testdata/errors');
const expectedRoot = path.join(top, 'testdata/diff-expected');
const update = process.env.UPDATE_GOLDEN === '1';
const only = process.env.DIFF_CASES?.split(',').filter(Boolean);
const cases = listCases(root).filter((c) => !only || only.includes(c.name));
const errorCases = fs
  .readdirSync(errorsRoot)
  .sort()
  .filter((n) => !only || only.includes(`errors/${n}`));
const engines = (process.env.DIFF_ENGINES ?? 'v0.13,v0.8').split(',').filter(Boolean) as EngineId[];
for (const e of engines) if (!engineIds.includes(e)) throw new Error(`DIFF_ENGINES: unknown engine "${e}" (${engineIds.join(', ')})`);
const concurrency = Number(process.env.DIFF_CONCURRENCY ?? 2);
const ours = ['--build-arg', `BUILDKIT_SYNTAX=${FRONTEND_IMAGE}`];
/** The image most cases build FROM (made by scripts/images/toolchain.sh on the host). */
const TOOLCHAIN_IMAGE = process.env.TOOLCHAIN_IMAGE ?? 'local/wasm-toolchain:bookworm';
const noCache = process.env.DIFF_NO_CACHE === '1' ? ['--no-cache'] : [];

function tail(log: string, lines = 30): string {
  return log.trimEnd().split('\n').slice(-lines).join('\n');
}

/** One engine's run of the suite: builds, image store tags and temp files on that engine. */
class EngineRun {
  tmp = '';
  constructor(readonly e: Engine) {}

  async setUp(): Promise<void> {
    const r = await this.e.docker(['version', '--format', '{{.Server.Version}}']);
    if (r.exitCode !== 0) throw new Error(`${this.e.label} does not answer: ${r.stderr}`);
    const host = await execa(DOCKER, ['image', 'inspect', FRONTEND_IMAGE], { reject: false });
    if (host.exitCode !== 0) throw new Error(`${FRONTEND_IMAGE} is missing: run NODE_IMAGE=local/node:20 npm run image first`);
    await this.e.provide([FRONTEND_IMAGE, TOOLCHAIN_IMAGE]);
    this.tmp = this.e.mkdtemp('differential-');
  }

  tearDown(): void {
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Builds a case to a tar file and returns its manifest; throws with the build log on failure. */
  async buildTar(c: DiffCase, who: 'built-in' | 'ours'): Promise<string> {
    const out = path.join(this.tmp, `${c.name}.${who}.tar`);
    const r = await this.e.build(c.dir, [...buildArgv(c), ...noCache, ...(who === 'ours' ? ours : []), '-o', `type=tar,dest=${out}`]);
    if (r.exitCode !== 0) throw new Error(`${c.name}: the ${who} frontend failed on ${this.e.label}:\n${tail(r.stderr)}`);
    if (who === 'ours' && !this.e.resolvedFrontend(r.stderr, FRONTEND_IMAGE)) {
      throw new Error(`${c.name}: the build did not go through ${FRONTEND_IMAGE}:\n${tail(r.stderr)}`);
    }
    try {
      return manifest(await readTar(out));
    } finally {
      fs.rmSync(out, { force: true });
    }
  }

  /** Builds the config target into the image store, reads what docker shows of it, untags it. */
  async buildImage(c: DiffCase, who: 'built-in' | 'ours', target: string | undefined): Promise<string> {
    if (this.configFromOci(c)) {
      const out = path.join(this.tmp, `${c.name}.${who}.oci.tar`);
      const r = await this.e.build(c.dir, [...buildArgv(c, target), ...(who === 'ours' ? ours : []), '-o', `type=oci,dest=${out}`]);
      if (r.exitCode !== 0) throw new Error(`${c.name}: the ${who} frontend failed to build the OCI image on ${this.e.label}:\n${tail(r.stderr)}`);
      try {
        return imageText(await summarizeOci(out));
      } finally {
        fs.rmSync(out, { force: true });
      }
    }
    const tag = `wfdiff/${c.name}:${who === 'ours' ? 'ours' : 'builtin'}`;
    const r = await this.e.build(c.dir, [...buildArgv(c, target), ...(who === 'ours' ? ours : []), ...this.e.tagArgs(tag)]);
    if (r.exitCode !== 0) throw new Error(`${c.name}: the ${who} frontend failed to build the image on ${this.e.label}:\n${tail(r.stderr)}`);
    try {
      const inspect = await this.e.docker(['image', 'inspect', tag]);
      const history = await this.e.docker(['history', '--no-trunc', '--format', '{{json .}}', tag]);
      if (inspect.exitCode !== 0 || history.exitCode !== 0) throw new Error(`${c.name}: cannot inspect ${tag}: ${inspect.stderr}${history.stderr}`);
      return imageText(summarizeImage(inspect.stdout, history.stdout));
    } finally {
      await this.e.docker(['image', 'rm', tag]);
    }
  }

  /**
   * Docker 26's image store loads a non-linux image but cannot show it (`docker image inspect`
   * fails: its snapshot is not unpacked on this host), so such a config is read from an
   * `-o type=oci` export instead.
   */
  configFromOci(c: DiffCase): boolean {
    return this.e.id !== 'v0.8' && !!c.args.platform && !c.args.platform.startsWith('linux/');
  }

  comparesConfig(c: DiffCase): boolean {
    if (c.args.configTarget === false || c.args.oursOnly?.[this.e.id]) return false;
    // dockerd 20.10's image store refuses an os other than linux (and windows)
    return this.e.id !== 'v0.8' || !c.args.platform || c.args.platform.startsWith('linux/');
  }

  /** Builds the case's base images (built-in frontend), runs `fn`, removes them. */
  async withBaseImages(c: DiffCase, fn: () => Promise<void>): Promise<void> {
    const tags = Object.keys(c.args.baseImages ?? {});
    try {
      for (const tag of tags) {
        const dir = path.join(c.dir, c.args.baseImages![tag]);
        const r = await this.e.build(dir, this.e.tagArgs(tag));
        if (r.exitCode !== 0) throw new Error(`${c.name}: cannot build the base image ${tag}:\n${tail(r.stderr)}`);
      }
      await fn();
    } finally {
      if (tags.length) await this.e.docker(['image', 'rm', ...tags]);
    }
  }

  async runCase(c: DiffCase): Promise<void> {
    await this.withBaseImages(c, () => this.compareCase(c));
  }

  async compareCase(c: DiffCase): Promise<void> {
    const problems: string[] = [];
    if (c.args.oursOnly?.[this.e.id]) {
      const got = await this.buildTar(c, 'ours');
      const file = path.join(expectedRoot, `${c.name}.txt`);
      if (update) fs.writeFileSync(file, got);
      const want = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      const d = diffManifests(want, got, { want: `expected (${path.relative(top, file)})`, got: 'ours' });
      if (d) problems.push(`filesystem differs:\n${d}`);
    } else {
      const accepted = c.args.accept?.[this.e.id] ?? [];
      const want = await this.buildTar(c, 'built-in');
      const got = await this.buildTar(c, 'ours');
      const fsDiff = withoutAccepted(diffManifests(want, got), accepted);
      if (fsDiff.diff) problems.push(`filesystem differs:\n${fsDiff.diff}`);
      let unused = fsDiff.unused;
      if (this.comparesConfig(c)) {
        const target = c.args.configTarget || c.args.target;
        const a = await this.buildImage(c, 'built-in', target);
        const b = await this.buildImage(c, 'ours', target);
        const configDiff = withoutAccepted(diffLines(a, b), accepted);
        if (configDiff.diff) problems.push(`image config differs (target ${target ?? 'last stage'}):\n${configDiff.diff}`);
        unused = unused.filter((u) => configDiff.unused.includes(u));
      }
      for (const u of unused) problems.push(`accepted difference did not occur on ${this.e.id} (remove it from args.json): ${u.why}`);
    }
    expect(problems.join('\n\n'), `${c.name} on ${this.e.label}`).toBe('');
  }

  /**
   * Builds testdata/errors/<name> with the built-in frontend and with ours (its opts.json as
   * build flags: `{"ulimit": "nofile=1024:2048"}` is `--ulimit nofile=1024:2048`) and returns
   * what each printed after its progress: exit status, the Dockerfile excerpt, the ERROR line.
   */
  async errorCase(name: string): Promise<{ builtin: string; ours: string }> {
    const dir = path.join(errorsRoot, name);
    const optsFile = path.join(dir, 'opts.json');
    const opts = fs.existsSync(optsFile) ? (JSON.parse(fs.readFileSync(optsFile, 'utf8')) as Record<string, string>) : {};
    const flags = Object.entries(opts).flatMap(([k, v]) => [`--${k}`, v]);
    const build = async (who: 'built-in' | 'ours') => {
      const out = path.join(this.tmp, `errors-${name}.${who}.tar`);
      try {
        const r = await this.e.build(dir, [...flags, ...(who === 'ours' ? ours : []), '-o', `type=tar,dest=${out}`]);
        if (who === 'ours' && !this.e.resolvedFrontend(r.stderr, FRONTEND_IMAGE)) {
          throw new Error(`errors/${name}: the build did not go through ${FRONTEND_IMAGE}:\n${tail(r.stderr)}`);
        }
        const text = errorText(r.stderr);
        return `exit ${r.exitCode === 0 ? 0 : 'non-zero'}${text ? `\n${text}` : ''}`;
      } finally {
        fs.rmSync(out, { force: true });
      }
    };
    return { builtin: await build('built-in'), ours: await build('ours') };
  }
}

for (const id of engines) {
  const run = new EngineRun(engineById(id));
  const limit = limiter(concurrency);

  describe(`[${id}] ${run.e.label}`, () => {
    beforeAll(() => run.setUp());
    afterAll(() => run.tearDown());

    describe.concurrent('built-in frontend and ours build the same thing', () => {
      test('there are cases', () => {
        expect(cases.length + errorCases.length).toBeGreaterThan(0);
      });
      for (const c of cases) {
        const why = c.args.oursOnly?.[id];
        test(why ? `${c.name} (ours only: ${why})` : c.name, () => limit(() => run.runCase(c)));
      }
    });

    // dockerd 20.10 lacks the LLB capabilities several error cases are about, and its
    // `docker build` prints no Dockerfile excerpt: the errors are compared on Docker 26 only
    if (id !== 'v0.8' && errorCases.length > 0) {
      describe.concurrent('errors: ours prints what the built-in frontend prints', () => {
        for (const name of errorCases) {
          test(`errors/${name}`, () =>
            limit(async () => {
              const r = await run.errorCase(name);
              const d = withoutAccepted(diffLines(r.builtin, r.ours), readErrorAccept(path.join(errorsRoot, name))[id] ?? []);
              const problems = [d.diff, ...d.unused.map((u) => `accepted difference did not occur on ${id} (remove it from accept.json): ${u.why}`)];
              expect(problems.filter(Boolean).join('\n\n'), `errors/${name} on ${run.e.label}`).toBe('');
            }),
          );
        }
      });
    }
  });
}
