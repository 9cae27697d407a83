import { z } from 'zod';

export const RUNS_QUEUE = 'runs';

/** Job data carries ids only: arguments and outputs live in MongoDB, never in Redis. */
export const runJobSchema = z.strictObject({ runId: z.string().regex(/^r-[a-z0-9]+$/) });
export type RunJob = z.output<typeof runJobSchema>;
