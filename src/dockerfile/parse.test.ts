import { describe, expect, it } from 'vitest';
import { applyLintConfig, parseDockerfile, parseLintOptions } from './index.js';
import { located } from './testutil.js';

describe('stages', () => {
  it('collects meta ARGs, stages and their commands', () => {
    const df = parseDockerfile('ARG V=1\nARG B\nFROM a:$V AS build\nARG X\nRUN make\n\nFROM scratch\nCOPY --from=build /o /o\n');
    expect(df.metaArgs.map((a) => a.args)).toEqual([[{ key: 'V', value: '1' }], [{ key: 'B' }]]);
    expect(df.stages.map((s) => [s.name, s.from.image, s.commands.map((c) => c.kind)])).toEqual([
      ['build', 'a:$V', ['arg', 'run']],
      [undefined, 'scratch', ['copy']],
    ]);
    expect(df.stages[0]!.range).toEqual({ start: { line: 3, character: 0 }, end: { line: 5, character: 8 } });
    expect(df.directives).toEqual({ escape: '\\', syntax: undefined, check: undefined });
  });
  it('rejects instructions before the first FROM other than ARG', () => {
    expect(located(() => parseDockerfile('ARG A\nRUN x\nFROM a'))).toEqual({
      message: 'no build stage in current context',
      line: 2,
      endLine: 2,
    });
  });
  it('requires at least one stage', () => {
    expect(located(() => parseDockerfile('ARG A\nARG B\n'))).toMatchObject({ message: 'dockerfile contains no stages to build', line: 2 });
  });
  it('reports parser errors before instruction errors, like BuildKit', () => {
    expect(located(() => parseDockerfile('FROM a\nCOPPY x y\nENV PATH\n'))).toMatchObject({
      message: 'ENV must have two arguments',
      line: 3,
    });
  });
  it('locates instruction errors over all their lines', () => {
    expect(located(() => parseDockerfile('FROM a\nCOPY \\\n  --chmdo=1 \\\n  a b\n'))).toEqual({
      message: 'dockerfile parse error on line 2: unknown flag: --chmdo (did you mean chmod?)',
      line: 2,
      endLine: 4,
    });
  });
  it('reads directives', () => {
    const df = parseDockerfile('#!/usr/bin/env buildctl\n# syntax = example.com/f:1 --x\n# check=skip=all;error=true\nFROM a\n');
    expect(df.directives).toEqual({ syntax: 'example.com/f:1 --x', check: 'skip=all;error=true', escape: '\\' });
    expect(parseDockerfile('# escape=`\nFROM a').directives.escape).toBe('`');
    expect(parseDockerfile('FROM a\n# syntax=x\n').directives.syntax).toBeUndefined();
  });
});

