import type { ApprovalSubject } from '../approvals/ports';
import type { CallStore } from './ports';
import type { Waiters } from './waiters';

/**
 * Gateway sessions as the subject of their approvals. A session's call waits for its approval
 * until the client withdraws it; a decision wakes the requests of this process waiting on it (the
 * others see it by polling). Nothing is queued: the waiting request, or the client's next
 * presentation of the call, carries the decision out.
 */
export function sessionApprovals(deps: { calls: CallStore; waiters: Waiters }): ApprovalSubject {
  return {
    async standing(approval) {
      const call = await deps.calls.get(approval.id);
      if (call?.withdrawnAt === undefined) return { state: 'waiting' };
      return {
        state: 'ended',
        by: call.userId,
        at: call.withdrawnAt,
        note: 'withdrawn by the client',
      };
    },
    async concluded(approval) {
      deps.waiters.wake(approval.id);
    },
    async chosen(approval) {
      // Gateway calls are never asked about an unknown outcome: the client runs the tool.
      deps.waiters.wake(approval.id);
    },
    async escalation(approval) {
      return approval.session?.escalateTo;
    },
  };
}
