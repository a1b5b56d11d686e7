import { formatGoDuration, parseGoDuration, type CommandInstruction, type Instruction } from '../dockerfile/index.js';
import { FileAction } from '../llb/index.js';
import { joinRoot } from '../util/gopath.js';
import { processWord, processWords } from '../shell/index.js';
import { checkInstruction } from './checks.js';
import { dispatchCopy } from './copy.js';
import type { ConvertOptions } from './convert.js';
import type { EnvList } from './env.js';
import { addHistory, setEnv } from './image.js';
import { dispatchRun } from './run.js';
import { uppercaseCmd, type Command, type StageState } from './stage.js';

export interface DispatchContext {
  opt: ConvertOptions;
  globalArgs: EnvList;
  states: StageState[];
}

type Of<K extends Instruction['kind']> = Extract<Instruction, { kind: K }>;

/** Expands one word with the stage's variables (ENV and ARG), as BuildKit's lexer does. */
export function expander(ctx: DispatchContext, s: StageState): (word: string) => string {
  const escapeToken = ctx.opt.dockerfile.directives.escape;
  return (word) => processWord(word, s.env.getter, { escapeToken });
}

/** The progress name of a step: its source text with variables expanded, quotes kept. */
export function stepName(ctx: DispatchContext, s: StageState, original: string): string {
  let text = original;
  try {
    text = processWord(original, s.env.getter, { escapeToken: ctx.opt.dockerfile.directives.escape, skipUnsetEnv: true, skipProcessQuotes: true });
  } catch {
    // an unexpandable name is shown as written
  }
  return s.prefixCommand(uppercaseCmd(text), ctx.opt.multiPlatform);
}

export async function dispatch(ctx: DispatchContext, s: StageState, cmd: Command): Promise<void> {
  s.cmdIsOnBuild = cmd.isOnBuild;
  if (ctx.opt.lint) checkInstruction(ctx.opt, s, cmd, ctx.globalArgs);
  const c = cmd.instruction;
  switch (c.kind) {
    case 'env':
      return dispatchEnv(ctx, s, c);
    case 'label':
      return dispatchLabel(ctx, s, c);
    case 'arg':
      return dispatchArg(ctx, s, c);
    case 'workdir':
      return dispatchWorkdir(ctx, s, c);
    case 'user': {
      const user = expander(ctx, s)(c.user);
      s.user = user;
      s.image.config.User = user;
      addHistory(s.image, `USER ${user}`, false);
      return;
    }
    case 'cmd':
    case 'entrypoint':
      return dispatchCmdOrEntrypoint(s, c);
    case 'expose':
      return dispatchExpose(ctx, s, c);
    case 'volume': {
      const ex = expander(ctx, s);
      const vols = c.volumes.map(ex);
      s.image.config.Volumes ??= {};
      for (const v of vols) {
        if (v === '') throw new Error('VOLUME specified can not be an empty string');
        s.image.config.Volumes[v] = {};
      }
      addHistory(s.image, `VOLUME [${vols.join(' ')}]`, false);
      return;
    }
    case 'stopsignal': {
      const sig = expander(ctx, s)(c.signal);
      validateSignal(sig);
      s.image.config.StopSignal = sig;
      addHistory(s.image, `STOPSIGNAL ${sig}`, false);
      return;
    }
    case 'shell':
      s.image.config.Shell = [...c.shell];
      addHistory(s.image, `SHELL [${c.shell.join(' ')}]`, false);
      return;
    case 'healthcheck':
      return dispatchHealthcheck(s, c);
    case 'maintainer':
      s.image.author = c.maintainer;
      addHistory(s.image, `MAINTAINER ${c.maintainer}`, false);
      return;
    case 'onbuild':
      s.image.config.OnBuild = [...(s.image.config.OnBuild ?? []), c.expression];
      return;
    case 'run':
      return dispatchRun(ctx, s, c, cmd.sources);
    case 'copy':
    case 'add':
      return dispatchCopy(ctx, s, c, cmd.sources[0]);
    case 'from':
      throw new Error('FROM is not allowed inside a stage');
  }
}

