import { describe, expect, it } from 'vitest';
import { parseDockerfile, parseInstruction, type Instruction } from './index.js';
import { located } from './testutil.js';

/** One instruction; FROM is read through a whole Dockerfile since it is no ONBUILD trigger. */
const inst = (text: string): Instruction =>
  /^\s*from\b/i.test(text) ? parseDockerfile(text).stages[0]!.from : parseInstruction(text);
const error = (text: string) => located(() => inst(text)).message;

describe('argument counts', () => {
  it.each(['MAINTAINER', 'WORKDIR', 'USER', 'STOPSIGNAL'])('%s requires exactly one argument', (cmd) => {
    expect(error(cmd)).toBe(`${cmd} requires exactly one argument`);
  });
  it.each(['ENV', 'LABEL', 'HEALTHCHECK', 'EXPOSE', 'VOLUME', 'ARG', 'SHELL'])('%s requires at least one argument', (cmd) => {
    expect(error(cmd)).toBe(`${cmd} requires at least one argument`);
  });
  it.each(['ADD', 'COPY'])('%s needs a destination', (cmd) => {
    const msg = `${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`;
    expect(error(`${cmd} arg1`)).toBe(msg);
    expect(error(`${cmd}\t\n`)).toBe(msg);
    expect(error(`${cmd} --chown=1 a`)).toBe(msg);
  });
  it('rejects blank names', () => {
    expect(error('ENV =x')).toBe('ENV names can not be blank');
    expect(error('LABEL =x')).toBe('LABEL names can not be blank');
    expect(error('ARG =x')).toBe('ARG names can not be blank');
  });
});

describe('flags', () => {
  it('suggests the nearest known flag', () => {
    expect(error('COPY --chmdo=755 a b')).toBe('unknown flag: --chmdo (did you mean chmod?)');
    expect(error('COPY --frm=x a b')).toBe('unknown flag: --frm (did you mean from?)');
    expect(error('RUN --mout=type=cache echo')).toBe('unknown flag: --mout (did you mean mount?)');
    expect(error('MAINTAINER --boo joe@example.com')).toBe('unknown flag: --boo');
    expect(error('ADD --parents a b')).toBe('unknown flag: --parents');
  });
  it('checks values and repetition', () => {
    expect(error('COPY --from a b')).toBe('missing a value on flag: --from');
    expect(error('COPY --link= a b')).toBe('missing a value on flag: --link');
    expect(error('COPY --link=yes a b')).toBe('expecting boolean value for flag --link, not: yes');
    expect(error('COPY --from=a --from=b a b')).toBe('duplicate flag specified: --from');
    expect(error('COPY --exclude a b')).toBe('missing a value on flag: --exclude');
  });
  it('reads booleans as BuildKit does', () => {
    expect(inst('COPY --link a b')).toMatchObject({ link: true, parents: false });
    expect(inst('COPY --link=FALSE --parents=True a b')).toMatchObject({ link: false, parents: true });
  });
  it('ignores flags where BuildKit never checks them', () => {
    expect(inst('STOPSIGNAL --x SIGKILL')).toMatchObject({ kind: 'stopsignal', signal: 'SIGKILL' });
    expect(inst('ARG --x a')).toMatchObject({ kind: 'arg', args: [{ key: 'a' }] });
    expect(inst('HEALTHCHECK --bogus NONE')).toMatchObject({ kind: 'healthcheck', test: ['NONE'] });
  });
});

describe('FROM', () => {
  it('lowercases and validates the stage name', () => {
    expect(inst('FROM --platform=$BUILDPLATFORM golang:1 AS Build')).toMatchObject({
      kind: 'from',
      image: 'golang:1',
      stageName: 'build',
      platform: '$BUILDPLATFORM',
    });
    expect(inst('FROM a as b.c-d_1')).toMatchObject({ stageName: 'b.c-d_1' });
    expect(error('FROM a AS 1st')).toBe('dockerfile parse error on line 1: invalid name for build stage: "1st", name can\'t start with a number or contain symbols');
    expect(error('FROM a AS b/c')).toBe('dockerfile parse error on line 1: invalid name for build stage: "b/c", name can\'t start with a number or contain symbols');
    expect(error('FROM a b')).toBe('dockerfile parse error on line 1: FROM requires either one or three arguments');
    expect(error('FROM a AS b c')).toBe('dockerfile parse error on line 1: FROM requires either one or three arguments');
    expect(error('FROM')).toBe('dockerfile parse error on line 1: FROM requires either one or three arguments');
    expect(error('FROM --plattform=x a')).toBe('dockerfile parse error on line 1: unknown flag: --plattform (did you mean platform?)');
  });
  it('treats an empty --platform as absent', () => {
    expect(inst('FROM --platform= a')).toMatchObject({ platform: undefined });
  });
});

