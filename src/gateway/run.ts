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
 * - nothing waits forever on the connection: connect is guarded by an overall timer.
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

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

function exitNow(code: number, why?: string): never {
  if (why) log(why);
  process.exit(code);
}

export function runFrontend(build: BuildFunction): Promise<never> {
  claimStdio();
  const env = readFrontendEnv();

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
    if ('error' in outcome) log(`build failed: ${describe(outcome.error)}`);
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
