/** docker-bake.hcl holds the targets and values the issue asks for, and agrees with the repository. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateBake, groupTargets } from './hcl.js';
import { REPO } from './testing.js';

const src = fs.readFileSync(path.join(REPO, 'docker-bake.hcl'), 'utf8');
const bake = evaluateBake(src);

/** testdata/<name> directories holding a Dockerfile: the examples. */
function examples(): string[] {
  const dir = path.join(REPO, 'testdata');
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'Dockerfile')))
    .map((e) => e.name)
    .sort();
}

/** The LABEL values of the top-level Dockerfile. */
function dockerfileLabels(): Record<string, string> {
  const text = fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const out: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => /^LABEL\s/.test(l))) {
    for (const m of line.matchAll(/([\w.-]+)="([^"]*)"/g)) out[m[1]] = m[2];
  }
  return out;
}

describe('docker-bake.hcl', () => {
  it('has the variables, with defaults', () => {
    expect(bake.variables).toEqual({
      REGISTRY: 'local',
      TAG: 'dev',
      NODE_IMAGE: 'docker.io/library/node:20-bookworm-slim',
      FRONTEND_IMAGE: 'local/wasm-frontend:dev',
      EXAMPLES_OUT: 'out/examples',
    });
  });

  it('frontend: the Dockerfile for linux/amd64 and linux/arm64, tagged from REGISTRY and TAG', () => {
    const t = bake.targets.frontend;
    expect(t).toMatchObject({
      context: '.',
      dockerfile: 'Dockerfile',
      platforms: ['linux/amd64', 'linux/arm64'],
      tags: ['local/wasm-frontend:dev'],
      args: { NODE_IMAGE: 'docker.io/library/node:20-bookworm-slim' },
    });
    expect(t.output).toBeUndefined();
    const ci = evaluateBake(src, { REGISTRY: 'ghcr.io/owner', TAG: 'edge', NODE_IMAGE: 'local/node:20' });
    expect(ci.targets.frontend).toMatchObject({ tags: ['ghcr.io/owner/wasm-frontend:edge'], args: { NODE_IMAGE: 'local/node:20' } });
    expect(ci.targets['example-c-hello'].args).toEqual({ BUILDKIT_SYNTAX: 'ghcr.io/owner/wasm-frontend:edge' });
    expect(evaluateBake(src, { FRONTEND_IMAGE: 'localhost:5000/f:1' }).targets['example-c-hello'].args).toEqual({ BUILDKIT_SYNTAX: 'localhost:5000/f:1' });
  });

  it('frontend labels agree with the Dockerfile\'s LABEL, caps included', () => {
    const labels = bake.targets.frontend.labels as Record<string, string>;
    const fromDockerfile = dockerfileLabels();
    expect(Object.keys(fromDockerfile)).toEqual(expect.arrayContaining(['moby.buildkit.frontend.caps', 'moby.buildkit.frontend.network.none']));
    for (const [k, v] of Object.entries(fromDockerfile)) expect(labels[k], k).toBe(v);
    expect(labels).toHaveProperty(['moby.buildkit.frontend.caps']);
  });

  it('default builds frontend-local: the same image, one platform, loaded into docker', () => {
    expect(groupTargets(bake, 'default')).toEqual(['frontend-local']);
    const t = bake.targets['frontend-local'];
    expect(t).toMatchObject({ context: '.', dockerfile: 'Dockerfile', tags: ['local/wasm-frontend:dev'], output: ['type=docker'] });
    expect(t.platforms).toBeUndefined();
    expect(t.labels).toEqual(bake.targets.frontend.labels);
  });

  it('examples: one target per testdata example, each for wasi/wasm through the frontend, provenance off', () => {
    const names = examples();
    expect(names.length).toBeGreaterThanOrEqual(2);
    const targets = groupTargets(bake, 'examples');
    const missing = names.filter((n) => !targets.includes(`example-${n}`));
    expect(missing, `testdata examples without a target in docker-bake.hcl (copy an example-* target and add it to group "examples"): ${missing.join(', ')}`).toEqual([]);
    expect(targets).toEqual(names.map((n) => `example-${n}`));
    for (const name of names) {
      const t = bake.targets[`example-${name}`];
      expect(t.context, name).toBe(`testdata/${name}`);
      expect(t.args, name).toEqual({ BUILDKIT_SYNTAX: 'local/wasm-frontend:dev' });
      expect(t.attest, name).toEqual(['type=provenance,disabled=true']);
      expect(t.tags, name).toEqual([`local/wasm-example-${name}:dev`]);
      expect(t.output, name).toEqual([`type=local,dest=out/examples/${name}`]);
      expect(t.platforms as string[], name).toContain('wasi/wasm');
      expect(t.dockerfile, name).toBeUndefined();
    }
  });

  it('rust-multi builds linux/amd64 beside wasi/wasm; the others wasi/wasm alone', () => {
    for (const name of examples()) {
      const platforms = bake.targets[`example-${name}`].platforms;
      expect(platforms, name).toEqual(name === 'rust-multi' ? ['linux/amd64', 'wasi/wasm'] : ['wasi/wasm']);
    }
  });

  it('validate: typecheck and tests in containers, from a Dockerfile that has those stages', () => {
    expect(groupTargets(bake, 'validate')).toEqual(['validate-typecheck', 'validate-test']);
    const dockerfile = 'test/cli/validate.Dockerfile';
    const text = fs.readFileSync(path.join(REPO, dockerfile), 'utf8');
    for (const [name, stage, command] of [
      ['validate-typecheck', 'typecheck', 'npx tsc --noEmit'],
      ['validate-test', 'test', 'npx vitest run'],
    ]) {
      const t = bake.targets[name];
      expect(t).toMatchObject({ context: '.', dockerfile, target: stage, output: ['type=cacheonly'], args: { NODE_IMAGE: 'docker.io/library/node:20-bookworm-slim' } });
      expect(text).toMatch(new RegExp(`^FROM \\S+ AS ${stage}\\n(?:.*\\n)*?RUN ${command.replace(/ /g, ' ')}`, 'm'));
    }
    // The root .dockerignore keeps only the frontend bundle; validate needs its own.
    expect(fs.readFileSync(path.join(REPO, `${dockerfile}.dockerignore`), 'utf8')).toMatch(/^\*\*\/node_modules$/m);
  });

  it('every group names existing targets, every target reads existing files', () => {
    for (const [group, g] of Object.entries(bake.groups)) {
      for (const t of g.targets) expect(bake.targets[t] ?? bake.groups[t], `group "${group}" names "${t}"`).toBeDefined();
    }
    for (const [name, t] of Object.entries(bake.targets)) {
      if (name.startsWith('_')) continue;
      const context = path.join(REPO, String(t.context ?? '.'));
      expect(fs.existsSync(context), `${name}: context ${t.context}`).toBe(true);
      expect(fs.existsSync(path.join(context, String(t.dockerfile ?? 'Dockerfile'))), `${name}: dockerfile`).toBe(true);
    }
  });
});

