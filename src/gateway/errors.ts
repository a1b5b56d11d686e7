/**
 * Errors at the gateway edge: every failure becomes one google.rpc.Status for Return (doc §2.5).
 *
 * Invariants:
 * - the status message is the top-level error's message, never a stack trace, and never the
 *   text of a JavaScript engine error (TypeError, RangeError, ReferenceError), which is a bug or
 *   an engine limit: engineErrorText names it instead;
 * - the code is the one the standard frontend's status carries when it runs as a gateway image
 *   (BuildKit util/grpcerrors ToGRPC/Code, frontend/dockerfile/builder/caps.go): BuildKit's own
 *   status from a failed call keeps its code; a missing frontend capability is Unimplemented
 *   (with an errdefs.FrontendCap detail); everything else, Dockerfile errors, missing LLB
 *   capabilities and unknown subrequests included, is Unknown. BuildKit puts `<CodeName>: ` in
 *   front of the message of any status other than Unknown each time the error crosses a
 *   process boundary (grpcStatusError.Error), so any other code would change the text a user
 *   reads;
 * - typed details from BuildKit are passed on byte for byte; a located error with a known source
 *   file adds one errdefs.Source detail (JSON, as BuildKit's grpcerrors encodes it).
 */
import type { Metadata } from '@grpc/grpc-js';
import type { Any, Status } from '../pb/index.js';
import { LocatedError } from '../util/located.js';
import { decodeMessage } from './service.js';

/** gRPC status codes with the names Go prints (`code = InvalidArgument`). */
export const Code = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

const CODE_NAMES = new Map<number, string>(Object.entries(Code).map(([k, v]) => [v, k]));

export const TYPE_URL_PREFIX = 'github.com/moby/buildkit/';
export const SOURCE_TYPE_URL = `${TYPE_URL_PREFIX}errdefs.Source+json`;
export const SUBREQUEST_TYPE_URL = `${TYPE_URL_PREFIX}errdefs.Subrequest+json`;
export const FRONTEND_CAP_TYPE_URL = `${TYPE_URL_PREFIX}errdefs.FrontendCap+json`;

/**
 * What toStatus reads from any error in the chain, whatever its class: lower layers (the
 * converter) flag their errors this way without importing the gateway.
 */
interface UnsupportedFlags {
  unsupported?: unknown;
  /** An unknown `requestid`: an errdefs.Subrequest detail buildx recognises. */
  subrequest?: unknown;
  /** A frontend capability this frontend lacks: an errdefs.FrontendCap detail. */
  frontendCap?: unknown;
}

/**
 * A feature this frontend or the daemon does not support. The status code is Unknown, as the
 * standard frontend's (BuildKit's errdefs.UnsupportedSubrequestError carries no code), except
 * for a missing frontend capability (`frontendCap`), which is Unimplemented as in BuildKit's
 * dockerfile builder validateCaps.
 */
export class UnsupportedError extends Error {
  readonly unsupported = true;
  /** Set for an unknown `requestid`: adds an errdefs.Subrequest detail buildx recognises. */
  readonly subrequest?: string;
  /** Set for a missing frontend capability: adds an errdefs.FrontendCap detail. */
  readonly frontendCap?: string;

  constructor(message: string, options?: { cause?: unknown; subrequest?: string; frontendCap?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UnsupportedError';
    if (options?.subrequest !== undefined) this.subrequest = options.subrequest;
    if (options?.frontendCap !== undefined) this.frontendCap = options.frontendCap;
  }
}

function isUnsupported(e: unknown): e is Error & UnsupportedFlags {
  return e instanceof Error && (e as UnsupportedFlags).unsupported === true;
}

/**
 * A failed LLBBridge call. It is a grpc-js ServiceError (code, details, metadata) whose message
 * is BuildKit's own text, plus the decoded status so Return can pass it on unchanged.
 */
export class GatewayError extends Error {
  readonly code: number;
  /** grpc-js naming: the status message. */
  readonly details: string;
  readonly metadata: Metadata;
  readonly method: string;
  readonly status: Required<Status>;

