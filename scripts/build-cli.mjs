// Bundles the command-line tool into one executable CommonJS file:
//   node scripts/build-cli.mjs [--out dist/cli.cjs]
// Same esbuild settings as scripts/build.mjs (the frontend bundle), plus a `#!/usr/bin/env node`
// line and the executable bit, so dist/cli.cjs works as package.json's "bin".
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'dist/cli.cjs' },
  },
  strict: true,
});

const entry = path.join(top, 'src/cli/main.ts');
const outfile = path.resolve(top, values.out);

await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  minifySyntax: true,
  minifyWhitespace: true,
  minifyIdentifiers: false,
  keepNames: true,
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
});
fs.chmodSync(outfile, 0o755);

const shown = path.relative(top, outfile).startsWith('..') ? outfile : path.relative(top, outfile);
console.log(`build-cli: ${shown} ${(fs.statSync(outfile).size / 1024).toFixed(1)} KiB`);
