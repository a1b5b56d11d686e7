import { describe, expect, it } from 'vitest';
import { ShellError, processWord, processWordWithMatches, processWords, type EnvGetter } from './index.js';

const env = (vars: Record<string, string>): EnvGetter => (name) =>
  Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined;

const ERR = Symbol('error');

describe('processWord: quotes, escapes and $ forms', () => {
  const vars = env({ PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '' });
  const cases: [string, string | typeof ERR][] = [
    ['hello', 'hello'],
    ["he'll'o", 'hello'],
    ["he'llo", ERR],
    ["he\\'llo", "he'llo"],
    ["he\\\\'llo", ERR],
    ['abc\\tdef', 'abctdef'],
    ['"abc\\tdef"', 'abc\\tdef'],
    ['"abc\\\\tdef"', 'abc\\tdef'],
    ["'abc\\tdef'", 'abc\\tdef'],
    ['hello\\', 'hello'],
    ['hello\\\\', 'hello\\'],
    ['"hello', ERR],
    ['"hello\\"', ERR],
    ['"hel\'lo"', "hel'lo"],
    ["'hello", ERR],
    ["'hello\\'", 'hello\\'],
    ["'hello\\there'", 'hello\\there'],
    ['"\'\'"', "''"],
    ['$.', '$.'],
    ['he$1x', 'hex'],
    ['he$.x', 'he$.x'],
    ['he$pwd.', 'he.'],
    ['he$PWD', 'he/home'],
    ['he\\$PWD', 'he$PWD'],
    ['he\\\\$PWD', 'he\\/home'],
    ['"he\\$PWD"', 'he$PWD'],
    ['"he\\\\$PWD"', 'he\\/home'],
    ['\\${}', '${}'],
    ['he\\${}xx', 'he${}xx'],
    ['${}', ERR],
    ['he${}xx', ERR],
    ['he${hi}xx', 'hexx'],
    ['he${PWD}', 'he/home'],
    ['he${.}', ERR],
    ['he${XXX:-000}xx', 'he000xx'],
    ['he${PWD:-000}xx', 'he/homexx'],
    ['he${XXX:-$PWD}xx', 'he/homexx'],
    ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'],
    ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'],
    ['he${XXX:YYY}', ERR],
    ['he${XXX?}', ERR],
    ['he${XXX:?}', ERR],
    ['he${PWD?}', 'he/home'],
    ['he${NULL?}', 'he'],
    ['he${NULL:?}', ERR],
    ['he${XXX:+${PWD}}xx', 'hexx'],
    ['he${PWD:+${SHELL}}xx', 'hebashxx'],
    ['he${PWD:+000}xx', 'he000xx'],
    ["'he${XX}'", 'he${XX}'],
    ['"he\'$PWD\'"', "he'/home'"],
    ["'\\$PWD'", '\\$PWD'],
    ['he${PWD', ERR],
    ['he${PWD:=000}xx', ERR],
    ['he${PWD:+${PWD}:}xx', 'he/home:xx'],
    ['he${XXX:-\\$PWD:}xx', 'he$PWD:xx'],
    ['he${XXX:-\\${PWD}z}xx', 'he${PWDz}xx'],
    ["안'녕'하세요", '안녕하세요'],
    ['안녕$KOREAN', '안녕한국어'],
    ['${{aaa}', ERR],
    ['${aaa}}', '}'],
    ['${aaa:-bbb}}', 'bbb}'],
    ['${aaa:-bbb', ERR],
    ['${aaa:-bbb ${foo}', ERR],
    ['${aaa:-bbb {foo}', 'bbb {foo'],
    ['${:}', ERR],
    ['${:-bbb}', ERR],
    ['$1', ''],
    ['${999:-bbb}aaa', 'bbbaaa'],
    ['$001aaa', 'aaa'],
    ['$@@@', '@@'],
    ['${#:-bbb}', 'bbb'],
    ['$$', ''],
    ['${!:+bbb}', ''],
    ['$0', ''],
  ];
  it.each(cases)('%s', (input, want) => {
    if (want === ERR) expect(() => processWord(input, vars)).toThrow(ShellError);
    else expect(processWord(input, vars)).toBe(want);
  });
});