describe('evaluateBake (the HCL subset)', () => {
  it('reads blocks, comments, interpolation, lists, objects and inherits', () => {
    const f = evaluateBake(
      `
      # comment
      variable "A" { default = "a" }
      variable "B" {
        default = "\${A}-b" // trailing comment
      }
      /* block
         comment */
      group "g" { targets = ["t"] }
      target "base" {
        args = { X = "1", "Y.Z" = B }
        labels = { keep = "k" }
        platforms = ["linux/amd64"]
        no-cache = true
        shm-size = 64
      }
      target "t" {
        inherits = ["base"]
        args = { X = "2" }
        platforms = ["wasi/wasm",]
        tags = ["$\${literal}"]
      }
      `,
      { A: 'env' },
    );
    expect(f.variables).toEqual({ A: 'env', B: 'env-b' });
    expect(f.targets.t).toEqual({ args: { X: '2', 'Y.Z': 'env-b' }, labels: { keep: 'k' }, platforms: ['wasi/wasm'], 'no-cache': true, 'shm-size': 64, tags: ['${literal}'] });
    expect(groupTargets(f, 'g')).toEqual(['t']);
  });

  it.each([
    ['target "t" { tags = [upper("x")] }', /line 1: unexpected character "\("/],
    ['target "t" { context = <<EOT\nx\nEOT\n}', /heredocs are not supported/],
    ['target "t" { platform = ["x"] }', /target "t": unknown attribute "platform"/],
    ['target "t" { tags = ["${A}"] }', /unknown variable "A"/],
    ['variable "A" { default = "${B}" }\nvariable "B" { default = "${A}" }', /variable cycle not allowed/],
    ['target "t" { inherits = ["u"] }', /inherits unknown target "u"/],
    ['target "t" { tags = ["${A + 1}"] }', /unsupported interpolation/],
    ['target "t" {\n  context = "x" "y"\n}', /line 2: unsupported expression/],
  ])('refuses %j', (text, message) => {
    expect(() => evaluateBake(text)).toThrow(message);
  });
});
