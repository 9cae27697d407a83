import type { ApprovalRecord } from '../../approvals/approval';
import { isCallId } from '../../gateway/outside-call';
import { parseApprovalId } from '../../runs/approval-id';
import { isRunId } from '../../runs/run-id';

/** The `action_id`s of a card's buttons: the listeners register these. */
export const APPROVAL_ACTION = {
  approve: 'approval_approve',
  deny: 'approval_deny',
  showArguments: 'approval_show_args',
  /** The previous and the next part of a long call, in the modal "Show all" opened. */
  showArgumentsPrevious: 'approval_show_args_previous',
  showArgumentsNext: 'approval_show_args_next',
  /** "Approve for this session, N min": two buttons at most, so two ids (Slack wants them unique in a block). */
  grantShort: 'approval_grant_short',
  grantLong: 'approval_grant_long',
  /** Revoke, beside a grant on App Home. */
  revokeGrant: 'grant_revoke',
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
  if (!isApprovalId(approvalId) || rest.length > 0 || !BINDING.test(binding)) return undefined;
  return { approvalId, binding };
}

/** A run's approval (`r-…:3`) or a gateway call's (`gw_….0`). */
function isApprovalId(text: string): boolean {
  const id = parseApprovalId(text);
  return id === undefined ? isCallId(text) : isRunId(id.runId);
}

/** A grant button's value: the approval, its binding, and how long the grant lasts (ms). */
export function grantValue(approval: Pick<ApprovalRecord, 'id' | 'binding'>, ms: number): string {
  return `${approvalValue(approval)}|${ms}`;
}

/** What a grant button's value names; undefined unless well-formed (the duration is checked later). */
export function parseGrantValue(
  value: string,
): { approvalId: string; binding: string; durationMs: number } | undefined {
  const cut = value.lastIndexOf('|');
  const approval = cut < 0 ? undefined : parseApprovalValue(value.slice(0, cut));
  const ms = value.slice(cut + 1);
  if (approval === undefined || !/^[1-9][0-9]{0,12}$/.test(ms)) return undefined;
  return { ...approval, durationMs: Number(ms) };
}

/** A "Show all" part button's value: the approval and binding, and which part (0 first). */
export function parsePageValue(
  value: string,
): { approvalId: string; binding: string; page: number } | undefined {
  const cut = value.lastIndexOf('|');
  const approval = cut < 0 ? undefined : parseApprovalValue(value.slice(0, cut));
  const page = value.slice(cut + 1);
  if (approval === undefined || !/^(0|[1-9][0-9]{0,5})$/.test(page)) return undefined;
  return { ...approval, page: Number(page) };
}