/**
 * Every pair of one ENV is expanded against the environment from before the instruction, so in
 * `ENV A=2 B=$A` B gets the previous A, as Docker documents and BuildKit does.
 */
function dispatchEnv(ctx: DispatchContext, s: StageState, c: Of<'env'>): void {
  const ex = expander(ctx, s);
  const pairs = c.pairs.map((kv) => ({ key: ex(kv.key), value: ex(kv.value) }));
  let msg = 'ENV';
  for (const { key, value } of pairs) {
    msg += ` ${key}=${value}`;
    s.env = s.env.set(key, value);
    s.image.config.Env = setEnv(s.image.config.Env, key, value);
  }
  addHistory(s.image, msg, false);
}

function dispatchLabel(ctx: DispatchContext, s: StageState, c: Of<'label'>): void {
  const ex = expander(ctx, s);
  let msg = 'LABEL';
  // the stage owns its image config (StageState.init), so labels are set in place: linear in LABELs
  s.image.config.Labels ??= {};
  for (const kv of c.pairs) {
    const key = ex(kv.key);
    const value = ex(kv.value);
    s.image.config.Labels[key] = value;
    msg += ` ${key}=${value}`;
  }
  addHistory(s.image, msg, false);
}

/** Build args that never become environment variables of RUN steps. */
const nonEnvArgs = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE']);

function dispatchArg(ctx: DispatchContext, s: StageState, c: Of<'arg'>): void {
  const parts: string[] = [];
  for (const arg of c.args) {
    let value = arg.value;
    const given = ctx.opt.buildArgs.get(arg.key);
    if (given !== undefined) value = given;
    else if (value !== undefined) value = expander(ctx, s)(value);
    else value = ctx.globalArgs.get(arg.key);
    if (value !== undefined && !nonEnvArgs.has(arg.key)) s.env = s.env.set(arg.key, value);
    s.buildArgs.push({ key: arg.key, value });
    parts.push(value === undefined ? arg.key : `${arg.key}=${value}`);
  }
  addHistory(s.image, `ARG ${parts.join(' ')}`, false);
}

/** Joins a path onto the working directory as BuildKit's NormalizeWorkdir does. */
export function resolveWorkdir(current: string, p: string): string {
  const joined = p.startsWith('/') ? p : `${current || '/'}/${p}`;
  return joinRoot(joined);
}


function dispatchWorkdir(ctx: DispatchContext, s: StageState, c: Of<'workdir'>): void {
  const raw = expander(ctx, s)(c.path);
  s.workdirSet = true;
  const wd = resolveWorkdir(s.image.config.WorkingDir ?? s.cwd, raw);
  s.image.config.WorkingDir = wd;
  s.cwd = wd;
  if (wd === '/') {
    addHistory(s.image, `WORKDIR ${wd}`, false);
    return;
  }
  const user = s.image.config.User;
  s.state = s.state.file(
    FileAction.mkdir(wd, 0o755, { makeParents: true, owner: user ? chownFromUser(user) : undefined }),
    {
      customName: stepName(ctx, s, c.original),
      description: { 'com.docker.dockerfile.v1.command': c.original },
      locations: [c.range],
      ignoreCache: s.ignoreCache || undefined,
    },
  );
  addHistory(s.image, `WORKDIR ${wd}`, true);
}

/** "user[:group]" as the owner of created files; numeric parts become ids. */
export function chownFromUser(spec: string): import('../llb/index.js').ChownSpec {
  const [u, g] = spec.split(':', 2);
  const one = (v: string) => (v === 'root' ? { id: 0 } : /^-?\d+$/.test(v) ? { id: Number(v) } : { name: v });
  const out: import('../llb/index.js').ChownSpec = {};
  if (u) out.user = one(u);
  if (g) out.group = one(g);
  return out;
}

function withShell(s: StageState, args: string[]): string[] {
  const shell = s.image.config.Shell?.length ? s.image.config.Shell : s.image.os === 'windows' ? ['cmd', '/S', '/C'] : ['/bin/sh', '-c'];
  return [...shell, args.join(' ')];
}

