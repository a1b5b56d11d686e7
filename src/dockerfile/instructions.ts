/**
 * Typed instruction records from parsed lines, as BuildKit's instructions package: argument
 * counts, flags and the checks BuildKit makes before dispatch. Each function throws a plain
 * Error in BuildKit's words; the caller attaches the instruction's range.
 */
import { goQuote } from '../shell/goquote.js';
import { BFlags } from './flags.js';
import { parseGoDuration, parseGoInt32 } from './gostrconv.js';
import { heredocMarkerOf, type Heredoc } from './heredoc.js';
import type { Node } from './nodes.js';
import { suggest } from './suggest.js';
import type { HealthcheckInstruction, Instruction } from './types.js';

/** Instruction keywords, uppercase, in the order used for suggestions. */
export const INSTRUCTION_NAMES = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK',
  'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
] as const;

const VALID_STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

const atLeastOne = (cmd: string) => new Error(`${cmd} requires at least one argument`);
const exactlyOne = (cmd: string) => new Error(`${cmd} requires exactly one argument`);
const noDestination = (cmd: string) =>
  new Error(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);
const blankNames = (cmd: string) => new Error(`${cmd} names can not be blank`);

/** An empty flag value counts as not given, as in BuildKit. */
const opt = (v: string): string | undefined => (v === '' ? undefined : v);

/** BuildKit's handleJSONArgs: exec form as is, shell form joined into one string. */
function cmdLine(node: Node): string[] {
  if (node.args.length === 0) return [];
  return node.json ? [...node.args] : [node.args.join(' ')];
}

