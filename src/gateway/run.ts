/**
 * The frontend process lifecycle (doc §1.1 step 8, §8.2 "Shutdown").
 *
 * Invariants:
 * - stdout carries only HTTP/2: console output and stray stdout writes go to stderr from the
 *   first line on;
 * - Return is sent exactly once, with the build's result or with whatever failed first (a
 *   rejected build, an uncaught exception, an unhandled rejection);
 * - after Return the process exits 0 at once; it exits non-zero only when Return itself could
 *   not be delivered (1), when BuildKit never answered (1) or when stdin ended (2);
 * - nothing waits forever on the connection: connect is guarded by an overall timer;
 * - stderr (which BuildKit shows to the user) never carries a JavaScript stack: a failed build
 *   writes nothing there, as the standard frontend; the lines about a failed connection or
 *   Return give the message only. With the debug switch (`isDebug`) a failed build logs the
 *   error with its stack and its cause chain.
 */
import { claimStdio } from './bridge.js';
import { GatewayClient, type ReturnOutcome, type ReturnResult } from './client.js';
import { readFrontendEnv, type FrontendEnv } from './options.js';

export type BuildFunction = (client: GatewayClient, env: FrontendEnv) => Promise<ReturnResult>;

/** Ping has 15 s; this covers the bridge setup on top of it. */
export const CONNECT_GUARD_MS = 20_000;

const PREFIX = 'frontend: ';

function log(text: string): void {
  process.stderr.write(`${PREFIX}${text}\n`);
}

/** The name of the debug switch: an environment variable, or a build argument of that name. */
export const DEBUG_SWITCH = 'WASM_FRONTEND_DEBUG';

/**
 * Whether stacks may be written to stderr: `WASM_FRONTEND_DEBUG` set to anything but ``, `0` or
 * `false`, in the process environment or as `--build-arg WASM_FRONTEND_DEBUG=1` (the frontend
 * option `build-arg:WASM_FRONTEND_DEBUG`).
 */
export function isDebug(env: FrontendEnv, processEnv: Record<string, string | undefined> = process.env): boolean {
  const on = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  return on(processEnv[DEBUG_SWITCH]) || on(env.opts.get(`build-arg:${DEBUG_SWITCH}`));
}

/** One line for a user: the message, never a stack. */
function describe(err: unknown): string {
  if (err instanceof Error) return (err.message || err.name).split('\n').filter((l) => !/^\s+at\s/.test(l)).join(' ');
  return String(err);
}

/** For the debug switch: every error of the cause chain with its stack. */
function describeWithStack(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let i = 0; cur !== undefined && cur !== null && i < 16; i++) {
    parts.push(cur instanceof Error ? (cur.stack ?? `${cur.name}: ${cur.message}`) : String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join('\ncaused by: ');
}

function exitNow(code: number, why?: string): never {
  if (why) log(why);
  process.exit(code);
}

export function runFrontend(build: BuildFunction): Promise<never> {
  claimStdio();
  const env = readFrontendEnv();
  const debug = isDebug(env);

  const guard = setTimeout(
    () => exitNow(1, `no answer from BuildKit within ${CONNECT_GUARD_MS} ms`),
    CONNECT_GUARD_MS,
  );
  const connecting: Promise<GatewayClient | undefined> = GatewayClient.connect({ env }).then(
    (client) => {
      clearTimeout(guard);
      return client;
    },
    (err: unknown) => {
      clearTimeout(guard);
      exitNow(1, `failed to connect to BuildKit: ${describe(err)}`);
    },
  );

  let finishing = false;
  const finish = async (outcome: ReturnOutcome): Promise<void> => {
    if (finishing) return;
    finishing = true;
    if ('error' in outcome && debug) log(`build failed: ${describeWithStack(outcome.error)}`);
    const client = await connecting;
    if (!client) exitNow(1, 'no connection to BuildKit: cannot return the outcome');
    try {
      await client.return(outcome);
    } catch (err) {
      if ('result' in outcome && !client.returned) {
        // The result could not even be encoded: report that instead.
        try {
          await client.return({ error: err });
          exitNow(0);
        } catch (err2) {
          exitNow(1, `return failed: ${describe(err2)}`);
        }
      }
      exitNow(1, `return failed: ${describe(err)}`);
    }
    exitNow(0);
  };

  process.on('uncaughtException', (err) => void finish({ error: err }));
  process.on('unhandledRejection', (reason) => void finish({ error: reason }));
  process.on('beforeExit', () => void finish({ error: new Error('frontend ended without a result') }));
  process.stdin.on('end', () => exitNow(2, 'stdin closed by BuildKit'));

  void connecting.then(async (client) => {
    if (!client) return;
    void client.closed.then(() => {
      if (!finishing) exitNow(1, 'connection to BuildKit closed before Return');
    });
    let result: ReturnResult;
    try {
      result = await build(client, env);
    } catch (err) {
      return finish({ error: err });
    }
    return finish({ result });
  });

  return new Promise<never>(() => {});
}
