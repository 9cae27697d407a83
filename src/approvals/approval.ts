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

/** Where a surface put a card, in its own terms (Slack: the channel and the message's ts). */
export type CardRef = Readonly<Record<string, string>>;

/** A card posted for an approval, and the surface that posted it (and updates it). */
export interface SurfaceCard {
  /** The {@link ApprovalSurface}'s name. */
  surface: string;
  ref: CardRef;
}

/** The surface of the one card a record of schema version 1 holds in `card`: Slack, the first. */
export const FIRST_SURFACE = 'slack';

/**
 * Who asked from outside a run: an agent session governed through the gateway (a Claude Code
 * session, with a token bound to a person). Shown on the card, so approvers see who and where.
 */
export interface SessionAsk {
  /** The client's session id (Claude Code's `session_id`). */
  sessionId: string;
  /** The token's id (never the token), its label, and the client (`claude-code`). */
  tokenId: string;
  label?: string;
  client: string;
  /** The working directory the client reported. */
  cwd?: string;
  /** The rule the call matched (a grant covers it), or none: a grant covers the exact call. */
  rule?: string;
  /** The longest grant approvers may give, in ms; absent: no grant is offered. */
  grantMaxMs?: number;
  /** Added at the escalation point: the workflow's `approval.escalate_to` when it was asked. */
  escalateTo?: People;
}

/** One request for approval of one tool call of one run, or of one gateway session. */
export interface ApprovalRecord {
  /**
   * Named for what it asks about, so asking twice finds the same approval: for a run's call,
   * `approvalIdOf` in runs/approval-id.ts; for a gateway call, its call id.
   */
  id: string;
  /** The run's id; for a gateway call (`session` set), the gateway call's id, as `id`. */
  runId: string;
  /** The call's index among the run's calls; 0 for a gateway call. */
  step: number;
  /** Present when the approval is about a gateway session's call, not a run's. */
  session?: SessionAsk;
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
  /** The cards posted so far, one per surface; read through {@link cardsOf}. */
  cards?: SurfaceCard[];
  /**
   * @deprecated The Slack card of a record stored before `cards` (schema version 1), which may
   * still wait for a decision after an upgrade; read through {@link cardsOf}.
   */
  card?: { channel: string; ts: string };
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

/** The approval's cards: those of `cards`, or the one Slack card a record of schema version 1 holds. */
export function cardsOf(approval: Pick<ApprovalRecord, 'cards' | 'card'>): SurfaceCard[] {
  if (approval.cards !== undefined) return approval.cards;
  return approval.card ? [{ surface: FIRST_SURFACE, ref: approval.card }] : [];
}

/** Where `surface` put the approval's card, if it posted one. */
export function cardOn(
  approval: Pick<ApprovalRecord, 'cards' | 'card'>,
  surface: string,
): CardRef | undefined {
  return cardsOf(approval).find((card) => card.surface === surface)?.ref;
}
