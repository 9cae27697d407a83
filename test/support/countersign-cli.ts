import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '../..');

/** The real CLI entry (TypeScript through tsx) as a child, with only PATH and `env` set. */
function spawnCli(args: string[], env: Record<string, string>, input?: string): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/main.ts'), ...args],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    },
  );
  if (input !== undefined) child.stdin?.end(input);
  return child;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI entry (TypeScript through tsx) to its end, as `countersign …` would. */
export function runCountersign(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<CliResult> {
  const child = spawnCli(args, env, input);
  const result: CliResult = { code: null, stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => {
    result.stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    result.stderr += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...result, code }));
  });
}

/** A long-running `countersign …` (serve, worker, all): its JSON log lines as they come, and its end. */
export interface CountersignProcess {
  child: ChildProcess;
  /** Its stdout's JSON log lines so far (a line that is not JSON is kept as `{ msg }`). */
  logs: Record<string, unknown>[];
  /** Its stderr so far. */
  stderr(): string;
  /** Resolves with its exit code (null if a signal ended it). */
  exited: Promise<number | null>;
}

/** Starts the real CLI entry (through tsx) and returns at once; the caller ends it. */
export function spawnCountersign(args: string[], env: Record<string, string>): CountersignProcess {
  const child = spawnCli(args, env);
  const logs: Record<string, unknown>[] = [];
  let pending = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    pending += String(chunk);
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, logs, stderr: () => stderr, exited };
}