export function shellArgs(s: StageState, args: string[], prependShell: boolean): string[] {
  return prependShell ? withShell(s, args) : [...args];
}

function goQuoteList(args: string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(' ')}]`;
}

function dispatchCmdOrEntrypoint(s: StageState, c: CommandInstruction): void {
  const args = shellArgs(s, c.cmdLine, c.prependShell);
  if (c.kind === 'cmd') {
    s.image.config.Cmd = args;
    s.image.config.ArgsEscaped = true;
    s.cmdSet = true;
    addHistory(s.image, `CMD ${goQuoteList(args)}`, false);
  } else {
    s.image.config.Entrypoint = args;
    if (!s.cmdSet) s.image.config.Cmd = null;
    addHistory(s.image, `ENTRYPOINT ${goQuoteList(args)}`, false);
  }
}

function dispatchExpose(ctx: DispatchContext, s: StageState, c: Of<'expose'>): void {
  const escapeToken = ctx.opt.dockerfile.directives.escape;
  const words = c.ports.flatMap((p) => processWords(p, s.env.getter, { escapeToken }));
  const ports: string[] = [];
  for (const w of words) ports.push(...parsePortSpec(w));
  s.image.config.ExposedPorts = { ...(s.image.config.ExposedPorts ?? {}) };
  for (const p of ports) s.image.config.ExposedPorts[p] = {};
  addHistory(s.image, `EXPOSE [${ports.join(' ')}]`, false);
}

/** "80", "80/udp", "8000-8002/tcp", "127.0.0.1:80:80" → "80/tcp" style keys. */
export function parsePortSpec(spec: string): string[] {
  const parts = spec.split(':');
  const portProto = parts[parts.length - 1];
  const [port, proto = 'tcp'] = portProto.split('/', 2);
  if (!/^(tcp|udp|sctp)$/i.test(proto)) throw new Error(`invalid proto: ${proto}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(port);
  if (!m) throw new Error(`invalid containerPort: ${port}`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (start > 65535 || end > 65535 || end < start) throw new Error(`invalid containerPort: ${port}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto.toLowerCase()}`);
  return out;
}

const signals = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL',
  'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP',
  'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
]);

function validateSignal(sig: string): void {
  if (/^\d+$/.test(sig)) {
    if (Number(sig) === 0) throw new Error(`invalid signal: ${sig}`);
    return;
  }
  const name = sig.toUpperCase().replace(/^SIG/, '');
  if (signals.has(name) || /^RTMIN\+\d+$|^RTMAX-\d+$/.test(name)) return;
  throw new Error(`invalid signal: ${sig}`);
}

function dispatchHealthcheck(s: StageState, c: Of<'healthcheck'>): void {
  const hc: NonNullable<typeof s.image.config.Healthcheck> = { Test: [...c.test] };
  const dur = (v: string | undefined) => (v === undefined ? 0n : parseGoDuration(v));
  const interval = dur(c.interval);
  const timeout = dur(c.timeout);
  const startPeriod = dur(c.startPeriod);
  const startInterval = dur(c.startInterval);
  const retries = c.retries === undefined ? 0 : Number(c.retries);
  if (interval) hc.Interval = Number(interval);
  if (timeout) hc.Timeout = Number(timeout);
  if (startPeriod) hc.StartPeriod = Number(startPeriod);
  if (startInterval) hc.StartInterval = Number(startInterval);
  if (retries) hc.Retries = retries;
  s.image.config.Healthcheck = hc;
  // Go's %+v of the config struct, as BuildKit writes it: every field, durations as Duration.String
  const text =
    `{Test:[${hc.Test!.join(' ')}] Interval:${formatGoDuration(interval)} Timeout:${formatGoDuration(timeout)} ` +
    `StartPeriod:${formatGoDuration(startPeriod)} StartInterval:${formatGoDuration(startInterval)} Retries:${retries}}`;
  addHistory(s.image, `HEALTHCHECK ${text}`, false);
}
