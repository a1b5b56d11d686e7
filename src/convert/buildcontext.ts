/**
 * Where the Dockerfile and the main build context come from, as dockerui's initContext,
 * ReadEntrypoint and MainContext decide it:
 *
 *   1. the option named by `contextkey` (default `context`) holds a git URL: both from git;
 *   2. it holds an http(s) URL: an archive becomes the context, any other file is the Dockerfile;
 *   3. otherwise, when the daemon has frontend inputs: input `dockerfile` (unless `dockerfilekey`
 *      forces a local) and input `context` replace the locals;
 *   4. otherwise both are the client's locals `dockerfile` and `context`.
 *
 * Invariants:
 * - `contextsubdir` scopes a remote or input context, never a local one;
 * - a non-local context is used as given: no .dockerignore excludes, no follow paths;
 * - the ignore file next to the Dockerfile (`<filename>.dockerignore`) wins over the context's.
 */
import { FileAction, http, local, marshal, scratch, type State } from '../llb/index.js';
import type { Daemon, FrontendInputs } from './build.js';
import { parseDockerignore } from './dockerignore.js';
import { gitContext } from './gitref.js';
import { fromDefinition } from '../llb/index.js';
import type { BuildOptions } from './options.js';

export interface BuildContext {
  /** The main context when it is not the client's local `context` (remote or input). */
  context?: State;
  /** The Dockerfile's source when it is not a local (remote or input). */
  dockerfile?: State;
  /** The Dockerfile's path in its source. */
  filename: string;
  /** The local the Dockerfile is read from when `dockerfile` is unset. */
  dockerfileLocal: string;
}

export interface DefinitionFile {
  filename: string;
  data: Uint8Array;
  language: string;
}

export interface Definition {
  source: DefinitionFile;
  /** Exclude patterns for the local main context; empty for a non-local one. */
  ignore: string[];
}

export async function initContext(daemon: Daemon, env: FrontendInputs, opts: BuildOptions): Promise<BuildContext> {
  const bctx: BuildContext = { filename: opts.filename, dockerfileLocal: opts.dockerfileKey ?? 'dockerfile' };
  const remote = env.opts.get(opts.contextKey) ?? '';
  const git = gitContext(remote, opts.keepGitDir);
  if (git) {
    bctx.context = git;
    bctx.dockerfile = git;
  } else if (/^https?:\/\//.test(remote)) {
    await httpContext(daemon, remote, bctx);
  } else if (daemon.caps.frontend.has('frontend.inputs') && daemon.inputs) {
    let inputs;
    try {
      inputs = await daemon.inputs();
    } catch (err) {
      throw new Error(`failed to get frontend inputs: ${(err as Error).message}`, { cause: err });
    }
    if (opts.dockerfileKey === undefined && inputs.dockerfile) bctx.dockerfile = fromDefinition(inputs.dockerfile, 'input "dockerfile"');
    if (inputs.context) bctx.context = fromDefinition(inputs.context, 'input "context"');
  }
  if (bctx.context && opts.contextSubdir !== undefined) {
    bctx.context = scratch().file(FileAction.copy(bctx.context, opts.contextSubdir, '/', { dirCopyContents: true }));
  }
  return bctx;
}

/** DetectHTTPContext: download, then look at the first 1024 bytes. */
async function httpContext(daemon: Daemon, url: string, bctx: BuildContext): Promise<void> {
  const st = http(url, { filename: 'context', customName: '[internal] load remote build context' });
  let ref: string;
  try {
    ref = (await daemon.solve({ definition: marshal(st) })).ref?.id ?? '';
  } catch (err) {
    throw new Error(`failed to resolve httpcontext: ${(err as Error).message}`, { cause: err });
  }
  let head: Uint8Array;
  try {
    head = await daemon.readFile(ref, 'context', { offset: 0, length: 1024 });
  } catch (err) {
    throw new Error(`failed to read downloaded context: ${(err as Error).message}`, { cause: err });
  }
  if (isArchive(head)) {
    bctx.context = scratch().file(FileAction.copy(st, '/context', '/', { attemptUnpack: true }));
  } else {
    bctx.filename = 'context';
    bctx.context = st;
  }
  bctx.dockerfile = bctx.context;
}