describe('error messages', () => {
  const msg = (word: string, vars: Record<string, string> = {}) => {
    try {
      processWord(word, env(vars));
    } catch (e) {
      expect(e).toBeInstanceOf(ShellError);
      return (e as ShellError).message;
    }
    throw new Error('no error');
  };
  it('names the variable for ${x:?msg} and ${x?msg}', () => {
    expect(msg('${x:?msg}')).toBe('failed to process "${x:?msg}": x: msg');
    expect(msg('${x?}')).toBe('failed to process "${x?}": x: is not allowed to be unset');
    expect(msg('${x:?}', { x: '' })).toBe('failed to process "${x:?}": x: is not allowed to be empty');
    expect(msg('${VAR:?message here$ARG}', { VAR: '', ARG: 'x' })).toContain('VAR: message herex');
  });
  it('reports bad substitutions like BuildKit', () => {
    expect(msg('${}')).toBe('failed to process "${}": syntax error: bad substitution');
    expect(msg('${')).toBe('failed to process "${": syntax error: missing \'}\'');
    expect(msg('${a:-b')).toBe('failed to process "${a:-b": syntax error: missing \'}\'');
    expect(msg('${a/b')).toBe('failed to process "${a/b": syntax error: missing \'/\' in ${}');
    expect(msg('${a=b}')).toBe('failed to process "${a=b}": unsupported modifier (=) in substitution');
    expect(msg('${a:=b}')).toBe('failed to process "${a:=b}": unsupported modifier (:=) in substitution');
    expect(msg('${a:#b}')).toBe('failed to process "${a:#b}": unsupported modifier (:#) in substitution');
    expect(msg('${aaa')).toBe('failed to process "${aaa": unsupported modifier (\ufffd) in substitution');
  });
  it('reports unterminated quotes', () => {
    expect(msg("'a")).toBe('failed to process "\'a": unexpected end of statement while looking for matching single-quote');
    expect(msg('"a')).toBe('failed to process "\\"a": unexpected end of statement while looking for matching double-quote');
  });
  it('reports invalid patterns', () => {
    expect(msg('${v#$p}', { v: 'x', p: 'a\\b' })).toBe(
      'failed to process "${v#$p}": invalid pattern (a\\b) in substitution: invalid escape \'\\b\'',
    );
    expect(msg('${v#$p}', { v: 'x', p: '\\' })).toContain("invalid escape '\\\ufffd'");
  });
  it('quotes the word with Go %q rules', () => {
    expect(msg('"\t\u00a0')).toBe('failed to process "\\"\\t\\u00a0": unexpected end of statement while looking for matching double-quote');
  });
});

