import { z } from 'zod';
import { parseApprovalId } from '../runs/approval-id';

export const APPROVALS_QUEUE = 'approvals';

/** Ids only, like every job: the approval itself lives in MongoDB. */
export const approvalJobSchema = z.strictObject({
  approvalId: z.string().refine((id) => parseApprovalId(id) !== undefined, 'not an approval id'),
  /** `card`: not a deadline, an update of the card that Slack refused, retried by the queue. */
  deadline: z.enum(['expire', 'remind', 'escalate', 'card']),
});
export type ApprovalJob = z.output<typeof approvalJobSchema>;
