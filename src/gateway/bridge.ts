/**
 * stdin/stdout ↔ grpc-js, through an in-process unix socket (doc §8, option A).
 *
 * BuildKit runs an HTTP/2 server on our stdin/stdout; grpc-js can only dial an address. We listen
 * on a socket in a fresh temporary directory, accept exactly one connection, then close the
 * listener so any reconnect fails at once instead of hanging. stdout is never ended.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Console } from 'node:console';
import { Writable, type Readable } from 'node:stream';

export interface StdioBridge {
  /** grpc-js target, `unix://<socket path>`. */
  readonly target: string;
  /** Resolves when the one bridged connection has closed (or the bridge was disposed unused). */
  readonly closed: Promise<void>;
  /** Stops listening if nobody connected yet; the directory is removed. */
  dispose(): void;
}

export interface StdioStreams {
  /** HTTP/2 from BuildKit. */
  input: Readable;
  /** HTTP/2 to BuildKit: the only writer of the real stdout. */
  output: Writable;
}

let claimed: StdioStreams | undefined;

/**
 * Makes stdout the protocol pipe and nothing else: console.log/info/debug/dir/table and direct
 * process.stdout.write calls go to stderr from now on. Idempotent; call before any logging.
 */
export function claimStdio(): StdioStreams {
  if (claimed) return claimed;
  const stdout = process.stdout;
  const rawWrite = stdout.write.bind(stdout) as (chunk: Uint8Array, cb: (err?: Error | null) => void) => boolean;

  const errConsole = new Console({ stdout: process.stderr, stderr: process.stderr });
  const target = console as unknown as Record<string, unknown>;
  for (const key of ['log', 'info', 'debug', 'dir', 'dirxml', 'table', 'group', 'groupCollapsed', 'count', 'time', 'timeLog', 'timeEnd'] as const) {
    const fn = (errConsole as unknown as Record<string, unknown>)[key];
    if (typeof fn === 'function') target[key] = fn.bind(errConsole);
  }
  stdout.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) =>
    (process.stderr.write as (...a: unknown[]) => boolean)(chunk, encoding, cb)) as typeof stdout.write;

  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      rawWrite(chunk, (err) => callback(err ?? null));
    },
  });
  claimed = { input: process.stdin, output };
  return claimed;
}

export async function openStdioBridge(streams: StdioStreams): Promise<StdioBridge> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'bkfe-'));
  const sockPath = path.join(dir, 'gw.sock');
  const removeDir = () => fs.rm(dir, { recursive: true, force: true }, () => {});

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const server = net.createServer({ pauseOnConnect: false }, (sock) => {
    server.close();
    removeDir(); // the accepted connection does not need the file; leave nothing in /tmp
    streams.input.pipe(sock);
    sock.pipe(streams.output, { end: false });
    sock.on('error', () => {}); // 'close' follows; grpc-js reports the failure to the callers
    sock.on('close', () => {
      streams.input.unpipe(sock);
      resolveClosed();
    });
  });
  server.maxConnections = 1;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sockPath, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    target: `unix://${sockPath}`,
    closed,
    dispose() {
      if (server.listening) {
        server.close();
        removeDir();
        resolveClosed();
      }
    },
  };
}
