import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ExecuteRunDeps, executeRun } from '../runs/execute-run';
import { RunStatus } from '../runs/run';
import { RUNS_QUEUE, type RunJob, runJobSchema } from './run-jobs';

export interface RunWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  onFinished?: (workflow: string, status: string) => void;
}

/** Gives up on a run whose job failed its last attempt, so it does not stay "running" forever. */
async function giveUp(deps: ExecuteRunDeps, runId: string, error: Error, attempts: number) {
  const run = await deps.runs.transition(
    runId,
    [RunStatus.Queued, RunStatus.Running],
    RunStatus.Failed,
    deps.clock(),
    { error: `gave up after ${attempts} attempts: ${error.message}` },
  );
  if (run) {
    await deps.notifier
      .tellRequester(run, `Run \`${run.id}\` of *${run.workflow}* failed: ${error.message}`)
      .catch((notifyError) =>
        deps.log.warn({ err: notifyError, runId }, 'could not tell requester'),
      );
  }
}

export function startRunWorker(deps: ExecuteRunDeps, options: RunWorkerOptions): Worker<RunJob> {
  return new Worker<RunJob>(
    RUNS_QUEUE,
    async (job: Job<RunJob>) => {
      const { runId } = runJobSchema.parse(job.data);
      const log = deps.log.child({ runId, jobId: job.id, attempt: job.attemptsMade + 1 });
      try {
        const run = await executeRun({ ...deps, log }, runId);
        if (run) options.onFinished?.(run.workflow, run.status);
      } catch (error) {
        const attempts = job.opts.attempts ?? 1;
        log.warn({ err: error }, 'run step failed');
        if (job.attemptsMade + 1 >= attempts) await giveUp(deps, runId, error as Error, attempts);
        throw error;
      }
    },
    { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency },
  );
}
