import { describe, expect, it } from 'vitest';
import { scan } from './scan.js';
import { located } from './testutil.js';

const lines = (text: string) => scan(text).nodes.map((n) => [n.range.start.line, n.range.end.line]);
const originals = (text: string) => scan(text).nodes.map((n) => n.original);

describe('logical lines', () => {
  it('joins continuation lines without the escape token', () => {
    expect(originals('FROM a\nRUN echo a \\\n  b \\\n  c\n')).toEqual(['FROM a', 'RUN echo a   b   c']);
    expect(lines('FROM a\nRUN echo a \\\n  b \\\n  c\n')).toEqual([[1, 1], [2, 4]]);
  });
  it('accepts blanks after the escape token and keeps the text as written', () => {
    expect(originals('RUN a\\ \t\nb  \n')).toEqual(['RUN ab  ']);
  });
  it('drops comment lines inside a continuation, even one looking like an instruction start', () => {
    expect(originals('RUN a \\\n# comment\n  b \\\n    # indented\n  c\n')).toEqual(['RUN a   b   c']);
    expect(originals('RUN a \\\n# c\nRUN b\n')).toEqual(['RUN a RUN b']);
  });
  it('does not continue after an escaped escape token', () => {
    expect(originals('RUN echo \\\\\nRUN b\n')).toEqual(['RUN echo \\\\', 'RUN b']);
    expect(originals('RUN a\\\\\\\nRUN b\n')).toEqual(['RUN a\\\\\\', 'RUN b']);
  });
  it('skips empty continuation lines and reports them at the instruction end', () => {
    const r = scan('FROM a\nRUN something \\\n\n    following \\\n\n    more\nRUN ok\n');
    expect(r.nodes.map((n) => n.original)).toEqual(['FROM a', 'RUN something     following     more', 'RUN ok']);
    expect(r.emptyContinuations).toEqual([{ line: 6, instruction: 'RUN something     following     more' }]);
  });
  it('handles a continuation at the end of the file', () => {
    expect(originals('FROM a\nRUN a \\')).toEqual(['FROM a', 'RUN a ']);
    expect(lines('FROM a\nRUN a \\\n\n\n')).toEqual([[1, 1], [2, 4]]);
  });
  it('starts an instruction from a line holding only the escape token', () => {
    expect(originals('\\\nFROM a\n')).toEqual(['FROM a']);
    expect(lines('\\\nFROM a\n')).toEqual([[1, 2]]);
  });
  it('strips a byte order mark, CRLF line endings and leading blanks', () => {
    expect(originals('\ufeffFROM a\r\nRUN b \\\r\n  c\r\n   RUN d\t\n')).toEqual(['FROM a', 'RUN b   c', 'RUN d\t']);
  });
  it('gives ranges from the keyword to the end of the last line', () => {
    const [, run] = scan('FROM a\n  RUN b \\\n   cc\n').nodes;
    expect(run!.range).toEqual({ start: { line: 2, character: 2 }, end: { line: 3, character: 5 } });
  });
});

describe('directives', () => {
  it('reads escape only at the top and switches the continuation token', () => {
    const r = scan('# escape=`\nFROM a\nRUN dir c:\\ `\n  d\n');
    expect(r.escapeToken).toBe('`');
    expect(r.nodes.map((n) => n.original)).toEqual(['FROM a', 'RUN dir c:\\   d']);
    expect(scan('  # Escape = ` \nFROM a').escapeToken).toBe('`');
  });
  it('ignores escape after a blank line, another comment or a shebang', () => {
    expect(scan('\n# escape=`\nFROM a').escapeToken).toBe('\\');
    expect(scan('# hello\n# escape=`\nFROM a').escapeToken).toBe('\\');
    expect(scan('#!/bin/x\n# escape=`\nFROM a').escapeToken).toBe('\\');
    expect(scan('# syntax=x\n# check=skip=all\n# escape=`\nFROM a').escapeToken).toBe('`');
  });
  it('rejects repeated directives and bad escape tokens, at the line before (as BuildKit does)', () => {
    expect(located(() => scan('# escape=\\\n# escape=`\nFROM a'))).toMatchObject({
      message: 'only one escape parser directive can be used',
      line: 1,
    });
    expect(located(() => scan('# syntax=a\n# SYNTAX=b\nFROM a'))).toMatchObject({ message: 'only one syntax parser directive can be used' });
    expect(located(() => scan('# escape=x\nFROM a'))).toMatchObject({
      message: "invalid escape token 'x' does not match ` or \\",
      line: 0,
    });
  });
});

