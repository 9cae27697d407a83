import type { Logger } from 'pino';
import { SERVICE_ACTOR } from '../audit/audit-event';
import type { AuditLog } from '../audit/ports';
import type { Clock } from '../shared/clock';
import type { ApprovalRecord } from './approval';
import { postCards } from './approval-cards';
import { approvalEvent } from './approval-events';
import type { ApprovalRepository, ApprovalSurfaces, ApprovalTimers } from './ports';

export interface ApprovalDeps {
  approvals: ApprovalRepository;
  /** Where the cards are posted. */
  surfaces: ApprovalSurfaces;
  timers: ApprovalTimers;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
}

/**
 * Stores the request once, audits it, posts its cards once and schedules its deadlines. Safe to
 * repeat after a crash at any point.
 */
export async function publishApproval(
  deps: ApprovalDeps,
  request: ApprovalRecord,
): Promise<ApprovalRecord> {
  const stored = await deps.approvals.createOnce(request);
  await deps.audit.record(
    approvalEvent(stored, 'approval.requested', SERVICE_ACTOR, stored.createdAt, {
      kind: stored.kind,
      required: stored.required,
      expiresAt: stored.expiresAt.toISOString(),
    }),
  );
  const approval = await postCards(deps, stored);
  await deps.timers.schedule(approval);
  return approval;
}
