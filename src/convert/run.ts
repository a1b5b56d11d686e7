import { FileAction, scratch, type ExecOptions, type MountSpec } from '../llb/index.js';
import { chompHeredocContent, heredocMarkerOf, suggest, type Instruction } from '../dockerfile/index.js';
import { expander, shellArgs, stepName, type DispatchContext } from './dispatch.js';
import { addHistory } from './image.js';
import { parseMount } from './runmount.js';
import type { StageState } from './stage.js';
import { clean, joinRoot } from '../util/gopath.js';
import { UnsupportedFeatureError } from './errors.js';

type Run = Extract<Instruction, { kind: 'run' }>;


function summarizeHeredoc(doc: string): string {
  const lines = doc.trim().replace(/\r\n/g, '\n').split('\n');
  return lines[0] + (lines.length > 1 ? '...' : '');
}

export function dispatchRun(ctx: DispatchContext, s: StageState, c: Run, sources: (StageState | undefined)[]): void {
  const { opt } = ctx;
  let args = [...c.cmdLine];
  let customName = c.original;
  const mounts: MountSpec[] = [];
  if (c.heredocs.length > 0) {
    if (args.length !== 1 || !c.prependShell) throw new Error(`parsing produced an invalid run command: [${args.join(' ')}]`);
    if (heredocMarkerOf(args[0])) {
      const doc = c.heredocs[0];
      const data = doc.chomp ? chompHeredocContent(doc.content) : doc.content;
      if (s.image.os !== 'windows' && data.startsWith('#!')) {
        const file = scratch().file(FileAction.mkfile(`/${doc.name}`, 0o755, data), { customName: '[internal] preparing inline document' });
        mounts.push({ type: 'bind', dest: '/dev/pipes/', source: file, selector: '/', readonly: true });
        args = [`/dev/pipes/${doc.name}`];
      } else {
        args = [data];
      }
      customName += ` (${summarizeHeredoc(doc.content)})`;
    } else {
      let b = args[0];
      for (const doc of c.heredocs) b += `\n${doc.content}${doc.name}`;
      args = [b];
    }
  }
  args = shellArgs(s, args, c.prependShell);

  const ex = expander(ctx, s);
  const caps = opt.llbCaps;
  let sshIndex = 0;
  let sshSock: string | undefined;
  const secretEnv: NonNullable<ExecOptions['secretEnv']> = [];
  c.mounts.forEach((value, i) => {
    const m = parseMount(value, ex, suggest);
    if (m.type === 'secret') {
      let id = m.source || m.id || '';
      if (!id) {
        if (!m.target) throw new Error('one of source, target required');
        id = m.target.split('/').pop()!;
      }
      if (m.env !== undefined) {
        if (!caps.has('exec.secretenv')) throw new UnsupportedFeatureError('RUN --mount=type=secret,env=', 'exec.secretenv');
        secretEnv.push({ id, name: m.env, optional: !m.required });
        if (!m.target) return;
      }
      const dest = m.target || `/run/secrets/${id.split('/').pop()}`;
      mounts.push({ type: 'secret', dest, id, uid: m.uid ?? 0, gid: m.gid ?? 0, mode: m.mode ?? 0o400, optional: !m.required });
      return;
    }
    if (m.type === 'ssh') {
      if (m.source) throw new Error('ssh does not support source');
      const dest = m.target || `/run/buildkit/ssh_agent.${sshIndex}`;
      sshIndex++;
      sshSock ??= dest;
      mounts.push({ type: 'ssh', dest, id: m.id || 'default', uid: m.uid ?? 0, gid: m.gid ?? 0, mode: m.mode ?? 0o600, optional: !m.required });
      return;
    }
    let target = m.target ?? '';
    if (!target) throw new Error(`invalid mount target "${target}"`);
    const cacheTarget = target;
    if (!target.startsWith('/')) target = joinRoot(`/${s.cwd}/${target}`);
    else target = joinRoot(target);
    if (target === '/') throw new Error(`invalid mount target "${target}"`);
    const src = sources[i];
    if (m.from && src && !src.dispatched) {
      throw new Error(`cannot mount from stage "${m.from}" to "${m.target}", stage needs to be defined before current command`);
    }
    let source = src ? src.state : opt.context;
    let selector = m.source ? joinRoot(`/${m.source}`) : '/';
    if (m.type === 'tmpfs') {
      if (m.size && !caps.has('exec.mount.tmpfs.size')) throw new UnsupportedFeatureError('RUN --mount=type=tmpfs,size=', 'exec.mount.tmpfs.size');
      mounts.push({ type: 'tmpfs', dest: target, size: m.size });
      return;
    }
    if (m.type === 'cache') {
      if (!src) source = scratch();
      if (selector === '/' && (m.uid !== undefined || m.gid !== undefined || m.mode !== undefined)) {
        source = source.file(
          FileAction.mkdir('/cache', m.mode ?? 0o755, { owner: { user: { id: m.uid ?? 0 }, group: { id: m.gid ?? 0 } } }),
        );
        selector = '/cache';
      }
      const id = `${opt.buildArgs.get('BUILDKIT_CACHE_MOUNT_NS') ?? ''}/${m.id || clean(cacheTarget)}`;
      mounts.push({
        type: 'cache',
        dest: target,
        id,
        sharing: m.sharing ?? 'shared',
        source: source.isScratch() ? undefined : source,
        selector: selector === '/' ? undefined : selector,
      });
      return;
    }
    mounts.push({
      type: 'bind',
      dest: target,
      source,
      selector: selector === '/' ? undefined : selector,
      readonly: m.readonly || undefined,
      output: !m.readonly && caps.has('exec.mount.bind.readwrite-nooutput') ? false : undefined,
    });
  });

  if (opt.shmSize > 0 && caps.has('exec.mount.tmpfs.size')) mounts.push({ type: 'tmpfs', dest: '/dev/shm', size: opt.shmSize });

  let env = s.env;
  if (sshSock && !env.has('SSH_AUTH_SOCK')) env = env.set('SSH_AUTH_SOCK', sshSock);

  const exec: ExecOptions = {
    args,
    env: env.toArray(),
    cwd: s.cwd,
    user: s.user || undefined,
    platform: s.platform,
    mounts,
    network: runNetwork(c.network, opt.networkMode, caps),
    security: runSecurity(c.security, caps),
    hostname: opt.hostname,
    extraHosts: opt.extraHosts.length ? opt.extraHosts : undefined,
    proxyEnv: proxyEnvFromArgs(opt.buildArgs),
    secretEnv: secretEnv.length ? secretEnv : undefined,
  };
  // BuildKit's frontend drops these silently without the cap; a located error says why instead
  if (opt.ulimits.length) {
    if (!caps.has('exec.meta.ulimit')) throw new UnsupportedFeatureError('the ulimit option', 'exec.meta.ulimit');
    exec.ulimits = opt.ulimits;
  }
  if (opt.cgroupParent) {
    if (!caps.has('exec.meta.cgroup.parent')) throw new UnsupportedFeatureError('the cgroup-parent option', 'exec.meta.cgroup.parent');
    exec.cgroupParent = opt.cgroupParent;
  }

  const name = stepName(ctx, s, customName);
  s.state = s.state
    .run(exec, {
      customName: name,
      description: { 'com.docker.dockerfile.v1.command': c.original },
      locations: [c.range],
      ignoreCache: s.ignoreCache || undefined,
    })
    .root();
  addHistory(s.image, `RUN ${runCommandString(args, s)}`, true, true);
}