describe('arguments by keyword', () => {
  const node = (line: string) => scan(line).nodes[0]!;
  it('exec form only for a valid JSON array of strings', () => {
    expect(node('CMD ["a", "b c"]')).toMatchObject({ args: ['a', 'b c'], json: true });
    expect(node('RUN []')).toMatchObject({ args: [], json: true });
    expect(node("CMD ['a']")).toMatchObject({ args: ["['a']"], json: false });
    expect(node('CMD ["a", "b"')).toMatchObject({ args: ['["a", "b"'], json: false });
    expect(node('CMD [ "echo", "\\"nested\\"" ]')).toMatchObject({ args: ['echo', '"nested"'], json: true });
    expect(node('ENTRYPOINT ["\\ud800x"]').args).toEqual(['\ufffdx']);
  });
  it('rejects arrays with non-strings', () => {
    const msg = 'when using JSON array syntax, arrays must be comprised of strings only';
    expect(located(() => scan('FROM a\nCMD [ "echo", [ "nested json" ] ]'))).toMatchObject({ message: msg, line: 2 });
    expect(located(() => scan('COPY ["a", 1]'))).toMatchObject({ message: msg });
  });
  it('splits ADD/COPY/VOLUME shell form on whitespace only', () => {
    expect(node('COPY  a\tb  c').args).toEqual(['a', 'b', 'c']);
    expect(node('VOLUME ["/a", "/b"]').args).toEqual(['/a', '/b']);
  });
  it('keeps the whole remainder for RUN, WORKDIR, USER, MAINTAINER, STOPSIGNAL', () => {
    expect(node('RUN  echo "a  b" ').args).toEqual(['echo "a  b"']);
    expect(node('WORKDIR /a b').args).toEqual(['/a b']);
  });
  it('extracts flags with quotes and escapes removed, stopping at --', () => {
    expect(node('COPY --from="a b" --chown=x\\ y src dst')).toMatchObject({ flags: ['--from=a b', '--chown=x y'], args: ['src', 'dst'] });
    expect(node('RUN -- --notaflag')).toMatchObject({ flags: [], args: ['--notaflag'] });
    expect(node('RUN --a -b')).toMatchObject({ flags: ['--a'], args: ['-b'] });
    expect(node('COPY --chown=josé a b').flags).toEqual(['--chown=josÃ©']);
  });
  it('splits ENV/LABEL pairs, with the legacy form', () => {
    expect(node('ENV a=1 b="x y" c=\\ z').pairs).toEqual([
      { key: 'a', value: '1', legacy: false },
      { key: 'b', value: '"x y"', legacy: false },
      { key: 'c', value: '\\ z', legacy: false },
    ]);
    expect(node('ENV key  some value').pairs).toEqual([{ key: 'key', value: 'some value', legacy: true }]);
    expect(located(() => scan('FROM a\n\nENV PATH'))).toMatchObject({ message: 'ENV must have two arguments', line: 3 });
    expect(located(() => scan('LABEL a=b c'))).toMatchObject({
      message: 'Syntax error - can\'t find = in "c". Must be of the form: name=value',
    });
  });
  it('keeps quotes in ARG words', () => {
    expect(node('ARG a="x y" b').args).toEqual(['a="x y"', 'b']);
  });
  it('splits HEALTHCHECK type from the command', () => {
    expect(node('HEALTHCHECK CMD ["a"]')).toMatchObject({ args: ['CMD', 'a'], json: true });
    expect(node('HEALTHCHECK --retries=3 CMD a  b')).toMatchObject({ flags: ['--retries=3'], args: ['CMD', 'a  b'] });
  });
  it('parses the ONBUILD trigger as its own line', () => {
    const n = node('ONBUILD --x RUN --mount=a echo');
    expect(n.flags).toEqual(['--x']);
    expect(n.trigger).toMatchObject({ keyword: 'RUN', flags: ['--mount=a'], args: ['echo'] });
  });
  it('gives unknown keywords no arguments', () => {
    expect(node('COPPY a b')).toMatchObject({ keyword: 'COPPY', args: [] });
  });
});

