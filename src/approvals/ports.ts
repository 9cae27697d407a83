import type { ApprovalRecord, ApprovalStatus, CardRef, People } from './approval';

/** Persistence of approvals. Every change is one conditional atomic update of one document. */
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
   * Adds `userId`'s approval if the approval is still pending, bound to `binding`, and holds
   * exactly `expectedVotes` approvals (the caller saw none from this user among them); with
   * `approvesNow`, also marks it approved. Two clicks racing: one wins, the other re-reads.
   * @returns the updated approval, or null when any condition no longer held.
   */
  addVote(
    id: string,
    binding: string,
    userId: string,
    at: Date,
    expectedVotes: number,
    approvesNow: boolean,
  ): Promise<ApprovalRecord | null>;
  /** Ends a pending approval as `status`; null if it was no longer pending. */
  close(
    id: string,
    status: Exclude<ApprovalStatus, 'pending'>,
    by: string,
    at: Date,
    note?: string,
    binding?: string,
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
}
