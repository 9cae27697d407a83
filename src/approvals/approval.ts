import { createHash } from 'node:crypto';

export const ApprovalStatus = {
  /** Waiting for decisions; with `required > 1`, some approvals may be in. */
  Pending: 'pending',
  Approved: 'approved',
  Denied: 'denied',
  /** Nobody decided in time. Never recorded as a denial (DESIGN: expiry is not denial). */
  Expired: 'expired',
  /** The run was cancelled while the approval waited. */
  Cancelled: 'cancelled',
} as const;
export type ApprovalStatus = (typeof ApprovalStatus)[keyof typeof ApprovalStatus];

/** What the approvers are asked: to let a call run, or what to do about one whose outcome is unknown. */
export type ApprovalKind = 'call' | 'outcome_unknown';

export interface People {
  users: string[];
  usergroups: string[];
}

export interface ApprovalVote {
  userId: string;
  at: Date;
}

/** Where the card is in Slack. */
export interface CardRef {
  channel: string;
  ts: string;
}

/** One request for approval of one tool call of one run. */
export interface ApprovalRecord {
  /**
   * `<runId>:<step>` (`<runId>:<step>:outcome` for an outcome-unknown decision): asking twice for
   * the same call finds the same approval.
   */
  id: string;
  runId: string;
  /** The call's index among the run's calls. */
  step: number;
  workflow: string;
  kind: ApprovalKind;
  tool: string;
  mcpTool?: string;
  /** Canonical JSON of the arguments, as stored with the call (secrets already scrubbed). */
  args: string;
  risk: string;
  /** sha256 of (tool, mcpTool, canonical arguments, manifest hash): what exactly is approved. */
  binding: string;
  manifestHash: string;
  /** Who started the run; may not approve it unless `allowSelfApproval`. */
  requesterId: string;
  /** The model's words before the call (its stated reason), if it gave any. */
  reason?: string;
  approvers: People;
  /** Added at the escalation point (`escalate_to`). */
  escalatedTo?: People;
  required: number;
  allowSelfApproval: boolean;
  onTimeout: 'expire' | 'deny';
  /** Where the card goes: the approval channel, or the run's thread. */
  channel: string;
  threadTs?: string;
  status: ApprovalStatus;
  /** The distinct approvals given so far, oldest first. */
  approvals: ApprovalVote[];
  /** Who ended it (the last approver, the denier, `countersign` for expiry) and when. */
  decidedBy?: string;
  decidedAt?: Date;
  /** The denier's reason, or why it ended otherwise. */
  decisionNote?: string;
  card?: CardRef;
  createdAt: Date;
  expiresAt: Date;
  remindAt?: Date;
  escalateAt?: Date;
  remindedAt?: Date;
  escalatedAt?: Date;
}

/** The hash a card's buttons carry: a click approves exactly this call, under this manifest. */
export function approvalBinding(call: {
  tool: string;
  mcpTool?: string | undefined;
  args: string;
  manifestHash: string;
}): string {
  const text = JSON.stringify([call.tool, call.mcpTool ?? null, call.args, call.manifestHash]);
  return createHash('sha256').update(text).digest('hex');
}

/** Everyone who may decide now: the approvers, and those added by escalation. */
export function deciders(approval: Pick<ApprovalRecord, 'approvers' | 'escalatedTo'>): People {
  return {
    users: [...approval.approvers.users, ...(approval.escalatedTo?.users ?? [])],
    usergroups: [...approval.approvers.usergroups, ...(approval.escalatedTo?.usergroups ?? [])],
  };
}
