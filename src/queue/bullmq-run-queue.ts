import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunJobState, RunQueue } from '../runs/ports';
import { JOB_OPTIONS } from './job-options';
import { RUNS_QUEUE, type RunJob } from './run-jobs';

const PENDING_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export class BullmqRunQueue implements RunQueue {
  readonly queue: Queue<RunJob>;

  /** `connection` should fail fast when Redis is down (no offline queue), so a command is not left hanging. */
  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<RunJob>(RUNS_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: JOB_OPTIONS,
    });
  }

  async enqueueRun(runId: string): Promise<void> {
    // jobId = runId: BullMQ ignores a second add of a job id it still holds.
    await this.queue.add('run', { runId }, { jobId: runId });
  }

  async runJobState(runId: string): Promise<RunJobState> {
    const state = await this.queue.getJobState(runId);
    if (PENDING_STATES.has(state)) return 'pending';
    if (state === 'completed' || state === 'failed') return state;
    return 'missing';
  }

  async requeueRun(runId: string): Promise<void> {
    const job = await this.queue.getJob(runId);
    // A job still held (completed/failed) would make the add a no-op; remove() refuses a locked one.
    if (job && !PENDING_STATES.has(await job.getState())) await job.remove();
    await this.enqueueRun(runId);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
