import { z } from 'zod';

export const APPROVALS_QUEUE = 'approvals';

/** Ids only, like every job: the approval itself lives in MongoDB. */
export const approvalJobSchema = z.strictObject({
  approvalId: z.string().regex(/^r-[a-z0-9]+:\d+(:outcome)?$/),
  /** `card`: not a deadline, an update of the card that Slack refused, retried by the queue. */
  deadline: z.enum(['expire', 'remind', 'escalate', 'card']),
});
export type ApprovalJob = z.output<typeof approvalJobSchema>;