/** bzip2, gzip, xz, or a tar header with a valid checksum. */
export function isArchive(header: Uint8Array): boolean {
  const magics = [[0x42, 0x5a, 0x68], [0x1f, 0x8b, 0x08], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]];
  if (magics.some((m) => header.length >= m.length && m.every((b, i) => header[i] === b))) return true;
  if (header.length < 512) return false;
  const field = Buffer.from(header.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === parseInt(field, 8);
}

/** Reads the Dockerfile (and its own .dockerignore, else the local context's) as dockerui does. */
export async function readDefinition(daemon: Daemon, env: FrontendInputs, bctx: BuildContext): Promise<Definition> {
  const { filename } = bctx;
  const dir = filename.includes('/') ? filename.slice(0, filename.lastIndexOf('/')) : '';
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  const lower = dir ? `${dir}/dockerfile` : 'dockerfile';
  let src = bctx.dockerfile;
  if (!src) {
    const follow = [filename, `${filename}.dockerignore`];
    if (base === 'Dockerfile') follow.push(lower);
    src = local(bctx.dockerfileLocal, {
      sessionId: env.opts.get(`local-sessionid:${bctx.dockerfileLocal}`) ?? env.sessionId,
      followPaths: follow,
      sharedKeyHint: bctx.dockerfileLocal,
      customName: `[internal] load build definition from ${filename}`,
      differ: 'none',
    });
  }
  // The context's own ignore file is fetched alongside, for a local context only.
  const ctxIgnore = bctx.context
    ? undefined
    : local('context', {
        sessionId: env.opts.get('local-sessionid:context') ?? env.sessionId,
        followPaths: ['.dockerignore'],
        sharedKeyHint: 'context-.dockerignore',
        customName: '[internal] load .dockerignore',
        differ: 'none',
      });
  const [dfRes, ignRes] = await Promise.all([
    daemon.solve({ definition: marshal(src) }).catch((err: unknown) => {
      throw new Error(`failed to resolve dockerfile: ${(err as Error).message}`, { cause: err });
    }),
    ctxIgnore ? daemon.solve({ definition: marshal(ctxIgnore) }) : undefined,
  ]);
  const dfRef = dfRes.ref?.id ?? '';
  let data: Uint8Array;
  try {
    data = await daemon.readFile(dfRef, filename);
  } catch (err) {
    // Any other failure (e.g. a Dockerfile over the gateway's 16 MiB message limit) is worded as
    // BuildKit's dockerui words it, "failed to read dockerfile: <cause>".
    if (!isNotFound(err)) throw new Error(`failed to read dockerfile: ${(err as Error).message}`, { cause: err });
    try {
      if (base !== 'Dockerfile') throw err;
      data = await daemon.readFile(dfRef, lower);
    } catch {
      throw new Error(`failed to read dockerfile: open ${filename}: no such file or directory`);
    }
  }
  let ignoreText = await readOptional(daemon, dfRef, `${filename}.dockerignore`);
  if (ignoreText === undefined && ignRes) ignoreText = await readOptional(daemon, ignRes.ref?.id ?? '', '.dockerignore');
  return {
    source: { filename, data, language: 'Dockerfile' },
    ignore: ignoreText ? parseDockerignore(ignoreText) : [],
  };
}

async function readOptional(daemon: Daemon, ref: string, path: string): Promise<string | undefined> {
  try {
    return Buffer.from(await daemon.readFile(ref, path)).toString('utf8');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return undefined;
  }
}

function isNotFound(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /no such file or directory|not found/i.test(msg);
}

/** The client's local main context, narrowed to `followPaths` when the build names them. */
export function localContext(env: FrontendInputs, ignore: string[], followPaths?: string[]): State {
  return local('context', {
    sessionId: env.opts.get('local-sessionid:context') ?? env.sessionId,
    excludePatterns: ignore.length ? ignore : undefined,
    followPaths,
    sharedKeyHint: 'context',
    customName: '[internal] load build context',
  });
}