describe('processWordWithMatches', () => {
  const cases: [string, Record<string, string>, string | typeof ERR, string[], string[]][] = [
    ['x', { DUMMY: 'dummy' }, 'x', [], []],
    ['x ${UNUSED}', { DUMMY: 'dummy' }, 'x ', [], ['UNUSED']],
    ['${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', { FOO: 'xxx', BAR: '' }, 'xxx  ccc', ['FOO', 'BAR'], ['BAZ']],
    ['${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}', { FOO: 'xxx', BAR: '' }, 'xxx bbb ccc', ['FOO', 'BAR'], ['BAZ']],
    ['${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}', { FOO: 'xxx', BAR: '' }, 'aaa bbb ', ['FOO', 'BAR'], ['BAZ']],
    ['${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}', { FOO: 'xxx', BAR: '' }, 'aaa  ', ['FOO', 'BAR'], ['BAZ']],
    ['${BAR?bbb}', { BAR: '' }, '', ['BAR'], []],
    ['${FOO#()[]{\\}^$.\\*\\?|\\\\}', { FOO: '()[]{}^$.*?|\\x' }, 'x', ['FOO'], []],
    ['${FOO%%\\**}', { FOO: 'xx**' }, 'xx', ['FOO'], []],
    ['${FOO#*x*y}', { FOO: 'xxyy' }, 'y', ['FOO'], []],
    ['${FOO#*}', { FOO: 'xxyy' }, 'xxyy', ['FOO'], []],
    ['${FOO#$BAR}', { FOO: 'xxyy', BAR: 'x' }, 'xyy', ['FOO', 'BAR'], []],
    ['${FOO##*x}', { FOO: 'xxyy' }, 'yy', ['FOO'], []],
    ['${FOO#?\\?}', { FOO: '???y' }, '?y', ['FOO'], []],
    ['${ABC:-.}${FOO%x}${ABC:-.}', { FOO: 'xxyy' }, '.xxyy.', ['FOO'], ['ABC']],
    ['${FOO%%\\**\\*}', { FOO: 'a***yy*' }, 'a', ['FOO'], []],
    ['${FOO%y*}', { FOO: 'xxyy' }, 'xxy', ['FOO'], []],
    ['${FOO%%y*}', { FOO: 'xxyy' }, 'xx', ['FOO'], []],
    ['${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }, '/foo.*/*.txt - /foo..*.txt', ['FOO', 'NEEDLE'], []],
    ['${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }, '/tmp/bar.txt - /bar.txt', ['FOO', 'NEEDLE'], []],
    ['${FOO/$N/$R} - ${FOO//$N/$R}', { FOO: '/a/foo/b/c.txt', N: '/?/', R: '/' }, '/foo/b/c.txt - /foo/c.txt', ['FOO', 'N', 'R'], []],
    ['${FOO//\\//\\/}', { FOO: '/tmp/foo.txt' }, '\\/tmp\\/foo.txt', ['FOO'], []],
    ['${FOO/$BAR/ww}', { FOO: 'xxyy', BAR: '' }, 'wwxxyy', ['FOO', 'BAR'], []],
    ['${FOO//ww}', { FOO: 'xxyy' }, ERR, [], []],
    ['${FOO///}', { FOO: 'xxyy' }, 'xxyy', ['FOO'], []],
    ['${FOO///}', {}, '', [], ['FOO']],
    ['${FOO:#}', {}, ERR, [], []],
    ['${FOO=:aaa}', { FOO: 'xxx' }, ERR, [], []],
  ];
  it.each(cases)('%s', (input, vars, want, matched, unmatched) => {
    if (want === ERR) {
      expect(() => processWordWithMatches(input, env(vars))).toThrow(ShellError);
      return;
    }
    const r = processWordWithMatches(input, env(vars));
    expect(r.result).toBe(want);
    expect([...r.matched].sort()).toEqual([...matched].sort());
    expect([...r.unmatched].sort()).toEqual([...unmatched].sort());
  });

  it('expands the release-name idiom with an optional variant', () => {
    const w = 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz';
    const base = { VERSION: 'v1.2.3', TARGETOS: 'linux' };
    expect(processWord(w, env({ ...base, TARGETARCH: 'arm', TARGETVARIANT: 'v7' }))).toBe('something-v1.2.3.linux-arm-v7.tar.gz');
    expect(processWord(w, env({ ...base, TARGETARCH: 'arm64', TARGETVARIANT: '' }))).toBe('something-v1.2.3.linux-arm64.tar.gz');
    expect(processWord(w, env({ ...base, TARGETARCH: 'arm64' }))).toBe('something-v1.2.3.linux-arm64.tar.gz');
  });
});

describe('${v//p/r} follows Go ReplaceAllString', () => {
  const v = (vars: Record<string, string>, w: string) => processWord(w, env(vars));
  it('treats the replacement as a Go template', () => {
    expect(v({ F: 'aXb', R: '<$0>' }, '${F//X/$R}')).toBe('a<X>b');
    expect(v({ F: 'aXb', R: '$$' }, '${F//X/$R}')).toBe('a$b');
    expect(v({ F: 'aXb', R: '$1z' }, '${F//X/$R}')).toBe('ab');
    expect(v({ F: 'aXb', R: '$}' }, '${F//X/$R}')).toBe('a$}b');
    expect(v({ F: 'aXb', R: '$0' }, '${F/X/$R}')).toBe('a$0b');
  });
  it('skips empty matches that follow a match', () => {
    expect(v({ F: 'ab' }, '${F//*/-}')).toBe('-');
    expect(v({ F: 'ab' }, '${F///-}')).toBe('-a-b-');
  });
  it('does not let ? or * cross a newline', () => {
    expect(v({ F: 'a\nb' }, '${F#a?}')).toBe('a\nb');
    expect(v({ F: 'a\rb' }, '${F#a?}')).toBe('b');
  });
});

