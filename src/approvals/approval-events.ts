import type { ApprovalEvent, AuditDetail } from '../audit/audit-event';
import { nameOfCall } from '../workflows/call-target';
import type { ApprovalRecord } from './approval';

/**
 * An audit event about an approval. Facts that happen once (requested, decided, expired…) are
 * keyed, so an attempt repeated after a crash records them once; votes and refused clicks are
 * keyed by who and when.
 */
export function approvalEvent(
  approval: ApprovalRecord,
  type: ApprovalEvent['type'],
  actor: string,
  at: Date,
  details: Record<string, AuditDetail> = {},
): ApprovalEvent {
  const once = !['approval.voted', 'approval.refused'].includes(type);
  return {
    type,
    at,
    actor,
    runId: approval.runId,
    workflow: approval.workflow,
    details: {
      approvalId: approval.id,
      step: approval.step,
      tool: nameOfCall(approval),
      binding: approval.binding,
      ...details,
    },
    ...(once ? { key: `${approval.id}:${type.slice('approval.'.length)}` } : {}),
  };
}
