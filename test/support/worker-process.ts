import type { ChildProcess } from 'node:child_process';
import { spawnCountersign } from './countersign-cli';
import { eventually } from './eventually';

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
  const { child, logs, stderr, exited } = spawnCountersign(['worker'], {
    LOG_LEVEL: 'debug',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  await eventually(
    'the worker process to start',
    async () => {
      if (child.exitCode !== null) throw new Error(`worker exited early: ${stderr()}`);
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
