import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunQueue } from '../runs/ports';
import { RUN_JOB_ATTEMPTS, RUNS_QUEUE, type RunJob } from './run-jobs';

export class BullmqRunQueue implements RunQueue {
  readonly queue: Queue<RunJob>;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<RunJob>(RUNS_QUEUE, { connection, prefix });
  }

  async enqueueRun(runId: string): Promise<void> {
    // jobId = runId: BullMQ ignores a second add of a job id it still holds.
    await this.queue.add(
      'run',
      { runId },
      {
        jobId: runId,
        attempts: RUN_JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