describe('warnings', () => {
  const rules = (text: string) => parseDockerfile(text).warnings.map((w) => [w.rule, w.message, w.range.start.line]);
  it('reports stage name problems', () => {
    expect(rules('FROM a AS x\nFROM b AS X\nFROM c AS scratch\n')).toEqual([
      ['StageNameCasing', "Stage name 'X' should be lowercase", 2],
      ['DuplicateStageName', 'Duplicate stage name "x", stage names should be unique', 2],
      ['ReservedStageName', 'Stage name should not use the same name as reserved stage "scratch"', 3],
    ]);
  });
  it('reports keyword casing', () => {
    expect(rules('FROM a as b\n')).toEqual([['FromAsCasing', "'as' and 'FROM' keywords' casing do not match", 1]]);
    expect(rules('from a AS b\nrun x\nRUN y\nRun z\n')).toEqual([
      ['FromAsCasing', "'AS' and 'from' keywords' casing do not match", 1],
      ['ConsistentInstructionCasing', "Command 'RUN' should match the case of the command majority (lowercase)", 3],
      ['ConsistentInstructionCasing', "Command 'Run' should match the case of the command majority (lowercase)", 4],
    ]);
  });
  it('reports MAINTAINER and empty continuation lines; legacy ENV is a dispatch check (BuildKit v0.14+)', () => {
    expect(rules('FROM a\nMAINTAINER me\nENV a b\nLABEL a=b\nRUN a \\\n\n  b\n')).toEqual([
      ['NoEmptyContinuation', 'Empty continuation line', 7],
      ['MaintainerDeprecated', 'Maintainer instruction is deprecated in favor of using label', 2],
    ]);
  });
  it('keeps the comments above each instruction and reads a # check= among them', () => {
    const text = '# check=skip=all\n# one\n\n# two\nFROM a\n#\n# check=skip=MaintainerDeprecated // why\nMAINTAINER m\nARG X\n';
    const parsed = parseDockerfile(text);
    expect(parsed.stages[0]!.from.comments).toEqual(['one', 'two']);
    expect(parsed.stages[0]!.commands.map((c) => c.comments)).toEqual([['check=skip=MaintainerDeprecated // why'], []]);
    expect(parsed.warnings[0]!.local).toMatchObject({ skip: ['MaintainerDeprecated'] });
    expect(applyLintConfig(parsed.warnings, parseLintOptions('')).warnings).toEqual([]);
  });
  it('InvalidDefinitionDescription is experimental and names the key', () => {
    const text = '# check=experimental=InvalidDefinitionDescription\n# bar the bar\nARG foo=bar\n# BasE the base\nFROM scratch AS base\n# x\nARG a b\n# a fine\nARG a\n';
    const parsed = parseDockerfile(text);
    const msgs = (cfg: string) => applyLintConfig(parsed.warnings, parseLintOptions(cfg)).warnings.map((w) => [w.message, w.range.start.line]);
    expect(msgs('')).toEqual([]);
    expect(msgs('experimental=InvalidDefinitionDescription')).toEqual([
      ['Comment for ARG should follow the format: `# foo <description>`', 3],
      ['Comment for FROM should follow the format: `# base <description>`', 5],
      ['Comment for ARG should follow the format: `# <arg_key> <description>`', 7],
    ]);
    // skip=all does not turn experimental rules off, as in BuildKit's Linter.Run
    expect(msgs('skip=all;experimental=all')).toHaveLength(3);
  });
  it('carries the documentation url', () => {
    expect(parseDockerfile('FROM a AS x\nFROM b AS x').warnings[0]!.url).toBe(
      'https://docs.docker.com/go/dockerfile/rule/duplicate-stage-name/',
    );
  });
});

describe('check options', () => {
  it('parses BuildKit check options', () => {
    expect(parseLintOptions('skip=A, B;error=true')).toMatchObject({ skip: ['A', 'B'], error: true });
    expect(parseLintOptions('skip=all;experimental=all')).toMatchObject({ skipAll: true, experimentalAll: true });
    expect(() => parseLintOptions('bogus')).toThrow('invalid check option "bogus"');
    expect(() => parseLintOptions('x=1')).toThrow('invalid check option "x"');
    expect(() => parseLintOptions('error=maybe')).toThrow(
      'failed to parse check option "error=maybe": strconv.ParseBool: parsing "maybe": invalid syntax',
    );
  });
  it('filters warnings and fails with error=true', () => {
    const { warnings } = parseDockerfile('FROM a AS x\nMAINTAINER m\nFROM b AS x\n');
    expect(applyLintConfig(warnings, parseLintOptions('skip=MaintainerDeprecated')).warnings.map((w) => w.rule)).toEqual([
      'DuplicateStageName',
    ]);
    const { error } = applyLintConfig(warnings, parseLintOptions('error=true'));
    expect(error?.message).toBe('lint violation found for rules: MaintainerDeprecated, DuplicateStageName');
    expect(error?.ranges.map((r) => r.start.line)).toEqual([2, 3]);
    expect(applyLintConfig(warnings, parseLintOptions('skip=all;error=true')).error).toBeUndefined();
  });
});
