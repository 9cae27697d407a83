import type { ApprovalRecord } from '../../approvals/approval';
import { parseApprovalId } from '../../runs/approval-id';
import { isRunId } from '../../runs/run-id';

/** The `action_id`s of a card's buttons: the listeners register these. */
export const APPROVAL_ACTION = {
  approve: 'approval_approve',
  deny: 'approval_deny',
  showArguments: 'approval_show_args',
  retry: 'outcome_retry',
  markDone: 'outcome_done',
  abort: 'outcome_abort',
} as const;

/** The deny-reason modal: its callback, and where its one input is in `view.state.values`. */
export const DENY_REASON_VIEW = {
  callbackId: 'approval_deny_reason',
  /** The same modal opened from App Home: its submission also updates the denier's Home. */
  homeCallbackId: 'approval_deny_reason_home',
  blockId: 'reason',
  actionId: 'reason_input',
  maxLength: 2000,
} as const;

/** What a card's buttons (and the deny modal's metadata) carry: the approval, and the exact call it binds. */
export function approvalValue(approval: Pick<ApprovalRecord, 'id' | 'binding'>): string {
  return `${approval.id}|${approval.binding}`;
}

const BINDING = /^[0-9a-f]{64}$/;

/** The approval id and binding a button's value names; undefined unless both are well-formed. */
export function parseApprovalValue(
  value: string,
): { approvalId: string; binding: string } | undefined {
  const [approvalId = '', binding = '', ...rest] = value.split('|');
  const id = parseApprovalId(approvalId);
  if (id === undefined || !isRunId(id.runId) || rest.length > 0 || !BINDING.test(binding)) {
    return undefined;
  }
  return { approvalId, binding };
}
