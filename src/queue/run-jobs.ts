import { z } from 'zod';

export const RUNS_QUEUE = 'runs';

/** Job data carries ids only: arguments and outputs live in MongoDB, never in Redis. */
export const runJobSchema = z.strictObject({ runId: z.string().regex(/^r-[a-z0-9]+$/) });
export type RunJob = z.output<typeof runJobSchema>;

/** Retries cover Slack or database hiccups; the run records why it failed after the last one. */
export const RUN_JOB_ATTEMPTS = 8;
