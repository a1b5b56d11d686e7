import { describe, expect, it } from 'vitest';
import { execaRunner, formatArgv, shellQuote } from './exec.js';

const node = process.execPath;
const script = 'process.stdout.write("out\\n"); process.stderr.write("err\\n"); process.exitCode = Number(process.argv[1] ?? 0)';

describe('execaRunner', () => {
  it('captures stdout, stderr and the exit code, byte for byte', async () => {
    const r = await execaRunner([node, '-e', script, '3']);
    expect(r).toEqual({ argv: [node, '-e', script, '3'], exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it.each(['stream', 'stream-stderr'] as const)('%s also collects the output it passes on', async (output) => {
    const r = await execaRunner([node, '-e', script], { output });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes env and cwd', async () => {
    const r = await execaRunner([node, '-e', 'process.stdout.write(process.env.X + " " + process.cwd())'], { env: { X: 'y' }, cwd: '/' });
    expect(r.stdout).toBe('y /');
  });

  it('reports a missing program as data, exit 127', async () => {
    const r = await execaRunner(['/nonexistent/docker', 'version']);
    expect(r).toMatchObject({ exitCode: 127, notFound: true, stdout: '', stderr: '' });
    expect(r.spawnError).toMatch(/ENOENT/);
  });
});

describe('formatArgv', () => {
  it('quotes what a shell would need quoted', () => {
    expect(formatArgv(['docker', 'version', '--format', '{{json .}}'])).toBe("docker version --format '{{json .}}'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('type=local,dest=out/x')).toBe('type=local,dest=out/x');
  });
});
