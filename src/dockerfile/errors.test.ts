/**
 * Runs testdata/errors/<case>/Dockerfile through the parser and the `# check=` options, and
 * compares message and first line with expected.json. Cases the parser accepts belong to later
 * layers (the converter runs every case end to end) and are skipped here; the cases listed in
 * PARSE_LEVEL must fail in this layer.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocatedError } from '../util/located.js';
import { applyLintConfig, parseDockerfile, parseLintOptions } from './index.js';

const ROOT = join(import.meta.dirname, '../../testdata/errors');

const PARSE_LEVEL = [
  'copy-one-argument',
  'duplicate-escape-directive',
  'duplicate-stage-name',
  'env-without-value',
  'exec-form-not-strings',
  'instruction-before-from',
  'invalid-stage-name',
  'only-comments',
  'shell-not-json',
  'unknown-flag',
  'unknown-flag-in-continuation',
  'unknown-instruction',
  'unterminated-heredoc',
];

/** The first error this layer reports, or undefined when the Dockerfile parses cleanly. */
function parseError(text: string): LocatedError | undefined {
  try {
    const df = parseDockerfile(text);
    const check = df.directives.check?.split(' ')[0] ?? '';
    return applyLintConfig(df.warnings, parseLintOptions(check)).error;
  } catch (e) {
    if (e instanceof LocatedError) return e;
    throw e;
  }
}

describe('testdata/errors', () => {
  const cases = readdirSync(ROOT).filter((c) => existsSync(join(ROOT, c, 'Dockerfile')));

  it('holds every parse-level case', () => {
    expect(cases).toEqual(expect.arrayContaining(PARSE_LEVEL));
  });

  for (const name of cases) {
    const text = readFileSync(join(ROOT, name, 'Dockerfile'), 'utf8');
    const expected = JSON.parse(readFileSync(join(ROOT, name, 'expected.json'), 'utf8')) as { message: string; line?: number };
    const err = parseError(text);
    // a case without a line fails before parsing (empty-file: the converter refuses zero bytes)
    it.skipIf((!err || expected.line === undefined) && !PARSE_LEVEL.includes(name))(name, () => {
      expect(err, 'the parser accepted the Dockerfile').toBeDefined();
      expect({ message: err!.message, line: err!.ranges[0]!.start.line }).toEqual(expected);
    });
  }
});
