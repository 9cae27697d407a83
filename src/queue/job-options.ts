import type { DefaultJobOptions } from 'bullmq';

/**
 * Every job's retries and retention, written once: each Queue takes them as its
 * `defaultJobOptions` and BullMQ merges them into every add, so an add names only its job id
 * (and delay).
 */
export const JOB_OPTIONS = {
  /** Retries cover Slack or database hiccups; a run records why it failed after the last one. */
  attempts: 8,
  /** 1 s, 2 s, 4 s … 64 s between attempts: about two minutes in all. */
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const satisfies DefaultJobOptions;