describe('heredocs', () => {
  const heredocs = (text: string) => scan(text).nodes.map((n) => n.heredocs);
  it('reads bodies after RUN, COPY and ADD', () => {
    expect(heredocs('RUN <<EOF\necho hi\nEOF\nRUN b')).toEqual([[{ name: 'EOF', content: 'echo hi\n', expand: true, chomp: false }], []]);
    expect(lines('FROM a\nRUN <<EOF\necho hi\nEOF\nRUN b')).toEqual([[1, 1], [2, 4], [5, 5]]);
  });
  it('handles <<-, quoted names, fd prefixes and several markers', () => {
    expect(heredocs('RUN <<-"EOT" cat\n\thello\n\tEOT\n')[0]).toEqual([{ name: 'EOT', content: '\thello\n', expand: false, chomp: true }]);
    expect(heredocs('RUN 3<<EOF\nx\nEOF')[0]).toEqual([{ name: 'EOF', content: 'x\n', expand: true, chomp: false }]);
    expect(heredocs("COPY <<A <<'B' /dest\na\nA\nb\nB\n")[0]).toEqual([
      { name: 'A', content: 'a\n', expand: true, chomp: false },
      { name: 'B', content: 'b\n', expand: false, chomp: false },
    ]);
    expect(heredocs("RUN <<eo'f'\nx\neof")[0]![0]).toMatchObject({ name: 'eof', expand: false });
    expect(heredocs("RUN <<eo\\'f\nx\neo'f")[0]![0]).toMatchObject({ name: "eo'f", expand: true });
    expect(heredocs("RUN <<'one two'\nx\none two")[0]![0]).toMatchObject({ name: 'one two', expand: false });
    expect(heredocs('RUN <<  EOF  > foo\nx\nEOF')[0]![0]).toMatchObject({ name: 'EOF', content: 'x\n' });
  });
  it('terminates only on an exact line (tabs removed for <<-)', () => {
    expect(heredocs('RUN <<EOF\n  EOF\nEOF\n')[0]![0]!.content).toBe('  EOF\n');
    expect(heredocs('RUN <<EOF\r\nx\r\nEOF\r\n')[0]![0]!.content).toBe('x\r\n');
  });
  it('keeps body lines raw: comments, continuations and directives are content', () => {
    expect(heredocs('RUN <<EOF\n# c\na \\\nEOF')[0]![0]!.content).toBe('# c\na \\\n');
  });
  it('ignores markers in quotes, in exec form and on other instructions', () => {
    expect(heredocs('RUN "<<EOF"\nRUN a')).toEqual([[], []]);
    expect(heredocs('RUN ["<<EOF"]\nRUN a')).toEqual([[], []]);
    expect(originals('USER <<X\nX\n')).toEqual(['USER <<X', 'X']);
  });
  it('reads heredocs of an ONBUILD trigger', () => {
    expect(heredocs('ONBUILD RUN <<EOF\nx\nEOF')[0]).toHaveLength(1);
  });
  it('reports an unterminated heredoc over the instruction', () => {
    expect(located(() => scan('FROM a\nRUN <<EOF\nx\n'))).toMatchObject({ message: 'unterminated heredoc', line: 2, endLine: 3 });
  });
});

describe('file level errors', () => {
  it('rejects a file without instructions', () => {
    expect(located(() => scan(''))).toMatchObject({ message: 'file with no instructions', line: 1 });
    expect(located(() => scan('# a\n# b\n\n'))).toMatchObject({ message: 'file with no instructions', line: 3 });
  });
  it('rejects a line longer than BuildKit reads', () => {
    const long = 'a'.repeat(65536);
    expect(located(() => scan(`FROM a\nLABEL x=${long}\n`))).toMatchObject({
      message: 'dockerfile line greater than max allowed size of 65535',
      line: 1,
    });
    expect(scan(`FROM a\nLABEL x=${'a'.repeat(65535 - 8)}\n`).nodes).toHaveLength(2);
  });
});
