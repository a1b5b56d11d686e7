/**
 * dockerfile-ast (the editor tooling parser) as an independent check of our instruction ranges.
 * It is not used to parse: it is tolerant where BuildKit is strict, and the last block pins the
 * cases where the two differ, each time with BuildKit's behaviour on our side.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import type { SourceRange } from '../util/located.js';
import { scan } from './scan.js';

/** dockerfile-ast's zero-based ranges, converted to our 1-based lines. */
function astRanges(text: string): { keyword: string; range: SourceRange }[] {
  return DockerfileParser.parse(text)
    .getInstructions()
    .map((i) => {
      const r = i.getRange();
      return {
        keyword: i.getInstruction(),
        range: {
          start: { line: r.start.line + 1, character: r.start.character },
          end: { line: r.end.line + 1, character: r.end.character },
        },
      };
    });
}

const ours = (text: string) => scan(text).nodes.map((n) => ({ keyword: n.keyword, range: n.range }));

const CORPUS: Record<string, string> = {
  multistage: `# syntax=docker/dockerfile:1
ARG RUST=1.80

FROM --platform=$BUILDPLATFORM rust:\${RUST} AS build
WORKDIR /src
# fetch first for caching
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry \\
    cargo fetch
COPY . .
RUN cargo build --release --target wasm32-wasip1

FROM scratch
COPY --from=build /src/target/wasm32-wasip1/release/app.wasm /app.wasm
ENTRYPOINT ["/app.wasm"]
`,
  continuations: `FROM alpine
RUN apk add --no-cache \\
      curl \\
  # a comment inside
      git \\
      make
ENV A=1 \\
    B=2
LABEL org.opencontainers.image.title="x" \\
      org.opencontainers.image.version="1"
`,
  heredocs: `FROM alpine
RUN <<EOF
set -e
echo hello
EOF
COPY <<-"CONF" <<APP /etc/
\tkey=value
\tCONF
#!/bin/sh
APP
RUN <<EOF python3 -
print("hi")
EOF
`,
  backtick: '# escape=`\nFROM mcr.microsoft.com/windows/nanoserver\nRUN dir c:\\ `\n    && echo done\nWORKDIR c:\\app\n',
  onbuild: 'FROM alpine\nONBUILD COPY . /src\nONBUILD RUN <<EOF\nmake\nEOF\nHEALTHCHECK --interval=5s CMD wget -q -O- localhost\n',
};

describe('ranges agree with dockerfile-ast', () => {
  it.each(Object.keys(CORPUS))('%s', (name) => {
    expect(ours(CORPUS[name]!)).toEqual(astRanges(CORPUS[name]!));
  });
});

describe('where dockerfile-ast differs from BuildKit', () => {
  const keywords = (text: string) => [ours(text).map((n) => n.keyword), astRanges(text).map((n) => n.keyword)];
  it('an escaped escape token at the end of a line does not continue it', () => {
    expect(keywords('FROM a\nRUN echo \\\\\nRUN b\n')).toEqual([['FROM', 'RUN', 'RUN'], ['FROM', 'RUN']]);
  });
  it('a heredoc marker may name a file descriptor', () => {
    expect(keywords('FROM a\nRUN 3<<EOF\nhi\nEOF\n')).toEqual([['FROM', 'RUN'], ['FROM', 'RUN', 'hi', 'EOF']]);
  });
  it('an unterminated heredoc is an error', () => {
    expect(() => scan('FROM a\nRUN <<EOF\nx\n')).toThrow('unterminated heredoc');
    expect(astRanges('FROM a\nRUN <<EOF\nx\n')).toHaveLength(2);
  });
  it('a repeated directive is an error', () => {
    expect(() => scan('# escape=\\\n# escape=`\nFROM a\n')).toThrow('only one escape parser directive can be used');
    expect(DockerfileParser.parse('# escape=\\\n# escape=`\nFROM a\n').getDirectives()).toHaveLength(2);
  });
  it('comment lines inside a continuation are not part of the instruction text', () => {
    const text = 'FROM a\nRUN a \\\n  # c\n  b\n';
    expect(scan(text).nodes[1]!.original).toBe('RUN a   b');
    expect(DockerfileParser.parse(text).getInstructions()[1]!.getArgumentsContent()).toContain('# c');
  });
});