describe('RUN, CMD, ENTRYPOINT, SHELL', () => {
  it('distinguishes exec and shell form', () => {
    expect(inst('RUN ["echo", "a b"]')).toMatchObject({ prependShell: false, cmdLine: ['echo', 'a b'] });
    expect(inst('RUN echo "a  b"')).toMatchObject({ prependShell: true, cmdLine: ['echo "a  b"'] });
    expect(inst("CMD ['single', 'quotes']")).toMatchObject({ kind: 'cmd', prependShell: true, cmdLine: ["['single', 'quotes']"] });
    expect(inst('ENTRYPOINT []')).toMatchObject({ kind: 'entrypoint', prependShell: false, cmdLine: [] });
    expect(inst('CMD')).toMatchObject({ kind: 'cmd', prependShell: true, cmdLine: [] });
  });
  it('collects mounts, network, security and devices', () => {
    expect(
      inst('RUN --mount=type=cache,target=/a --mount=type=secret,id=x --network=host --security=insecure --device=d echo'),
    ).toMatchObject({
      mounts: ['type=cache,target=/a', 'type=secret,id=x'],
      network: 'host',
      security: 'insecure',
      devices: ['d'],
    });
    expect(inst('RUN echo')).toMatchObject({ mounts: [], network: undefined, security: undefined });
    expect(error('RUN --network=bridge echo')).toBe('invalid network mode "bridge"');
    expect(error('RUN --security=x echo')).toBe('security "x" is not valid');
  });
  it('attaches heredocs to RUN', () => {
    expect(inst('RUN <<EOF python3\nprint(1)\nEOF')).toMatchObject({
      cmdLine: ['<<EOF python3'],
      heredocs: [{ name: 'EOF', content: 'print(1)\n', expand: true, chomp: false }],
    });
  });
  it('requires JSON for SHELL', () => {
    expect(inst('SHELL ["pwsh", "-c"]')).toMatchObject({ kind: 'shell', shell: ['pwsh', '-c'] });
    expect(error('SHELL pwsh -c')).toBe('SHELL requires the arguments to be in JSON form');
    expect(error('SHELL []')).toBe('SHELL requires at least one argument');
  });
});

describe('COPY and ADD', () => {
  it('splits sources, heredoc sources and destination', () => {
    expect(inst('COPY <<EOF foo.txt /bar\nthis is inline\nEOF')).toMatchObject({
      kind: 'copy',
      sources: ['foo.txt'],
      dest: '/bar',
      sourceHeredocs: [{ name: 'EOF', content: 'this is inline\n', expand: true, chomp: false }],
    });
    expect(inst('COPY <<-EOF /bar\n\tTESTING\nEOF')).toMatchObject({
      sourceHeredocs: [{ name: 'EOF', content: '\tTESTING\n', chomp: true }],
    });
    expect(inst("COPY <<'EOF' /bar\n$X\nEOF")).toMatchObject({ sourceHeredocs: [{ expand: false, content: '$X\n' }] });
    expect(error('COPY /foo <<EOF\nEOF')).toBe('COPY cannot accept a heredoc as a destination');
  });
  it('reads COPY flags', () => {
    expect(inst('COPY --from=build --chown=1:2 --chmod=644 --exclude=*.md --exclude=x --parents a/b ./ /d/')).toMatchObject({
      from: 'build',
      chown: '1:2',
      chmod: '644',
      exclude: ['*.md', 'x'],
      parents: true,
      link: false,
      sources: ['a/b', './'],
      dest: '/d/',
    });
    expect(inst('COPY ["a b", "/c d/"]')).toMatchObject({ sources: ['a b'], dest: '/c d/' });
  });
  it('reads ADD flags, leaving unset booleans absent', () => {
    expect(inst('ADD --checksum=sha256:abc --keep-git-dir --unpack=false https://x/y.tar /d')).toMatchObject({
      kind: 'add',
      checksum: 'sha256:abc',
      keepGitDir: true,
      unpack: false,
    });
    const plain = inst('ADD a b');
    expect(plain).toMatchObject({ keepGitDir: undefined, unpack: undefined, checksum: undefined });
    expect(plain).not.toHaveProperty('parents');
    expect(error('ADD --from=x a b')).toBe('unknown flag: --from');
  });
});

describe('key/value instructions', () => {
  it('keeps ENV and LABEL values unexpanded with quotes', () => {
    expect(inst('ENV A=1 B="two words" C=$A')).toMatchObject({
      pairs: [
        { key: 'A', value: '1' },
        { key: 'B', value: '"two words"' },
        { key: 'C', value: '$A' },
      ],
    });
    expect(inst('LABEL "com.x"="y z"')).toMatchObject({ kind: 'label', pairs: [{ key: '"com.x"', value: '"y z"' }] });
    expect(inst('ENV legacy form value')).toMatchObject({ pairs: [{ key: 'legacy', value: 'form value' }] });
  });
  it('splits ARG at the first =', () => {
    expect(inst('ARG A B=1 C=x=y D=')).toMatchObject({
      args: [{ key: 'A' }, { key: 'B', value: '1' }, { key: 'C', value: 'x=y' }, { key: 'D', value: '' }],
    });
  });
});

