import type { Logger } from 'pino';
import type { AuditLog } from '../audit/ports';
import type { UsergroupDirectory } from '../policy/ports';
import type { Clock } from '../shared/clock';
import { type ApprovalKind, type ApprovalRecord, ApprovalStatus, deciders } from './approval';
import { type ApprovalCardsDeps, showOnCards } from './approval-cards';
import { approvalEvent } from './approval-events';
import type {
  ApprovalRepository,
  ApprovalSubject,
  ApprovalSurfaces,
  ApprovalTimers,
} from './ports';

export interface DecideApprovalDeps {
  approvals: ApprovalRepository;
  /** What the approvals are about (runs), which carries their decisions out. */
  subject: ApprovalSubject;
  /** Where the cards are. */
  surfaces: ApprovalSurfaces;
  /** Retries a card update a surface refused. */
  timers: Pick<ApprovalTimers, 'retryCardUpdate'>;
  audit: AuditLog;
  groups: UsergroupDirectory;
  clock: Clock;
  log: Logger;
}

export interface DecisionRequest {
  /** From the button's value or the modal's metadata. */
  approvalId: string;
  /** The binding the card showed: a card for another version of the call decides nothing. */
  binding: string;
  userId: string;
  decision: 'approve' | 'deny';
  /** Required to deny. */
  reason?: string;
}

/** What a click asks, checked against what it targets: the button and its value are the clicker's to choose. */
export interface DecisionCheck {
  approvalId: string;
  binding: string;
  userId: string;
  /** What the button decides: an approval request for a call, or an outcome-unknown question. */
  kind: ApprovalKind;
  /** For the audit of a refusal: approve (retry, done) or deny (abort). */
  decision: 'approve' | 'deny';
}

/** Why a click was refused without effect. */
export type RefusalWhy =
  /** Not among the approvers (nor in their user groups, nor added by escalation). */
  | 'not_an_approver'
  /** The requester, on their own run, without `allow_self_approval`. */
  | 'own_run'
  /** A user group could not be resolved just now; nothing is guessed. */
  | 'unresolved';

export type DecisionResult =
  | { outcome: 'unknown' }
  /** The card's binding differs from the call's: the call changed, or the value was forged. */
  | { outcome: 'mismatch'; approval: ApprovalRecord }
  /** The button is not one of this approval's: Approve/Deny on an outcome-unknown question, or the reverse. */
  | { outcome: 'wrong_kind'; approval: ApprovalRecord }
  /** The subject (the run) is not (or not yet) waiting for this decision; `status` says where it is. */
  | { outcome: 'not_waiting'; approval: ApprovalRecord; status?: string }
  | { outcome: 'not_allowed'; why: RefusalWhy; approval: ApprovalRecord }
  /** Decided already (`approval.status` says how, by whom and when), or this user already approved. */
  | { outcome: 'already'; approval: ApprovalRecord }
  /** This click counted: an approval toward the quorum, the final approval, or the denial. */
  | { outcome: 'recorded'; approval: ApprovalRecord };

/**
 * One approver's click. Every decision is claimed by a single insert under a unique key, so double
 * clicks, two approvers at once and Slack's retries record exactly one decision and resume the run
 * once; the others learn who decided. An unauthorized click or a card that no longer matches changes nothing
 * and is audited.
 */
export async function decideApproval(
  deps: DecideApprovalDeps,
  request: DecisionRequest,
): Promise<DecisionResult> {
  const checked = await checkDecider(deps, { ...request, kind: 'call' });
  if ('outcome' in checked) return checked;
  const approval = checked.approval;
  const now = deps.clock();
  if (request.decision === 'deny') {
    const reason = request.reason ?? 'no reason given';
    const denied = await deps.approvals.close(
      approval.id,
      ApprovalStatus.Denied,
      request.userId,
      now,
      reason,
    );
    if (denied === null) return alreadyDecided(deps, approval.id);
    await settled(deps, denied);
    return { outcome: 'recorded', approval: denied };
  }
  return approve(deps, approval, request.userId, now);
}

/** One approval toward the quorum; the one that fills it concludes the approval, exactly once. */
async function approve(
  deps: DecideApprovalDeps,
  approval: ApprovalRecord,
  userId: string,
  now: Date,
): Promise<DecisionResult> {
  const {
    counted,
    decided,
    approval: voted,
  } = await deps.approvals.addVote(approval.id, userId, now);
  if (!counted) return { outcome: 'already', approval: voted };
  await deps.audit.record(
    approvalEvent(voted, 'approval.voted', userId, now, {
      votes: voted.approvals.length,
      required: voted.required,
    }),
  );
  // Only the vote that decided resumes the run: exactly once.
  if (decided) await settled(deps, voted);
  else await showOnCards(deps, voted);
  return { outcome: 'recorded', approval: voted };
}

