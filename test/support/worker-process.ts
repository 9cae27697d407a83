import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { eventually } from './eventually';

const root = path.join(__dirname, '../..');

/** A `countersign worker` in its own OS process, so a test can SIGKILL it like a real crash. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Its JSON log lines so far. */
  logs: Record<string, unknown>[];
  /** Kills it with SIGKILL and waits until it is gone. */
  kill(): Promise<void>;
}

/** Starts `src/main.ts worker` (through tsx) with `env`; resolves once it says it started. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/main.ts'), 'worker'],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'debug',
        PORT: '0',
        HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
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
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(
    'the worker process to start',
    async () => {
      if (child.exitCode !== null) throw new Error(`worker exited early: ${stderr}`);
      return logs.some((line) => line.msg === 'countersign started') ? true : undefined;
    },
    30_000,
  );
  return {
    child,
    logs,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
