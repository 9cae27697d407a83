import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/tools/run-command';
import { waitUntilDead } from '../support/processes';

const node = process.execPath;

function readPid(file: string): number {
  const pid = Number(readFileSync(file, 'utf8').trim());
  expect(Number.isInteger(pid) && pid > 0).toBe(true);
  return pid;
}

describe('runCommand', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-command-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports exit code 0 and the output of a successful command', async () => {
    const result = await runCommand({ argv: ['echo', 'hello'], timeoutMs: 5_000 });
    expect(result).toEqual({
      exitCode: 0,
      signal: null,
      timedOut: false,
      aborted: false,
      output: 'hello\n',
    });
  });

  it('reports a non-zero exit code and keeps what the command wrote to stderr', async () => {
    const result = await runCommand({
      argv: [
        node,
        '-e',
        'process.stdout.write("out "); process.stderr.write("boom"); process.exit(3)',
      ],
      timeoutMs: 5_000,
    });
    expect(result.exitCode).toBe(3);
    expect(result.signal).toBeNull();
    expect(result.output).toContain('out ');
    expect(result.output).toContain('boom');
  });

  it('passes arguments with shell metacharacters literally, never through a shell', async () => {
    const hostile = '$(id); rm -rf / `whoami` | cat > x && echo *';
    const result = await runCommand({ argv: ['echo', hostile], timeoutMs: 5_000 });
    expect(result.exitCode).toBe(0);
    expect(result.output).toBe(`${hostile}\n`);
  });

  it('cuts 200 KB of output to the limit with a marker and still reports exit code 0', async () => {
    const result = await runCommand({
      argv: [node, '-e', 'process.stdout.write("x".repeat(200000))'],
      timeoutMs: 10_000,
    });
    expect(result.exitCode).toBe(0);
    expect(result.spawnError).toBeUndefined();
    expect(result.output).toBe(
      `${'x'.repeat(65_536)}\n…(output cut: ${200_000 - 65_536} bytes not shown)`,
    );
  });

  it('honours a custom outputLimit counted in bytes across stdout and stderr', async () => {
    const result = await runCommand({
      argv: [node, '-e', 'process.stdout.write("abcdef"); process.stderr.write("ghij")'],
      timeoutMs: 5_000,
      outputLimit: 4,
    });
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^.{4}\n…\(output cut: 6 bytes not shown\)$/);
  });

  it('on timeout kills the whole process group, grandchildren included', async () => {
    const pidFile = join(dir, 'pid');
    const started = Date.now();
    const result = await runCommand({
      argv: ['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; wait`],
      timeoutMs: 500,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.timedOut).toBe(true);
    expect(result.aborted).toBe(false);
    expect(result.signal).toBe('SIGKILL');
    expect(result.exitCode).toBeNull();
    expect(await waitUntilDead(readPid(pidFile))).toBe(true);
  });

  it('on abort kills the process group and reports aborted', async () => {
    const pidFile = join(dir, 'pid');
    const controller = new AbortController();
    const started = Date.now();
    const running = runCommand({
      argv: ['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; wait`],
      timeoutMs: 30_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 300);
    const result = await running;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.aborted).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.signal).toBe('SIGKILL');
    expect(await waitUntilDead(readPid(pidFile))).toBe(true);
  });

  it('does not start the command when the signal is already aborted', async () => {
    const marker = join(dir, 'ran');
    const result = await runCommand({
      argv: ['touch', marker],
      timeoutMs: 5_000,
      signal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ aborted: true, exitCode: null, timedOut: false });
    expect(() => readFileSync(marker)).toThrow();
  });

  it('resolves soon after exit even when a background process keeps the pipes open', async () => {
    const pidFile = join(dir, 'pid');
    const started = Date.now();
    const result = await runCommand({
      argv: ['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; echo done`],
      timeoutMs: 30_000,
    });
    try {
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
      expect(result.output).toBe('done\n');
    } finally {
      try {
        process.kill(readPid(pidFile), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('reports a missing binary as a spawn error: the command never ran', async () => {
    const result = await runCommand({ argv: ['/nonexistent/countersign-tool'], timeoutMs: 5_000 });
    expect(result).toEqual({
      exitCode: null,
      signal: null,
      timedOut: false,
      aborted: false,
      output: '/nonexistent/countersign-tool: ENOENT',
      spawnError: 'ENOENT',
    });
  });

  it('gives the child only PATH and the variables it was given', async () => {
    const result = await runCommand({
      argv: [node, '-e', 'process.stdout.write(JSON.stringify(Object.keys(process.env).sort()))'],
      env: { TOOL_TOKEN: 'abc' },
      timeoutMs: 5_000,
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.output)).toEqual(['PATH', 'TOOL_TOKEN']);
  });

  it('rejects an empty argv', async () => {
    await expect(runCommand({ argv: [], timeoutMs: 1_000 })).rejects.toThrow('argv is empty');
  });
});