  constructor(method: string, err: ServiceErrorLike) {
    const status = statusOfServiceError(err);
    super(status.message, { cause: err });
    this.name = 'GatewayError';
    this.code = status.code;
    this.details = err.details;
    this.metadata = err.metadata;
    this.method = method;
    this.status = status;
  }
}

export interface ServiceErrorLike extends Error {
  code: number;
  details: string;
  metadata: Metadata;
}

export function isServiceError(err: unknown): err is ServiceErrorLike {
  if (!(err instanceof Error)) return false;
  const e = err as Partial<ServiceErrorLike>;
  return typeof e.code === 'number' && typeof e.metadata?.get === 'function';
}

/** The status BuildKit sent, from `grpc-status-details-bin` when present. */
export function statusOfServiceError(err: ServiceErrorLike): Required<Status> {
  if (err instanceof GatewayError) return err.status;
  const bin = err.metadata.get('grpc-status-details-bin')[0];
  if (bin instanceof Uint8Array && bin.length > 0) {
    try {
      const st = decodeMessage<Status>('google.rpc.Status', bin);
      return { code: st.code ?? err.code, message: st.message ?? err.details, details: st.details ?? [] };
    } catch {
      // fall through: a malformed trailer still leaves code and message
    }
  }
  return { code: err.code, message: err.details ?? '', details: [] };
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && chain.length < 32 && !chain.includes(cur)) {
    chain.push(cur);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return chain;
}

/** The message of an error without any stack lines a thrower may have pasted in. */
function messageOf(err: unknown): string {
  let text: string;
  if (err instanceof GatewayError) text = err.message;
  else if (isServiceError(err)) text = statusOfServiceError(err).message;
  else if (err instanceof Error) text = err.message || err.name;
  else if (typeof err === 'string') text = err;
  else if (err === undefined || err === null) text = '';
  else {
    try {
      text = JSON.stringify(err) ?? String(err);
    } catch {
      text = String(err);
    }
  }
  const lines = text.split('\n').filter((l) => !/^\s+at\s/.test(l));
  return lines.join('\n').trim() || 'unknown error';
}

function jsonDetail(typeUrl: string, value: unknown): Any {
  return { type_url: typeUrl, value: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** The errdefs.Source detail for a located error whose source file is known. */
export function sourceDetail(err: LocatedError): Any | undefined {
  if (!err.source) return undefined;
  const { filename, data, language } = err.source;
  return jsonDetail(SOURCE_TYPE_URL, {
    info: { filename, data: Buffer.from(data).toString('base64'), language: language ?? 'Dockerfile' },
    ranges: err.ranges.map((r) => ({
      start: { line: r.start.line, character: r.start.character },
      end: { line: r.end.line, character: r.end.character },
    })),
  });
}

/**
 * JavaScript's own errors: a bug or an exhausted engine limit, never a message for a user. They
 * are told apart by class: the frontend throws Error subclasses of its own for every user error
 * (SyntaxError is left out: JSON.parse throws it for input).
 */
function isEngineError(e: unknown): e is Error {
  return e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError;
}

/** The text shown instead of an engine error's (the stack is on stderr with the debug switch). */
export function engineErrorText(e: Error): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return 'the input is nested too deeply for the frontend (JavaScript call stack limit)';
  }
  return `internal error in the frontend (${e.name}); build with --build-arg WASM_FRONTEND_DEBUG=1 to write its stack to the build output`;
}

/** The message for the user: an engine error's text is replaced wherever it was copied in. */
function userMessage(err: unknown, chain: unknown[]): string {
  let text = messageOf(err);
  for (const e of chain) {
    if (!isEngineError(e) || isServiceError(e)) continue;
    const inner = messageOf(e);
    text = text === inner || !text.includes(inner) ? engineErrorText(e) : text.split(inner).join(engineErrorText(e));
  }
  return text;
}

/** Converts any thrown value into the status sent with Return. */
export function toStatus(err: unknown): Required<Status> {
  const chain = causeChain(err);
  let code: number | undefined;
  const details: Any[] = [];
  let daemonDetailsTaken = false;
  for (const e of chain) {
    if (isServiceError(e)) {
      const st = statusOfServiceError(e);
      code ??= st.code;
      if (!daemonDetailsTaken) details.push(...st.details);
      daemonDetailsTaken = true;
    } else if (isUnsupported(e)) {
      if (typeof e.frontendCap === 'string') code ??= Code.Unimplemented;
      if (typeof e.subrequest === 'string') details.push(jsonDetail(SUBREQUEST_TYPE_URL, { name: e.subrequest }));
      if (typeof e.frontendCap === 'string') details.push(jsonDetail(FRONTEND_CAP_TYPE_URL, { name: e.frontendCap }));
    }
    if (e instanceof LocatedError) {
      const d = sourceDetail(e);
      if (d) details.push(d);
    }
  }
  return {
    code: code ?? Code.Unknown,
    message: userMessage(err, chain),
    details,
  };
}

export interface DescribedDetail {
  typeUrl: string;
  /** Parsed value for `+json` details. */
  json?: unknown;
  /** Raw value for anything else. */
  value?: Buffer;
}

export interface DescribedStatus {
  code: number;
  codeName: string;
  message: string;
  details: DescribedDetail[];
}

/** A readable form of a status: code name and JSON details parsed (for tests and logs). */
export function describeError(status: Status): DescribedStatus {
  const code = status.code ?? 0;
  return {
    code,
    codeName: CODE_NAMES.get(code) ?? `Code(${code})`,
    message: status.message ?? '',
    details: (status.details ?? []).map((d) => {
      const typeUrl = d.type_url ?? '';
      const value = Buffer.from(d.value ?? new Uint8Array());
      if (typeUrl.endsWith('+json')) {
        try {
          return { typeUrl, json: JSON.parse(value.toString('utf8')) as unknown };
        } catch {
          // not JSON after all: keep the bytes
        }
      }
      return { typeUrl, value };
    }),
  };
}