describe('other instructions', () => {
  it('reads simple ones', () => {
    expect(inst('WORKDIR /a b')).toMatchObject({ kind: 'workdir', path: '/a b' });
    expect(inst('USER 1000:1000')).toMatchObject({ kind: 'user', user: '1000:1000' });
    expect(inst('MAINTAINER a <b@c>')).toMatchObject({ kind: 'maintainer', maintainer: 'a <b@c>' });
    expect(inst('EXPOSE 8080 80/udp 443')).toMatchObject({ kind: 'expose', ports: ['443', '80/udp', '8080'] });
    expect(inst('VOLUME /a /b')).toMatchObject({ kind: 'volume', volumes: ['/a', '/b'] });
    expect(inst('VOLUME [" /a "]')).toMatchObject({ volumes: ['/a'] });
    expect(error('VOLUME [" "]')).toBe('VOLUME specified can not be an empty string');
  });
  it('reads HEALTHCHECK', () => {
    expect(inst('HEALTHCHECK --interval=30s --timeout=1m30s --start-period=0 --retries=3 CMD curl -f x')).toMatchObject({
      test: ['CMD-SHELL', 'curl -f x'],
      interval: '30s',
      timeout: '1m30s',
      startPeriod: '0',
      retries: '3',
    });
    expect(inst('HEALTHCHECK cmd ["a", "b"]')).toMatchObject({ test: ['CMD', 'a', 'b'] });
    expect(inst('healthcheck none')).toMatchObject({ test: ['NONE'] });
    expect(error('HEALTHCHECK NONE x')).toBe('HEALTHCHECK NONE takes no arguments');
    expect(error('HEALTHCHECK CMD')).toBe('Missing command after HEALTHCHECK CMD');
    expect(error('HEALTHCHECK FOO x')).toBe('Unknown type "FOO" in HEALTHCHECK (try CMD)');
    expect(error('HEALTHCHECK --interval=50ns CMD x')).toBe('Interval "interval" cannot be less than 1ms');
    expect(error('HEALTHCHECK --timeout=5 CMD x')).toBe('time: missing unit in duration "5"');
    expect(error('HEALTHCHECK --retries=-1 CMD x')).toBe('--retries cannot be negative (-1)');
    expect(error('HEALTHCHECK --retries=x CMD x')).toBe('strconv.ParseInt: parsing "x": invalid syntax');
  });
  it('reads ONBUILD triggers and rebuilds heredoc text', () => {
    expect(inst('ONBUILD RUN echo hi')).toMatchObject({ kind: 'onbuild', expression: 'RUN echo hi' });
    expect(inst('  onbuild   COPY a b')).toMatchObject({ expression: 'COPY a b' });
    expect(inst('ONBUILD RUN <<EOF\necho hi\nEOF')).toMatchObject({ expression: 'RUN <<EOF\necho hi\nEOF' });
    expect(error('ONBUILD ONBUILD RUN x')).toBe('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
    expect(error('ONBUILD FROM scratch')).toBe("FROM isn't allowed as an ONBUILD trigger");
    expect(error('ONBUILD maintainer x')).toBe("MAINTAINER isn't allowed as an ONBUILD trigger");
  });
  it('suggests instructions in the case they were written', () => {
    expect(error('COPPY a b')).toBe('unknown instruction: COPPY (did you mean COPY?)');
    expect(error('coppy a b')).toBe('unknown instruction: coppy (did you mean copy?)');
    expect(error('Coppy a b')).toBe('unknown instruction: Coppy (did you mean copy?)');
    expect(error('FOO bar')).toBe('unknown instruction: FOO (did you mean FROM?)');
    expect(error('FOOBARBAZ bar')).toBe('unknown instruction: FOOBARBAZ');
  });
  it('accepts keywords in any case', () => {
    expect(inst('wOrKdIr /x')).toMatchObject({ kind: 'workdir' });
  });
});

describe('parseInstruction', () => {
  it('parses one ONBUILD expression and relocates it', () => {
    const at = { start: { line: 7, character: 0 }, end: { line: 7, character: 10 } };
    expect(parseInstruction('RUN <<EOF\nx\nEOF', at)).toMatchObject({ kind: 'run', range: at, heredocs: [{ content: 'x\n' }] });
    expect(located(() => parseInstruction('RUN a\nRUN b', at))).toMatchObject({
      message: 'onbuild trigger should be a single expression',
      line: 7,
    });
    expect(located(() => parseInstruction('FROM a'))).toMatchObject({ message: "FROM isn't allowed as an ONBUILD trigger" });
  });
});
