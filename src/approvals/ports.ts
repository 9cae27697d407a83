import type { ApprovalRecord, ApprovalStatus, CardRef, People, SurfaceCard } from './approval';

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
  /** Records a posted card: the surface's one card, replacing one it recorded before. */
  addCard(id: string, card: SurfaceCard): Promise<void>;
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

/**
 * One place approvers see approvals (Slack today): a card that is updated in place as the approval
 * changes, and direct messages. Approvals keep where each card is, by the surface's name.
 */
export interface ApprovalSurface {
  /** Names this surface's cards in `ApprovalRecord.cards`; stable across versions. */
  readonly name: string;
  postCard(approval: ApprovalRecord): Promise<CardRef>;
  /** Shows the approval as it stands now on the card this surface posted at `card`. */
  updateCard(approval: ApprovalRecord, card: CardRef): Promise<void>;
  /** A direct message to each of `users` (reminders, escalation). */
  tellPrivately(
    users: string[],
    approval: ApprovalRecord,
    what: 'reminder' | 'escalation',
  ): Promise<void>;
}

/** Where approvals are delivered: one surface, or several side by side (each gets every card). */
export type ApprovalSurfaces = ApprovalSurface | ApprovalSurface[];

/**
 * What an approval is about (a run's call) and what its decision does there. approvals/ decides;
 * the subject carries the decision out. runs/ supplies the one for runs; an approval about
 * something else (the gateway's) comes with its own.
 */
export interface ApprovalSubject {
  /** Whether the subject waits for this approval's decision now. */
  standing(approval: ApprovalRecord): Promise<SubjectStanding>;
  /**
   * The approval concluded (approved, denied, expired): the subject goes on accordingly. Called
   * again after a crash, it changes nothing more.
   */
  concluded(approval: ApprovalRecord): Promise<void>;
  /** An outcome-unknown question was answered: `choice`, by `approval.decidedBy`. */
  chosen(approval: ApprovalRecord, choice: OutcomeChoice): Promise<void>;
  /** Who joins the approvers at the escalation point, if anyone does. */
  escalation(approval: ApprovalRecord): Promise<People | undefined>;
}

export type SubjectStanding =
  | { state: 'waiting' }
  /** It ended, so its approval waits for nothing: closed as cancelled, by and at these, with `note`. */
  | { state: 'ended'; by: string; at: Date; note?: string }
  /** It is not (or not yet) waiting for this decision; `status` says where it is. */
  | { state: 'not_waiting'; status?: string };

/** What the approvers may decide about a call whose outcome is unknown. */
export type OutcomeChoice = 'retry' | 'done' | 'abort';

/** Delayed work of an approval (expiry, reminder, escalation), held by the queue, not in memory. */
export interface ApprovalTimers {
  schedule(approval: ApprovalRecord): Promise<void>;
  /** Updates the card again soon, retrying with backoff: Slack refused an update just now. */
  retryCardUpdate(approval: ApprovalRecord): Promise<void>;
}
