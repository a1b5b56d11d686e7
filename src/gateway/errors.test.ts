import * as grpc from '@grpc/grpc-js';
import { describe, expect, test } from 'vitest';
import { LocatedError } from '../util/located.js';
import { Code, describeError, GatewayError, SOURCE_TYPE_URL, toStatus, UnsupportedError } from './errors.js';
import { decodeMessage, encodeMessage } from './service.js';
import type { Status } from '../pb/index.js';

const DOCKERFILE = Buffer.from('FROM alpine\nRUN echo hi\nBOGUS x\n');

function located(): LocatedError {
  const err = new LocatedError('unknown instruction: "BOGUS"', [{ start: { line: 3, character: 0 }, end: { line: 3, character: 7 } }]);
  err.source = { filename: 'Dockerfile', data: DOCKERFILE, language: 'Dockerfile' };
  return err;
}

/** A ServiceError as grpc-js hands it to a client callback, with BuildKit's status trailer. */
function serviceError(status: Status): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', encodeMessage('google.rpc.Status', status));
  return Object.assign(new Error(`${status.code} UNKNOWN: ${status.message}`), {
    code: status.code!,
    details: status.message!,
    metadata,
  });
}

describe('toStatus', () => {
  test('a located user error is Unknown (as the standard frontend) with exactly one errdefs.Source detail', () => {
    const st = toStatus(located());
    expect(st.code).toBe(Code.Unknown);
    expect(st.message).toBe('unknown instruction: "BOGUS"');
    expect(st.details).toHaveLength(1);
    expect(st.details[0]!.type_url).toBe('github.com/moby/buildkit/errdefs.Source+json');
    expect(Buffer.from(st.details[0]!.value!).toString('utf8')).toBe(
      '{"info":{"filename":"Dockerfile","data":"RlJPTSBhbHBpbmUKUlVOIGVjaG8gaGkKQk9HVVMgeAo=","language":"Dockerfile"},' +
        '"ranges":[{"start":{"line":3,"character":0},"end":{"line":3,"character":7}}]}',
    );
  });

  test('a located error without its source file is still Unknown, without a detail', () => {
    const st = toStatus(new LocatedError('bad flag', [{ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }]));
    expect(st).toEqual({ code: Code.Unknown, message: 'bad flag', details: [] });
  });

  test('the Source detail keeps a given language and every range', () => {
    const err = new LocatedError('dup', [
      { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } },
      { start: { line: 4, character: 2 }, end: { line: 5, character: 0 } },
    ]);
    err.source = { filename: 'sub/Wasmfile', data: Buffer.from('x'), language: 'Wasmfile' };
    const json = describeError(toStatus(err)).details[0]!.json as { info: object; ranges: unknown[] };
    expect(json.info).toEqual({ filename: 'sub/Wasmfile', data: 'eA==', language: 'Wasmfile' });
    expect(json.ranges).toHaveLength(2);
  });

  test('UnsupportedError is Unknown (no "Unimplemented: " prefix for the user); a subrequest adds errdefs.Subrequest', () => {
    expect(toStatus(new UnsupportedError('COPY --exclude needs BuildKit v0.9'))).toEqual({
      code: Code.Unknown,
      message: 'COPY --exclude needs BuildKit v0.9',
      details: [],
    });
    const d = describeError(toStatus(new UnsupportedError('unsupported request frontend.outline', { subrequest: 'frontend.outline' })));
    expect(d.codeName).toBe('Unknown');
    expect(d.details).toEqual([{ typeUrl: 'github.com/moby/buildkit/errdefs.Subrequest+json', json: { name: 'frontend.outline' } }]);
  });

  test('an error flagged unsupported is Unknown, located ones keep their source; only a frontendCap is Unimplemented, with errdefs.FrontendCap', () => {
    class FromLowerLayer extends Error {
      readonly unsupported = true;
    }
    const located = new LocatedError('COPY --exclude is not supported', [{ start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }], {
      cause: new FromLowerLayer('COPY --exclude is not supported'),
    });
    located.source = { filename: 'Dockerfile', data: Buffer.from('FROM x\nCOPY --exclude=a . .\n') };
    const d = describeError(toStatus(located));
    expect(d.codeName).toBe('Unknown');
    expect(d.details.map((x) => x.typeUrl)).toEqual([SOURCE_TYPE_URL]);
    const cap = describeError(toStatus(new UnsupportedError('unsupported frontend capability x', { frontendCap: 'x' })));
    expect(cap.codeName).toBe('Unimplemented');
    expect(cap.details).toEqual([{ typeUrl: 'github.com/moby/buildkit/errdefs.FrontendCap+json', json: { name: 'x' } }]);
  });

  test('engine errors never reach the user as they are; a located one keeps its location', () => {
    expect(toStatus(new TypeError("Cannot read properties of undefined (reading 'x')")).message).toBe(
      'internal error in the frontend (TypeError); build with --build-arg WASM_FRONTEND_DEBUG=1 to write its stack to the build output',
    );
    const deep = new LocatedError('Maximum call stack size exceeded', [{ start: { line: 2, character: 0 }, end: { line: 2, character: 5 } }], {
      cause: new RangeError('Maximum call stack size exceeded'),
    });
    deep.source = { filename: 'Dockerfile', data: DOCKERFILE };
    const st = toStatus(deep);
    expect(st.message).toBe('the input is nested too deeply for the frontend (JavaScript call stack limit)');
    expect(st.details.map((d) => d.type_url)).toEqual([SOURCE_TYPE_URL]);
    const wrapped = new Error("failed to compute cache key: Cannot read properties of undefined (reading 'x')", {
      cause: new TypeError("Cannot read properties of undefined (reading 'x')"),
    });
    expect(toStatus(wrapped).message).toBe('failed to compute cache key: internal error in the frontend (TypeError); build with --build-arg WASM_FRONTEND_DEBUG=1 to write its stack to the build output');
  });

  test('anything else is Unknown, and the message never carries a stack', () => {
    const st = toStatus(new Error('x is not a function'));
    expect(st.code).toBe(Code.Unknown);
    expect(st.message).toBe('x is not a function');
    expect(toStatus('plain string').message).toBe('plain string');
    expect(toStatus(undefined).message).toBe('unknown error');
    const pasted = new Error('failed\n    at foo (/app/x.js:1:1)\n    at bar (/app/y.js:2:2)');
    expect(toStatus(pasted).message).toBe('failed');
  });

  test("BuildKit's status passes through: code, message and details byte for byte", () => {
    const vertex = { type_url: 'github.com/moby/buildkit/errdefs.Vertex+json', value: Buffer.from('{"digest":"sha256:abc"}') };
    const stack = { type_url: 'github.com/moby/buildkit/stack.Stack+json', value: Buffer.from('{"frames":[]}') };
    const daemon: Status = { code: Code.Unknown, message: 'process "/bin/sh -c false" did not complete successfully', details: [vertex, stack] };
    const raw = serviceError(daemon);
    const wrapped = new GatewayError('Solve', raw);
    expect(wrapped.message).toBe(daemon.message);
    for (const e of [raw, wrapped]) {
      const st = toStatus(e);
      expect(st.code).toBe(Code.Unknown);
      expect(st.message).toBe(daemon.message);
      expect(st.details.map((d) => [d.type_url, Buffer.from(d.value!).toString()])).toEqual([
        [vertex.type_url, '{"digest":"sha256:abc"}'],
        [stack.type_url, '{"frames":[]}'],
      ]);
    }
    // and survives an encode/decode as part of Return
    const again = decodeMessage<Status>('google.rpc.Status', encodeMessage('google.rpc.Status', toStatus(wrapped)));
    expect(describeError(again).details.map((d) => d.json)).toEqual([{ digest: 'sha256:abc' }, { frames: [] }]);
  });

  test('a ServiceError without a details trailer keeps its code and text', () => {
    const err = Object.assign(new Error('12 UNIMPLEMENTED: unknown method Warn'), {
      code: 12,
      details: 'unknown method Warn for service moby.buildkit.v1.frontend.LLBBridge',
      metadata: new grpc.Metadata(),
    });
    expect(toStatus(err)).toEqual({ code: 12, message: 'unknown method Warn for service moby.buildkit.v1.frontend.LLBBridge', details: [] });
  });

  test("wrapping keeps the daemon's code and details, adds context and the source location", () => {
    const daemon = serviceError({ code: Code.NotFound, message: 'not found', details: [] });
    const ctx = new Error('failed to read dockerfile: not found', { cause: new GatewayError('ReadFile', daemon) });
    expect(toStatus(ctx)).toMatchObject({ code: Code.NotFound, message: 'failed to read dockerfile: not found' });

    const loc = new LocatedError('failed to resolve "alpine": not found', [{ start: { line: 1, character: 0 }, end: { line: 1, character: 11 } }], {
      cause: new GatewayError('ResolveImageConfig', daemon),
    });
    loc.source = { filename: 'Dockerfile', data: DOCKERFILE };
    const st = toStatus(loc);
    expect(st.code).toBe(Code.NotFound);
    expect(st.details.map((d) => d.type_url)).toEqual([SOURCE_TYPE_URL]);
  });
});

describe('describeError', () => {
  test('names the code as Go does and parses JSON details; other details stay bytes', () => {
    expect(
      describeError({
        code: 3,
        message: 'm',
        details: [
          { type_url: 'github.com/moby/buildkit/errdefs.FrontendCap+json', value: Buffer.from('{"name":"x"}') },
          { type_url: 'type.googleapis.com/other', value: Buffer.from([1, 2]) },
        ],
      }),
    ).toEqual({
      code: 3,
      codeName: 'InvalidArgument',
      message: 'm',
      details: [
        { typeUrl: 'github.com/moby/buildkit/errdefs.FrontendCap+json', json: { name: 'x' } },
        { typeUrl: 'type.googleapis.com/other', value: Buffer.from([1, 2]) },
      ],
    });
  });
});
