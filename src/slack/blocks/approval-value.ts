import type { ApprovalRecord } from '../../approvals/approval';
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

const VALUE = /^([^|:]+):(0|[1-9][0-9]{0,8})(:outcome)?\|([0-9a-f]{64})$/;

/** The approval id and binding a button's value names; undefined unless both are well-formed. */
export function parseApprovalValue(
  value: string,
): { approvalId: string; binding: string } | undefined {
  const match = VALUE.exec(value);
  if (match === null) return undefined;
  const [, runId = '', step = '', outcome = '', binding = ''] = match;
  if (!isRunId(runId)) return undefined;
  return { approvalId: `${runId}:${step}${outcome}`, binding };
}
