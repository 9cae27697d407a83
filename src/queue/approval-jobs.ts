import { z } from 'zod';

export const APPROVALS_QUEUE = 'approvals';

/** Ids only, like every job: the approval itself lives in MongoDB. */
export const approvalJobSchema = z.strictObject({
  approvalId: z.string().regex(/^r-[a-z0-9]+:\d+(:outcome)?$/),
  deadline: z.enum(['expire', 'remind', 'escalate']),
});
export type ApprovalJob = z.output<typeof approvalJobSchema>;
