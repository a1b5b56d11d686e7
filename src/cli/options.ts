/**
 * Command declarations and their flag parsing (node:util parseArgs, strict), with usage errors
 * that name the flag and suggest the nearest known one, as BuildKit does for Dockerfile flags.
 */
import { parseArgs } from 'node:util';
import { suggest } from '../dockerfile/suggest.js';
import { UsageError } from './errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in help: "--name NAME". */
  valueName?: string;
  description: string;
}

export interface CommandSpec {
  /** "builder create", "doctor", "build". */
  name: string;
  summary: string;
  /** Positional arguments, e.g. "[CONTEXT]". */
  args?: string;
  maxPositionals: number;
  options: Record<string, OptionSpec>;
  /** Extra help text after the flags. */
  details?: string;
}

/** Flags every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print one JSON document on stdout instead of text' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
}

export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): Parsed {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(options)) {
    config[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (err) {
    throw usageFromParseError(err, spec, Object.keys(options));
  }
  if (parsed.positionals.length > spec.maxPositionals) {
    const extra = parsed.positionals.slice(spec.maxPositionals);
    throw new UsageError(`${spec.name}: unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(' ')}`, { fix: `wasm-frontend ${spec.name} --help` });
  }
  return parsed;
}

function usageFromParseError(err: unknown, spec: CommandSpec, names: string[]): UsageError {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const unknown = /Unknown option '(-{1,2})([^'=]+)'/.exec(message);
  if (unknown) {
    const flag = `${unknown[1]}${unknown[2]}`;
    const hint = unknown[1] === '--' ? suggest(unknown[2], names) : undefined;
    return new UsageError(`${spec.name}: unknown flag: ${flag}${hint ? ` (did you mean --${hint}?)` : ''}`, { fix: `wasm-frontend ${spec.name} --help` });
  }
  const missing = /Option '(?:-\w, )?--([^ ]+) <value>' argument missing/.exec(message);
  if (missing) return new UsageError(`${spec.name}: flag needs a value: --${missing[1]}`, { fix: `wasm-frontend ${spec.name} --help` });
  const notValue = /Option '(?:-\w, )?--([^ ']+)' does not take an argument/.exec(message);
  if (notValue) return new UsageError(`${spec.name}: flag takes no value: --${notValue[1]}`, { fix: `wasm-frontend ${spec.name} --help` });
  return new UsageError(`${spec.name}: ${message.split('\n')[0].replace(/\.$/, '')}`, { fix: `wasm-frontend ${spec.name} --help` });
}

export function formatHelp(spec: CommandSpec): string {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    return [flag, o.description + (o.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const lines = [
    `Usage: wasm-frontend ${spec.name} [flags]${spec.args ? ` ${spec.args}` : ''}`,
    '',
    spec.summary,
    '',
    'Flags:',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}${d}`),
  ];
  if (spec.details) lines.push('', spec.details.trimEnd());
  return lines.join('\n') + '\n';
}

export function str(v: Values[string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function list(v: Values[string]): string[] {
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

export function bool(v: Values[string]): boolean {
  return v === true;
}