/**
 * Whether `request.userId` may decide this approval now, without deciding: the approval, or the
 * answer to give (a refused click is audited). The button's kind, the approval's state and the
 * run's are all checked, since Slack signs the click but the clicker picks the button and its
 * value. The Deny button asks this before its modal opens.
 */
export async function checkDecider(
  deps: DecideApprovalDeps,
  request: DecisionCheck,
): Promise<DecisionResult | { approval: ApprovalRecord }> {
  const approval = await deps.approvals.get(request.approvalId);
  if (approval === null) return { outcome: 'unknown' };
  const refuse = async (why: RefusalWhy | 'binding_mismatch' | 'wrong_kind') => {
    await deps.audit.record(
      approvalEvent(approval, 'approval.refused', request.userId, deps.clock(), {
        why,
        decision: request.decision,
        kind: request.kind,
      }),
    );
  };
  if (request.binding !== approval.binding) {
    await refuse('binding_mismatch');
    return { outcome: 'mismatch', approval };
  }
  if (request.kind !== approval.kind) {
    await refuse('wrong_kind');
    return { outcome: 'wrong_kind', approval };
  }
  if (approval.status !== ApprovalStatus.Pending) return { outcome: 'already', approval };
  const why = await mayDecide(deps.groups, approval, request.userId);
  if (why !== undefined) {
    await refuse(why);
    return { outcome: 'not_allowed', why, approval };
  }
  const unready = await whereSubjectStands(deps, approval);
  return unready ?? { approval };
}

/**
 * The answer when the subject does not wait for this decision, or undefined when it does. An
 * ended subject (a run cancelled, or given up) waits for nothing: its approval ends too.
 */
async function whereSubjectStands(
  deps: DecideApprovalDeps,
  approval: ApprovalRecord,
): Promise<DecisionResult | undefined> {
  const standing = await deps.subject.standing(approval);
  if (standing.state === 'waiting') return undefined;
  if (standing.state === 'not_waiting') {
    const { status } = standing;
    return { outcome: 'not_waiting', approval, ...(status ? { status } : {}) };
  }
  const closed = await closeAsCancelled(deps, approval, standing.by, standing.at, standing.note);
  if (closed === null) return alreadyDecided(deps, approval.id);
  await showOnCards(deps, closed);
  return { outcome: 'already', approval: closed };
}

/** Closes a pending approval as cancelled, audited, once; null when it had ended already. */
export async function closeAsCancelled(
  deps: Pick<DecideApprovalDeps, 'approvals' | 'audit'>,
  approval: ApprovalRecord,
  by: string,
  at: Date,
  note?: string,
): Promise<ApprovalRecord | null> {
  const closed = await deps.approvals.close(approval.id, ApprovalStatus.Cancelled, by, at, note);
  if (closed !== null) await deps.audit.record(approvalEvent(closed, 'approval.cancelled', by, at));
  return closed;
}

async function alreadyDecided(deps: DecideApprovalDeps, id: string): Promise<DecisionResult> {
  const current = await deps.approvals.get(id);
  return current === null ? { outcome: 'unknown' } : { outcome: 'already', approval: current };
}

/** Whether `userId` may decide, or why not (App Home lists what a user may decide). */
export async function mayDecide(
  groups: UsergroupDirectory,
  approval: ApprovalRecord,
  userId: string,
): Promise<RefusalWhy | undefined> {
  if (userId === approval.requesterId && !approval.allowSelfApproval) return 'own_run';
  const people = deciders(approval);
  if (people.users.includes(userId)) return undefined;
  let unresolved = false;
  for (const group of people.usergroups) {
    try {
      if ((await groups.members(group)).has(userId)) return undefined;
    } catch {
      unresolved = true;
    }
  }
  return unresolved ? 'unresolved' : 'not_an_approver';
}

/**
 * A decided approval (approved, denied, expired with `on_timeout: deny`) is audited and reaches its
 * subject (the run records the call's fate and goes on); then the cards show the outcome.
 * Repeating it changes nothing more.
 */
export async function settled(
  deps: Pick<DecideApprovalDeps, 'subject' | 'audit' | 'clock'> & ApprovalCardsDeps,
  approval: ApprovalRecord,
): Promise<void> {
  const at = approval.decidedAt ?? deps.clock();
  const type =
    approval.status === ApprovalStatus.Approved
      ? 'approval.approved'
      : approval.status === ApprovalStatus.Denied
        ? 'approval.denied'
        : 'approval.expired';
  await deps.audit.record(
    approvalEvent(approval, type, approval.decidedBy ?? 'countersign', at, {
      ...(approval.decisionNote ? { note: approval.decisionNote } : {}),
      approvers: approval.approvals.map((vote) => vote.userId).join(','),
    }),
  );
  await deps.subject.concluded(approval);
  await showOnCards(deps, approval);
}
