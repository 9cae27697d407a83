import type { UsergroupDirectory } from '../policy/ports';
import type { ApprovalRecord } from './approval';
import { mayDecide } from './decide-approval';
import type { ApprovalRepository } from './ports';

export interface WaitingFor {
  /** The approvals this user may decide now, oldest first, at most `limit`. */
  approvals: ApprovalRecord[];
  /** How many more they may decide, beyond `limit`. */
  more: number;
  /** Approvals only a user group could open to them, whose members Slack could not list now. */
  unresolved: number;
}

/**
 * Of the pending approvals (the oldest `scan`), those `userId` may decide now: as a listed
 * approver, a member of a listed user group, or added by escalation; not on their own run unless
 * it allows self-approval; not those they approved already (a quorum waits for others).
 * @param scan - how many pending approvals are looked at, at most.
 */
export async function approvalsWaitingFor(
  deps: { approvals: ApprovalRepository; groups: UsergroupDirectory },
  userId: string,
  limit: number,
  scan = 500,
): Promise<WaitingFor> {
  const found: ApprovalRecord[] = [];
  let unresolved = 0;
  for (const approval of await deps.approvals.pending(scan)) {
    if (approval.approvals.some((vote) => vote.userId === userId)) continue;
    const why = await mayDecide(deps.groups, approval, userId);
    if (why === undefined) found.push(approval);
    else if (why === 'unresolved') unresolved += 1;
  }
  return { approvals: found.slice(0, limit), more: Math.max(0, found.length - limit), unresolved };
}
