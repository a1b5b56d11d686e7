// Bundles an entry into one CommonJS file: the frontend for its image, or the CLI.
//   node scripts/build.mjs [--entry frontend/main.ts] [--out dist/frontend.cjs]
//   node scripts/build.mjs --entry src/cli/main.ts --out dist/cli.cjs --bin
// Syntax and whitespace are minified, identifiers and function names kept (readable stacks in
// the daemon log), no source map, no legal comments. --bin adds `#!/usr/bin/env node` and the
// executable bit, for package.json's "bin".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    entry: { type: 'string', default: 'frontend/main.ts' },
    out: { type: 'string', default: 'dist/frontend.cjs' },
    bin: { type: 'boolean', default: false },
  },
  strict: true,
});

const entry = path.resolve(top, values.entry);
const outfile = path.resolve(top, values.out);
if (!fs.existsSync(entry)) {
  console.error(`build: entry ${path.relative(top, entry)} does not exist (use --entry <file>)`);
  process.exit(1);
}

await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: values.bin ? { js: '#!/usr/bin/env node' } : undefined,
  minifySyntax: true,
  minifyWhitespace: true,
  minifyIdentifiers: false,
  keepNames: true,
  legalComments: 'none',
  sourcemap: false,
  loader: { '.json': 'json' },
  logLevel: 'warning',
});
if (values.bin) fs.chmodSync(outfile, 0o755);

// The frontend's image entry: start.cjs beside the bundle, and V8's code cache for the bundle
// made by this node (frontend/start.cjs; the image's node uses it when it is the same build).
if (!values.bin && path.basename(outfile) === 'frontend.cjs') {
  const start = path.join(path.dirname(outfile), 'start.cjs');
  fs.copyFileSync(path.join(top, 'frontend/start.cjs'), start);
  const made = spawnSync(process.execPath, [start, '--make-code-cache'], { encoding: 'utf8' });
  if (made.status !== 0) {
    console.error(`build: making the code cache failed:\n${made.stderr}`);
    process.exit(1);
  }
}

const shown = path.relative(top, outfile).startsWith('..') ? outfile : path.relative(top, outfile);
console.log(`build: ${shown} ${(fs.statSync(outfile).size / 1024).toFixed(1)} KiB`);
