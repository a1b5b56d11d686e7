import { createHash } from 'node:crypto';
import { Duplex, PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, test } from 'vitest';
import { messageType, type Definition, type PongResponse, type ReturnRequest, type SolveRequest, type Status } from '../pb/index.js';
import { DEFAULT_FRONTEND_CAPS, DEFAULT_LLB_CAPS, GatewayClient } from './client.js';
import { Code, GatewayError, toStatus, UnsupportedError } from './errors.js';
import { encodeMessage, llbBridgeServiceDefinition } from './service.js';

type Handler = (req: never) => unknown;

/** A fake BuildKit in this process: grpc-js server ↔ the client's stdio bridge over two pipes. */
async function connectTo(handlers: Record<string, Handler>, env?: Parameters<typeof GatewayClient.connect>[0]) {
  const calls: { method: string; req: unknown }[] = [];
  const server = new grpc.Server();
  const impl: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(llbBridgeServiceDefinition)) {
    impl[method] = ((call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      calls.push({ method, req: call.request });
      try {
        const h = handlers[method];
        if (!h) return cb({ code: Code.Unimplemented, details: `unknown method ${method}` }, null);
        cb(null, h(call.request as never));
      } catch (err) {
        cb(err as grpc.ServiceError, null);
      }
    }) as grpc.handleUnaryCall<unknown, unknown>;
  }
  server.addService(llbBridgeServiceDefinition, impl);
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const toClient = new PassThrough();
  const toServer = new PassThrough();
  injector.injectConnection(Duplex.from({ readable: toServer, writable: toClient }));
  const client = await GatewayClient.connect({ ...env, stdio: { input: toClient, output: toServer } });
  cleanups.push(() => {
    client.close();
    injector.destroy();
    server.forceShutdown();
  });
  return { client, calls };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const pong = (over: Partial<PongResponse> = {}): PongResponse => ({
  FrontendAPICaps: [
    { ID: 'solve.base', Enabled: true },
    { ID: 'readfile', Enabled: true },
    { ID: 'statfile', Enabled: true },
    { ID: 'gateway.warnings', Enabled: false, DisabledReason: 'off' },
  ],
  LLBCaps: [{ ID: 'source.local', Enabled: true }, { ID: 'file.base', Enabled: true }],
  Workers: [{ ID: 'w0', platforms: [{ OS: 'linux', Architecture: 'arm64' }] }],
  ...over,
});

function twoOpDefinition(caps: string[] = []): Definition {
  const t = messageType('pb.Op');
  const src = Buffer.from(t.encode(t.fromObject({ source: { identifier: 'local://context' } })).finish());
  const dgst = `sha256:${createHash('sha256').update(src).digest('hex')}`;
  const term = Buffer.from(t.encode(t.fromObject({ inputs: [{ digest: dgst }] })).finish());
  return { def: [src, term], metadata: { [dgst]: { caps: Object.fromEntries(caps.map((c) => [c, true])) } } };
}