function runNetwork(flag: string | undefined, forced: 'sandbox' | 'host' | 'none', caps: ReadonlySet<string>): ExecOptions['network'] {
  const v = flag ?? forced;
  if (v === 'default' || v === 'sandbox') return forced === 'sandbox' ? undefined : forced;
  if (v !== 'none' && v !== 'host') throw new Error(`unsupported network mode "${v}"`);
  if (!caps.has('exec.meta.network')) throw new UnsupportedFeatureError(`RUN --network=${v}`, 'exec.meta.network');
  return v;
}

function runSecurity(flag: string | undefined, caps: ReadonlySet<string>): ExecOptions['security'] {
  if (!flag || flag === 'sandbox') return undefined;
  if (flag !== 'insecure') throw new Error(`unsupported security mode "${flag}"`);
  if (!caps.has('exec.meta.security')) throw new UnsupportedFeatureError('RUN --security=insecure', 'exec.meta.security');
  return 'insecure';
}

function proxyEnvFromArgs(args: ReadonlyMap<string, string>): ExecOptions['proxyEnv'] {
  const out: NonNullable<ExecOptions['proxyEnv']> = {};
  let any = false;
  for (const k of [...args.keys()].sort()) {
    const v = args.get(k)!;
    switch (k.toLowerCase()) {
      case 'http_proxy':
        out.httpProxy = v;
        any = true;
        break;
      case 'https_proxy':
        out.httpsProxy = v;
        any = true;
        break;
      case 'ftp_proxy':
        out.ftpProxy = v;
        any = true;
        break;
      case 'no_proxy':
        out.noProxy = v;
        any = true;
        break;
      case 'all_proxy':
        out.allProxy = v;
        any = true;
        break;
    }
  }
  return any ? out : undefined;
}

/** The history text of a RUN: "|N K=V ... args" with the stage's build args first. */
function runCommandString(args: string[], s: StageState): string {
  const vals: string[] = [];
  const idx = new Map<string, number>();
  for (const a of s.buildArgs) {
    const v = s.env.get(a.key) ?? a.value ?? '';
    const kv = `${a.key}=${v}`;
    const i = idx.get(a.key);
    if (i !== undefined) vals[i] = kv;
    else {
      idx.set(a.key, vals.length);
      vals.push(kv);
    }
  }
  const prefix = vals.length ? [`|${vals.length}`, ...vals] : [];
  return [...prefix, ...args].join(' ');
}