describe('options', () => {
  it('skipUnsetEnv leaves unset references as written', () => {
    const e = env({ SET: 'v' });
    const o = { skipUnsetEnv: true };
    expect(processWord('$SET $UNSET ${UNSET} ${UNSET:-d} ${U//a/b}', e, o)).toBe('v $UNSET ${UNSET} ${UNSET:-d} ${U/a/b}');
    expect(processWord('${SET:-d}', e, o)).toBe('v');
  });
  it('backtick escape token', () => {
    const e = env({ X: 'x' });
    const o = { escapeToken: '`' } as const;
    expect(processWord('a`$X\\b', e, o)).toBe('a$X\\b');
    expect(processWord('"a`"b\\"', e, o)).toBe('a"b\\');
    expect(processWord('C:\\dir\\$X', e, o)).toBe('C:\\dir\\x');
  });
  it('skipProcessQuotes keeps quotes as characters', () => {
    expect(processWord('"a b" \'$X\'', env({ X: 'x' }), { skipProcessQuotes: true })).toBe('"a b" \'x\'');
  });
  it('rawQuotes and rawEscapes keep the characters but honour their meaning', () => {
    expect(processWord('"a\\"$X" \'$X\' \\$X', env({ X: 'x' }), { rawQuotes: true, rawEscapes: true })).toBe('"a\\"x" \'$X\' \\$X');
  });
  it('drops a leading byte order mark like Go text/scanner', () => {
    expect(processWord('\ufeffa', env({}))).toBe('a');
  });
});

describe('processWords', () => {
  const vars = env({ hi: 'hi', space: 'abc  def', leading: '  ab c', trailing: 'ab c   ' });
  const cases: [string, string[] | typeof ERR][] = [
    ['hello', ['hello']],
    ['hello${hi}bye', ['hellohibye']],
    ['hello${space}bye', ['helloabc', 'defbye']],
    ['hello"${space}"bye', ['helloabc  defbye']],
    ['hello "${space}"bye', ['hello', 'abc  defbye']],
    ['hello${leading}def', ['hello', 'ab', 'cdef']],
    ['hello"${leading}" def', ['hello  ab c', 'def']],
    ['hello${trailing}', ['helloab', 'c']],
    ['hello${trailing}d', ['helloab', 'c', 'd']],
    ['hello"${trailing}"d', ['helloab c   d']],
    ['hel"lo${trailing}"', ['helloab c   ']],
    ['hello" there  "', ['hello there  ']],
    ['hello there     ', ['hello', 'there']],
    ['hello\\ there', ['hello there']],
    ['hello" there', ERR],
    ['hello\\" there', ['hello"', 'there']],
    ['hello"\\\\there"', ['hello\\there']],
    ["hello'\\\\there'", ['hello\\\\there']],
    ["hello'$there'", ['hello$there']],
    ['a "" b', ['a', 'b']],
    ['cat <<  EOF x', ['cat', '<<  EOF', 'x']],
  ];
  it.each(cases)('%s', (input, want) => {
    if (want === ERR) expect(() => processWords(input, vars)).toThrow(ShellError);
    else expect(processWords(input, vars)).toEqual(want);
  });
  it('keeps BuildKit\'s reset of the word buffer by nested operands', () => {
    expect(processWords('abc${x:-y}', env({}))).toEqual(['y']);
    expect(processWord('abc${x:-y}', env({}))).toBe('abcy');
  });
});