describe('GatewayClient', () => {
  test('caps are the Enabled entries from Ping; workers come from Ping', async () => {
    const { client, calls } = await connectTo({ Ping: () => pong() });
    expect(calls.map((c) => c.method)).toEqual(['Ping']);
    expect([...client.caps.frontend].sort()).toEqual(['readfile', 'solve.base', 'statfile']);
    expect([...client.caps.llb].sort()).toEqual(['file.base', 'source.local']);
    expect(client.workers).toEqual([{ id: 'w0', labels: {}, platforms: [{ os: 'linux', architecture: 'arm64' }] }]);
  });

  test('empty caps mean the frozen defaults; no Ping workers means the env ones', async () => {
    const env = { opts: new Map(), sessionId: 's', exportedProduct: 'buildkit', workers: [{ id: 'e', labels: {}, platforms: [{ os: 'linux', architecture: 'amd64' }] }] };
    const { client } = await connectTo({ Ping: () => ({}) }, { env });
    expect([...client.caps.frontend]).toEqual([...DEFAULT_FRONTEND_CAPS]);
    expect([...client.caps.llb]).toEqual([...DEFAULT_LLB_CAPS]);
    expect(DEFAULT_LLB_CAPS).toHaveLength(29);
    expect(client.workers).toEqual(env.workers);
  });

  test('solve always allows result return and array refs; scratch sends no definition', async () => {
    const { client, calls } = await connectTo({
      Ping: () => pong(),
      Solve: (req: SolveRequest) => ({ result: { ref: { id: req.Definition ? 'r1' : '' }, metadata: { k: Buffer.from('v') } } }),
    });
    const scratch = await client.solve({ definition: { def: [] } });
    expect(scratch).toEqual({ ref: { id: '' }, metadata: { k: Buffer.from('v') } });
    const res = await client.solve({
      definition: twoOpDefinition(['source.local']),
      cacheImports: [{ type: 'registry', attrs: { ref: 'c' } }],
      evaluate: true,
    });
    expect(res.ref).toEqual({ id: 'r1' });
    const [first, second] = calls.filter((c) => c.method === 'Solve').map((c) => c.req as SolveRequest);
    expect(first).toEqual({ allowResultReturn: true, allowResultArrayRef: true });
    expect(second).toMatchObject({
      allowResultReturn: true,
      allowResultArrayRef: true,
      Evaluate: true,
      CacheImports: [{ Type: 'registry', Attrs: { ref: 'c' } }],
    });
    expect(second!.Definition!.def).toHaveLength(2);
  });

  test('solve refuses a definition needing an LLB cap the daemon lacks, without calling it', async () => {
    const { client, calls } = await connectTo({ Ping: () => pong() });
    await expect(client.solve({ definition: twoOpDefinition(['mergeop']) })).rejects.toThrow(UnsupportedError);
    await expect(client.solve({ definition: twoOpDefinition(['mergeop']) })).rejects.toThrow(
      'requested feature mergeop is not supported by build server, please update buildkit',
    );
    expect(calls.map((c) => c.method)).toEqual(['Ping']);
  });

  test('calling another frontend forwards the caller cache imports, as Go does', async () => {
    const env = { opts: new Map([['cache-from', 'a/b']]), sessionId: '', exportedProduct: '', workers: [] };
    const { client, calls } = await connectTo({ Ping: () => pong(), Solve: () => ({ result: { ref: { id: 'x' } } }) }, { env });
    await client.solve({ frontend: 'dockerfile.v0', frontendOpt: { filename: 'D' } });
    expect((calls[1]!.req as SolveRequest).FrontendOpt).toEqual({ filename: 'D', 'cache-from': 'a/b' });
  });

  test('a failed call keeps the daemon status and details, ready for Return', async () => {
    const status: Status = {
      code: Code.Unknown,
      message: 'open /var/lib/docker/tmp/buildkit-mount1/x: no such file or directory',
      details: [{ type_url: 'github.com/moby/buildkit/stack.Stack+json', value: Buffer.from('{}') }],
    };
    const { client } = await connectTo({
      Ping: () => pong(),
      ReadFile: () => {
        const metadata = new grpc.Metadata();
        metadata.set('grpc-status-details-bin', encodeMessage('google.rpc.Status', status));
        throw { code: status.code, details: status.message, metadata };
      },
    });
    const err = await client.readFile('r', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).message).toBe(status.message);
    expect((err as GatewayError).method).toBe('ReadFile');
    expect(toStatus(err)).toEqual({ ...status, details: [{ type_url: status.details![0]!.type_url, value: Buffer.from('{}') }] });
  });

  test('file calls map to the request fields and decode int64 as numbers', async () => {
    const { client, calls } = await connectTo({
      Ping: () => pong(),
      ReadFile: () => ({ Data: Buffer.from('FROM x') }),
      ReadDir: () => ({ entries: [{ path: 'a', mode: 0x800001ed, size: 3, modTime: '1700000000000000000' }] }),
      StatFile: () => ({ stat: { path: 'Dockerfile', mode: 420, size: 6 } }),
    });
    expect((await client.readFile({ id: 'r' }, 'Dockerfile', { offset: 0, length: 1024 })).toString()).toBe('FROM x');
    expect(await client.readDir('r', '.', '*.txt')).toEqual([{ path: 'a', mode: 0x800001ed, size: 3, modTime: 1.7e18 }]);
    expect(await client.statFile('r', 'Dockerfile')).toEqual({ path: 'Dockerfile', mode: 420, size: 6 });
    expect(calls.slice(1).map((c) => c.req)).toEqual([
      { Ref: 'r', FilePath: 'Dockerfile', Range: { Offset: 0, Length: 1024 } },
      { Ref: 'r', DirPath: '.', IncludePattern: '*.txt' },
      { Ref: 'r', Path: 'Dockerfile' },
    ]);
  });

  test('resolveImageConfig: empty digest stays empty, missing Ref falls back to the request', async () => {
    const { client, calls } = await connectTo({
      Ping: () => pong(),
      ResolveImageConfig: () => ({ Config: Buffer.from('{"os":"linux"}') }),
    });
    const res = await client.resolveImageConfig('docker.io/library/alpine:latest', {
      platform: { os: 'wasi', architecture: 'wasm' },
      resolveMode: 'local',
      logName: '[internal] load metadata for docker.io/library/alpine:latest',
    });
    expect(res).toEqual({ digest: '', config: Buffer.from('{"os":"linux"}'), ref: 'docker.io/library/alpine:latest' });
    expect(calls[1]!.req).toEqual({
      Ref: 'docker.io/library/alpine:latest',
      Platform: { OS: 'wasi', Architecture: 'wasm' },
      ResolveMode: 'local',
      LogName: '[internal] load metadata for docker.io/library/alpine:latest',
    });
  });

  test('warn is a no-op without gateway.warnings; with it, it anchors on the first solved vertex', async () => {
    const without = await connectTo({ Ping: () => pong() });
    await without.client.warn('ignored');
    expect(without.calls.map((c) => c.method)).toEqual(['Ping']);

    const caps = [...pong().FrontendAPICaps!, { ID: 'gateway.warnings', Enabled: true }];
    const def = twoOpDefinition();
    const { client, calls } = await connectTo({ Ping: () => pong({ FrontendAPICaps: caps }), Solve: () => ({ result: { ref: { id: 'a' } } }), Warn: () => ({}) });
    await client.solve({ definition: def });
    await client.warn('platform "wasm" is read as "wasi/wasm"', { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 9 } } });
    const req = calls.find((c) => c.method === 'Warn')!.req as Record<string, unknown>;
    expect(req).toMatchObject({
      digest: Object.keys(def.metadata!)[0],
      level: 1,
      short: Buffer.from('platform "wasm" is read as "wasi/wasm"'),
      ranges: [{ start: { line: 2 }, end: { line: 2, character: 9 } }],
    });
  });

  test('evaluate uses StatFile(".") when the daemon has no Evaluate, nothing for scratch', async () => {
    const { client, calls } = await connectTo({ Ping: () => pong(), StatFile: () => ({ stat: { path: '.' } }) });
    await client.evaluate('');
    await client.evaluate({ id: 'r9' });
    expect(calls.slice(1)).toEqual([{ method: 'StatFile', req: { Ref: 'r9', Path: '.' } }]);
  });

  test('Return sends a ref (scratch as ""), a ref map or metadata alone, and only once', async () => {
    const returns: ReturnRequest[] = [];
    const { client } = await connectTo({ Ping: () => pong(), Return: (r: ReturnRequest) => (returns.push(r), {}) });
    await client.return({ result: { ref: '', metadata: { 'containerimage.config': Buffer.from('{}') } } });
    expect(client.returned).toBe(true);
    await expect(client.return({ result: { ref: 'x', metadata: {} } })).rejects.toThrow('gateway result is already set');
    expect(returns).toEqual([{ result: { ref: { id: '' }, metadata: { 'containerimage.config': Buffer.from('{}') } } }]);

    const second = await connectTo({ Ping: () => pong(), Return: (r: ReturnRequest) => (returns.push(r), {}) });
    await second.client.return({ result: { refs: { 'wasi/wasm': 'r1' }, metadata: {} } });
    expect(returns[1]).toEqual({ result: { refs: { refs: { 'wasi/wasm': { id: 'r1' } } } } });

    const third = await connectTo({ Ping: () => pong(), Return: (r: ReturnRequest) => (returns.push(r), {}) });
    await third.client.return({ result: { metadata: { version: Buffer.from('1.0.0') } } });
    expect(returns[2]).toEqual({ result: { metadata: { version: Buffer.from('1.0.0') } } });
  });

  test('Return of an error sends the status', async () => {
    const returns: ReturnRequest[] = [];
    const { client } = await connectTo({ Ping: () => pong(), Return: (r: ReturnRequest) => (returns.push(r), {}) });
    await client.return({ error: new UnsupportedError('no', { frontendCap: 'x' }) });
    expect(returns).toMatchObject([{ error: { code: Code.Unimplemented, message: 'no' } }]);
  });

  test('connect fails fast when the daemon does not answer Ping', async () => {
    const toClient = new PassThrough();
    const toServer = new PassThrough(); // nobody reads: no HTTP/2 server at all
    const started = Date.now();
    await expect(GatewayClient.connect({ stdio: { input: toClient, output: toServer }, pingTimeoutMs: 300 })).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
