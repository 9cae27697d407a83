import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ExecuteRunDeps, executeRun } from '../runs/execute-run';
import { giveUpRun } from '../runs/give-up-run';
import { LostClaimError, type RunQueue } from '../runs/ports';
import { FINAL_RUN_STATUSES } from '../runs/run';
import { approvalDepsOf } from '../runs/run-attempt';
import type { Redactor } from '../shared/redactor';
import type { JobsInProgress } from './jobs-in-progress';
import { RUNS_QUEUE, type RunJob, runJobSchema } from './run-jobs';

export interface RunWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /**
   * How long a job stays locked to a worker that stopped renewing it (it died) before another
   * worker takes it over; also how often stalled jobs are looked for.
   * @defaultValue 30000
   */
  lockMs?: number;
  /** Re-queues a run after its job failed for good, so its failure is recorded and announced. */
  queue: RunQueue;
  onFinished?: (workflow: string, status: string) => void;
  /** Scrubs secret values from a failed attempt's error, which BullMQ keeps in Redis. */
  redactor?: Redactor;
  /** Counts the jobs running here, for a shutdown to wait for. */
  jobs?: JobsInProgress;
}

/**
 * The error with secret values scrubbed from its message and stack, which BullMQ stores as the
 * job's failedReason and stacktrace. Changed in place: its class and other fields stay.
 */
function scrubbedError(error: unknown, redactor: Redactor | undefined): unknown {
  if (redactor === undefined) return error;
  if (!(error instanceof Error)) return new Error(redactor.scrub(String(error)));
  error.message = redactor.scrub(error.message);
  if (error.stack !== undefined) error.stack = redactor.scrub(error.stack);
  return error;
}

/** Records a run whose job failed its last attempt as failed, and queues its announcement. */
async function giveUp(deps: ExecuteRunDeps, queue: RunQueue, runId: string, reason: string) {
  const run = await giveUpRun(
    { ...deps, askApprovers: approvalDepsOf(deps) },
    runId,
    `gave up: ${reason}`,
  );
  if (run) await queue.requeueRun(runId);
}

export function startRunWorker(deps: ExecuteRunDeps, options: RunWorkerOptions): Worker<RunJob> {
  const processor = async (job: Job<RunJob>, token?: string, signal?: AbortSignal) => {
    const { runId } = runJobSchema.parse(job.data);
    const log = deps.log.child({ runId, jobId: job.id, attempt: job.attemptsMade + 1 });
    try {
      const run = await executeRun({ ...deps, log }, runId, {
        owner: token ?? `${job.id}:${job.attemptsMade}`,
        ...(signal ? { signal } : {}),
      });
      if (run && FINAL_RUN_STATUSES.includes(run.status)) {
        options.onFinished?.(run.workflow, run.status);
      }
    } catch (error) {
      if (error instanceof LostClaimError) {
        log.warn({ err: error }, 'a newer attempt carries this run; stopping this one');
        return;
      }
      const scrubbed = scrubbedError(error, options.redactor);
      log.warn({ err: scrubbed }, 'run attempt failed; the queue retries it');
      throw scrubbed;
    }
  };
  const worker = new Worker<RunJob>(
    RUNS_QUEUE,
    options.jobs ? options.jobs.track(processor) : processor,
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs ?? 30_000,
      stalledInterval: options.lockMs ?? 30_000,
    },
  );
  worker.on('failed', (job, error) => {
    if (job === undefined) return;
    void job
      .getState()
      .then(async (state) => {
        if (state !== 'failed') return; // another attempt follows
        const { runId } = runJobSchema.parse(job.data);
        await giveUp(deps, options.queue, runId, error.message);
      })
      .catch((giveUpError) =>
        deps.log.error({ err: giveUpError }, 'could not record a failed run'),
      );
  });
  return worker;
}
