import { describe, expect, test } from 'vitest';
import { IgnoreMatcher, ignorePatternRegExp } from './ignorematch.js';

describe('.dockerignore matching for CopyIgnoredFile (moby/patternmatcher rules)', () => {
  test('globs stay within a path element; ** spans elements', () => {
    expect(ignorePatternRegExp('*.md').test('README.md')).toBe(true);
    expect(ignorePatternRegExp('*.md').test('docs/README.md')).toBe(false);
    expect(ignorePatternRegExp('**/*.md').test('docs/a/README.md')).toBe(true);
    expect(ignorePatternRegExp('**/*.md').test('README.md')).toBe(true);
    expect(ignorePatternRegExp('a?c').test('abc')).toBe(true);
    expect(ignorePatternRegExp('a?c').test('a/c')).toBe(false);
    expect(ignorePatternRegExp('[ab].txt').test('b.txt')).toBe(true);
    expect(ignorePatternRegExp('a.txt').test('abtxt')).toBe(false);
  });

  test('a path matches when it or a parent directory is excluded', () => {
    const m = IgnoreMatcher.of(['node_modules', 'build/*.o'])!;
    expect(m.matchesOrParentMatches('node_modules/x/index.js')).toBe(true);
    expect(m.matchesOrParentMatches('build/a.o')).toBe(true);
    expect(m.matchesOrParentMatches('src/node_modules.ts')).toBe(false);
  });

  test('no check with exceptions or without patterns; the root only for *, ** and **/*', () => {
    expect(IgnoreMatcher.of(['*.md', '!README.md'])).toBeUndefined();
    expect(IgnoreMatcher.of([])).toBeUndefined();
    expect(IgnoreMatcher.of(['*'])!.excludesRoot()).toBe(true);
    expect(IgnoreMatcher.of(['.*'])!.excludesRoot()).toBe(false);
  });
});
