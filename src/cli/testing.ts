/**
 * Test support (imported only by *.test.ts): the fixture recordings under test/cli/fixtures and a
 * fake Runner that replays them.
 *
 * A recording is a text file: "#" header lines (where the output comes from; "# command:" and
 * "# exit:"), then "--- stdout" and "--- stderr" sections holding the output verbatim.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunOptions, RunResult, Runner } from './exec.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(REPO, 'test/cli/fixtures');

export interface Recording {
  name: string;
  header: string[];
  command: string;
  exit: number;
  stdout: string;
  stderr: string;
}

export function parseRecording(name: string, text: string): Recording {
  const lines = text.split('\n');
  const header: string[] = [];
  let i = 0;
  for (; i < lines.length && lines[i].startsWith('#'); i++) header.push(lines[i].replace(/^# ?/, ''));
  const field = (key: string) => header.find((h) => h.startsWith(`${key}:`))?.slice(key.length + 1).trim();
  const command = field('command');
  const exit = field('exit');
  if (command === undefined || exit === undefined) throw new Error(`fixture ${name}: header needs "# command:" and "# exit:"`);
  if (lines[i] !== '--- stdout') throw new Error(`fixture ${name}: expected "--- stdout" after the header, got ${JSON.stringify(lines[i])}`);
  const stderrAt = lines.indexOf('--- stderr', i + 1);
  if (stderrAt < 0) throw new Error(`fixture ${name}: no "--- stderr" section`);
  const section = (from: number, to: number) => {
    const body = lines.slice(from, to);
    // A file ends with "\n", so the last split element is "" and not a line of output.
    if (to === lines.length && body.length > 0 && body[body.length - 1] === '') body.pop();
    return body.length > 0 ? `${body.join('\n')}\n` : '';
  };
  return { name, header, command, exit: Number(exit), stdout: section(i + 1, stderrAt), stderr: section(stderrAt + 1, lines.length) };
}

export function loadFixture(name: string): Recording {
  const file = path.join(FIXTURES, name.endsWith('.txt') ? name : `${name}.txt`);
  return parseRecording(path.basename(file), fs.readFileSync(file, 'utf8'));
}

export function listFixtures(): string[] {
  return fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.txt')).sort();
}

/** A reply: a fixture name, a recording, or an inline result. */
export type Reply = string | Recording | { exit: number; stdout?: string; stderr?: string };

export interface Rule {
  /** The docker arguments (after the binary) this rule answers; a prefix when `prefix` is set. */
  args: readonly string[];
  prefix?: boolean;
  /** Replies in order; the last one repeats. */
  replies: Reply[];
}

export interface FakeRunner extends Runner {
  calls: { argv: string[]; options?: RunOptions }[];
}

/** A Runner that answers from rules; an unmatched call fails the test with the argv it got. */
export function fakeRunner(rules: Rule[]): FakeRunner {
  const used = new Map<Rule, number>();
  const calls: FakeRunner['calls'] = [];
  const runner = (async (argv: readonly string[], options?: RunOptions): Promise<RunResult> => {
    calls.push({ argv: [...argv], options });
    const args = argv.slice(1);
    const rule = rules.find((r) =>
      r.prefix ? r.args.every((a, i) => args[i] === a) : r.args.length === args.length && r.args.every((a, i) => args[i] === a),
    );
    if (!rule) throw new Error(`fake docker: no rule for ${JSON.stringify(args)}`);
    const n = used.get(rule) ?? 0;
    used.set(rule, n + 1);
    const reply = rule.replies[Math.min(n, rule.replies.length - 1)];
    const r = typeof reply === 'string' ? loadFixture(reply) : reply;
    const exit = 'exit' in r ? r.exit : 0;
    return { argv: [...argv], exitCode: exit, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }) as FakeRunner;
  runner.calls = calls;
  return runner;
}

/** A Runner for which docker does not exist. */
export const missingDockerRunner: Runner = async (argv) => ({ argv, exitCode: 127, stdout: '', stderr: '', notFound: true, spawnError: `spawn ${argv[0]} ENOENT` });