export function parseNode(node: Node): Instruction {
  const base = { range: node.range, original: node.original, keyword: node.keyword, comments: node.comments };
  const args = node.args;
  const flags = new BFlags(node.flags);
  const cmd = node.keyword.toLowerCase();
  switch (cmd) {
    case 'from': {
      let stageName: string | undefined;
      if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
        stageName = args[2]!.toLowerCase();
        if (!VALID_STAGE_NAME.test(stageName)) {
          throw new Error(
            `invalid name for build stage: ${goQuote(args[2])}, name can't start with a number or contain symbols`,
          );
        }
      } else if (args.length !== 1) {
        throw new Error('FROM requires either one or three arguments');
      }
      const platform = flags.addString('platform');
      flags.parse();
      return { ...base, kind: 'from', image: args[0]!, stageName, platform: opt(platform.value) };
    }
    case 'arg':
      if (args.length === 0) throw atLeastOne('ARG');
      return {
        ...base,
        kind: 'arg',
        args: args.map((a) => {
          const eq = a.indexOf('=');
          if (eq < 0) return { key: a };
          if (eq === 0) throw blankNames('ARG');
          return { key: a.slice(0, eq), value: a.slice(eq + 1) };
        }),
      };
    case 'env':
    case 'label': {
      const name = cmd.toUpperCase();
      flags.parse();
      if (node.pairs.length === 0) throw atLeastOne(name);
      if (node.pairs.some((p) => p.key === '')) throw blankNames(name);
      const legacy = node.pairs.some((p) => p.legacy);
      return { ...base, kind: cmd, pairs: node.pairs.map(({ key, value }) => ({ key, value })), ...(legacy ? { legacy } : {}) };
    }
    case 'maintainer':
      if (args.length !== 1) throw exactlyOne('MAINTAINER');
      flags.parse();
      return { ...base, kind: 'maintainer', maintainer: args[0]! };
    case 'add':
    case 'copy': {
      const name = cmd.toUpperCase();
      if (args.length < 2) throw noDestination(name);
      const chown = flags.addString('chown');
      const from = cmd === 'copy' ? flags.addString('from') : undefined;
      const chmod = flags.addString('chmod');
      const link = flags.addBool('link');
      const keepGitDir = cmd === 'add' ? flags.addBool('keep-git-dir') : undefined;
      const checksum = cmd === 'add' ? flags.addString('checksum') : undefined;
      const unpack = cmd === 'add' ? flags.addBool('unpack') : undefined;
      const exclude = flags.addStrings('exclude');
      const parents = cmd === 'copy' ? flags.addBool('parents') : undefined;
      flags.parse();
      const common = {
        ...base,
        ...sourcesAndDest(node, name),
        chown: opt(chown.value),
        chmod: opt(chmod.value),
        link: link.value === 'true',
        exclude: exclude.values,
      };
      if (cmd === 'copy') return { ...common, kind: 'copy', from: opt(from!.value), parents: parents!.value === 'true' };
      return {
        ...common,
        kind: 'add',
        checksum: opt(checksum!.value),
        keepGitDir: keepGitDir!.used ? keepGitDir!.value === 'true' : undefined,
        unpack: unpack!.used ? unpack!.value === 'true' : undefined,
      };
    }
    case 'onbuild': {
      if (!node.trigger) throw atLeastOne('ONBUILD');
      flags.parse();
      const trigger = node.trigger.keyword.trim().toUpperCase();
      if (trigger === 'ONBUILD') throw new Error('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new Error(`${trigger} isn't allowed as an ONBUILD trigger`);
      let expression = node.original.replace(/^[\t\n\f\r ]*onbuild[\t\n\f\r ]*/i, '');
      for (const h of node.heredocs) expression += '\n' + h.content + h.name;
      return { ...base, kind: 'onbuild', expression };
    }
    case 'workdir':
    case 'user': {
      if (args.length !== 1) throw exactlyOne(cmd.toUpperCase());
      flags.parse();
      return cmd === 'workdir' ? { ...base, kind: 'workdir', path: args[0]! } : { ...base, kind: 'user', user: args[0]! };
    }
    case 'run': {
      const devices = flags.addStrings('device');
      const mounts = flags.addStrings('mount');
      const network = flags.addString('network');
      const security = flags.addString('security');
      flags.parse();
      if (network.used && !['default', 'none', 'host'].includes(network.value)) {
        throw new Error(`invalid network mode ${goQuote(network.value)}`);
      }
      if (security.used && !['insecure', 'sandbox'].includes(security.value)) {
        throw new Error(`security ${goQuote(security.value)} is not valid`);
      }
      return {
        ...base,
        kind: 'run',
        prependShell: !node.json,
        cmdLine: cmdLine(node),
        heredocs: node.heredocs,
        mounts: mounts.values,
        network: network.used ? network.value : undefined,
        security: security.used ? security.value : undefined,
        devices: devices.values,
      };
    }
    case 'cmd':
    case 'entrypoint':
      flags.parse();
      return { ...base, kind: cmd, prependShell: !node.json, cmdLine: cmdLine(node) };
    case 'healthcheck':
      return { ...base, ...healthcheck(node, flags) };
    case 'expose':
      if (args.length === 0) throw atLeastOne('EXPOSE');
      flags.parse();
      return { ...base, kind: 'expose', ports: [...args].sort(compareBytes) };
    case 'volume': {
      if (args.length === 0) throw atLeastOne('VOLUME');
      flags.parse();
      const volumes = args.map((v) => v.trim());
      if (volumes.some((v) => v === '')) throw new Error('VOLUME specified can not be an empty string');
      return { ...base, kind: 'volume', volumes };
    }
    case 'stopsignal':
      // BuildKit never parses STOPSIGNAL's flags, so any are ignored.
      if (args.length !== 1) throw exactlyOne('STOPSIGNAL');
      return { ...base, kind: 'stopsignal', signal: args[0]! };
    case 'shell': {
      flags.parse();
      const shell = cmdLine(node);
      if (shell.length === 0) throw atLeastOne('SHELL');
      if (!node.json) throw new Error('SHELL requires the arguments to be in JSON form');
      return { ...base, kind: 'shell', shell };
    }
    default: {
      const hint = suggest(node.keyword, INSTRUCTION_NAMES, { caseSensitive: false });
      throw new Error(`unknown instruction: ${node.keyword}` + (hint ? ` (did you mean ${hint}?)` : ''));
    }
  }
}

/** Splits ADD/COPY arguments; heredoc markers become inline files holding their bodies. */
function sourcesAndDest(node: Node, name: string): { sources: string[]; dest: string; sourceHeredocs: Heredoc[] } {
  const dest = node.args[node.args.length - 1]!;
  if (heredocMarkerOf(dest)) throw new Error(`${name} cannot accept a heredoc as a destination`);
  const bodies = new Map(node.heredocs.map((h) => [h.name, h.content]));
  const sources: string[] = [];
  const sourceHeredocs: Heredoc[] = [];
  for (const src of node.args.slice(0, -1)) {
    const marker = heredocMarkerOf(src);
    if (marker) sourceHeredocs.push({ name: marker.name, content: bodies.get(marker.name) ?? '', expand: marker.expand, chomp: marker.chomp });
    else sources.push(src);
  }
  return { sources, dest, sourceHeredocs };
}

function healthcheck(node: Node, flags: BFlags): Omit<HealthcheckInstruction, 'range' | 'original'> {
  if (node.args.length === 0) throw atLeastOne('HEALTHCHECK');
  const type = node.args[0]!.toUpperCase();
  const rest = node.args.slice(1);
  if (type === 'NONE') {
    // As in BuildKit, flags are neither declared nor checked for NONE.
    if (rest.length !== 0) throw new Error('HEALTHCHECK NONE takes no arguments');
    return { kind: 'healthcheck', test: ['NONE'] };
  }
  const interval = flags.addString('interval');
  const timeout = flags.addString('timeout');
  const startPeriod = flags.addString('start-period');
  const startInterval = flags.addString('start-interval');
  const retries = flags.addString('retries');
  flags.parse();
  if (type !== 'CMD') throw new Error(`Unknown type ${goQuote(type)} in HEALTHCHECK (try CMD)`);
  const cmd = node.json ? rest : rest.length ? [rest.join(' ')] : [];
  if (cmd.length === 0) throw new Error('Missing command after HEALTHCHECK CMD');
  for (const f of [interval, timeout, startPeriod, startInterval]) {
    if (f.value === '') continue;
    const ns = parseGoDuration(f.value);
    if (ns !== 0n && ns < 1_000_000n) throw new Error(`Interval ${goQuote(f.name)} cannot be less than 1ms`);
  }
  if (retries.value !== '') {
    const n = parseGoInt32(retries.value);
    if (n < 0) throw new Error(`--retries cannot be negative (${n})`);
  }
  return {
    kind: 'healthcheck',
    test: [node.json ? 'CMD' : 'CMD-SHELL', ...cmd],
    interval: opt(interval.value),
    timeout: opt(timeout.value),
    startPeriod: opt(startPeriod.value),
    startInterval: opt(startInterval.value),
    retries: opt(retries.value),
  };
}

/** Go's string ordering: bytewise UTF-8, which is code point order. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
