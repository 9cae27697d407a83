import type { ApprovalRecord, ApprovalStatus, CardRef, People } from './approval';

/** How an approval ends other than by its quorum of votes. */
export type ClosedStatus = Exclude<ApprovalStatus, 'pending' | 'approved'>;

/**
 * Persistence of approvals. Every decision is claimed by one insert under a unique key, so racing
 * clicks, expiries and cancellations record exactly one outcome.
 */
export interface ApprovalRepository {
  /** Creates the approval unless one with its id exists; returns the stored one either way. */
  createOnce(approval: ApprovalRecord): Promise<ApprovalRecord>;
  get(id: string): Promise<ApprovalRecord | null>;
  /** Pending approvals, oldest first (App Home filters those a user may decide). */
  pending(limit: number): Promise<ApprovalRecord[]>;
  /** The approvals of a run. */
  ofRun(runId: string): Promise<ApprovalRecord[]>;
  setCard(id: string, card: CardRef): Promise<void>;
  /**
   * Adds `userId`'s approval, once per user. The vote that fills the quorum also decides the
   * approval (unless a denial, expiry or cancellation came first): `decided` is true for that
   * vote alone. `counted` is false when the user had voted already, or the approval ended
   * before this vote could count. `note` goes with the deciding vote (an outcome-unknown choice).
   */
  addVote(
    id: string,
    userId: string,
    at: Date,
    note?: string,
  ): Promise<{ counted: boolean; decided: boolean; approval: ApprovalRecord }>;
  /**
   * Ends a pending approval as `status`, exactly once however many try at the same moment;
   * null when it had ended already. Never `approved`: only the votes of {@link addVote} approve.
   */
  close(
    id: string,
    status: ClosedStatus,
    by: string,
    at: Date,
    note?: string,
  ): Promise<ApprovalRecord | null>;
  /** Marks the reminder sent, once; false if another worker did already. */
  markReminded(id: string, at: Date): Promise<boolean>;
  /** Adds the escalation people, once; the updated approval, or null if done already or decided. */
  escalate(id: string, to: People, at: Date): Promise<ApprovalRecord | null>;
}

/** What approvers see: the card, updated in place, and direct messages. */
export interface ApprovalNotifier {
  postCard(approval: ApprovalRecord): Promise<CardRef>;
  updateCard(approval: ApprovalRecord): Promise<void>;
  /** A direct message to each of `users` (reminders, escalation). */
  tellPrivately(
    users: string[],
    approval: ApprovalRecord,
    what: 'reminder' | 'escalation',
  ): Promise<void>;
}

/** Delayed work of an approval (expiry, reminder, escalation), held by the queue, not in memory. */
export interface ApprovalTimers {
  schedule(approval: ApprovalRecord): Promise<void>;
  /** Updates the card again soon, retrying with backoff: Slack refused an update just now. */
  retryCardUpdate(approval: ApprovalRecord): Promise<void>;
}
