import type { Logger } from 'pino';
import { SERVICE_ACTOR } from '../audit/audit-event';
import type { AuditLog } from '../audit/ports';
import type { UsergroupDirectory } from '../policy/ports';
import type { RunQueue, RunRepository } from '../runs/ports';
import {
  FINAL_RUN_STATUSES,
  lastChangeTo,
  type RunRecord,
  RunStatus,
  StepStatus,
} from '../runs/run';
import type { Clock } from '../shared/clock';
import { type ApprovalKind, type ApprovalRecord, ApprovalStatus, deciders } from './approval';
import { approvalEvent } from './approval-events';
import type { ApprovalNotifier, ApprovalRepository, ApprovalTimers } from './ports';

export interface DecideApprovalDeps {
  approvals: ApprovalRepository;
  runs: RunRepository;
  queue: RunQueue;
  notifier: ApprovalNotifier;
  /** Retries a card update Slack refused. */
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
  /** The run is not (or not yet) waiting for this decision; `runStatus` says where it is. */
  | { outcome: 'not_waiting'; approval: ApprovalRecord; runStatus?: RunStatus }
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
    const denied = await deps.approvals.close(
      approval.id,
      ApprovalStatus.Denied,
      request.userId,
      now,
      request.reason ?? 'no reason given',
    );
    if (denied === null) return alreadyDecided(deps, approval.id);
    await settled(deps, denied);
    return { outcome: 'recorded', approval: denied };
  }

  const {
    counted,
    decided,
    approval: voted,
  } = await deps.approvals.addVote(approval.id, request.userId, now);
  if (!counted) return { outcome: 'already', approval: voted };
  await deps.audit.record(
    approvalEvent(voted, 'approval.voted', request.userId, now, {
      votes: voted.approvals.length,
      required: voted.required,
    }),
  );
  // Only the vote that decided resumes the run: exactly once.
  if (decided) await settled(deps, voted);
  else await updateCard(deps, voted);
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
  const run = await deps.runs.get(approval.runId);
  if (approval.kind === 'call') {
    // A run that ended (a cancel cut short, a run given up) waits for nothing: its approval ends too.
    if (run === null || FINAL_RUN_STATUSES.includes(run.status)) {
      return closeForEndedRun(deps, approval, run);
    }
  } else if (run?.status !== RunStatus.NeedsAttention) {
    // Its card is posted before the run ends needing attention: a choice before then would be lost.
    return { outcome: 'not_waiting', approval, ...(run ? { runStatus: run.status } : {}) };
  }
  return { approval };
}

/** The approval of a call whose run has ended is closed as cancelled (audited, card updated), once. */
async function closeForEndedRun(
  deps: DecideApprovalDeps,
  approval: ApprovalRecord,
  run: RunRecord | null,
): Promise<DecisionResult> {
  const change = run?.history.at(-1);
  const by = change?.by ?? SERVICE_ACTOR;
  const at = change?.at ?? deps.clock();
  const note =
    run?.status === RunStatus.Cancelled
      ? undefined
      : `the run ended ${run?.status ?? 'unrecorded'}`;
  const closed = await deps.approvals.close(approval.id, ApprovalStatus.Cancelled, by, at, note);
  if (closed === null) return alreadyDecided(deps, approval.id);
  await deps.audit.record(approvalEvent(closed, 'approval.cancelled', by, at));
  await updateCard(deps, closed);
  return { outcome: 'already', approval: closed };
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
 * A decided approval (approved, denied, expired with `on_timeout: deny`) reaches its call, and the
 * run is queued to go on; then the card shows the outcome. Repeating it changes nothing more.
 */
export async function settled(
  deps: Pick<
    DecideApprovalDeps,
    'runs' | 'queue' | 'notifier' | 'timers' | 'audit' | 'clock' | 'log'
  >,
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
  const fields =
    approval.status === ApprovalStatus.Approved
      ? { status: StepStatus.Approved }
      : {
          status: StepStatus.Refused,
          error: refusalText(approval),
          finishedAt: at,
        };
  await deps.runs.settleStep(approval.runId, approval.step, StepStatus.AwaitingApproval, fields);
  if (approval.status === ApprovalStatus.Approved) await notRunIfCancelled(deps, approval);
  await deps.queue.requeueRun(approval.runId);
  await updateCard(deps, approval);
}

/**
 * A cancel that raced this approval may have settled the call before our write landed over it
 * (FerretDB applies conditional updates non-atomically): read the run after writing, and if it was
 * cancelled, the approved call is recorded as not run, as the cancel itself records it.
 */
async function notRunIfCancelled(
  deps: Pick<DecideApprovalDeps, 'runs' | 'clock'>,
  approval: ApprovalRecord,
): Promise<void> {
  const run = await deps.runs.get(approval.runId);
  if (run?.status !== RunStatus.Cancelled) return;
  const step = run.steps.find((candidate) => candidate.index === approval.step);
  if (step?.status !== StepStatus.Approved) return;
  const cancel = lastChangeTo(run, RunStatus.Cancelled);
  const by = cancel?.by ?? SERVICE_ACTOR;
  await deps.runs.settleStep(run.id, approval.step, StepStatus.Approved, {
    status: StepStatus.Refused,
    error: notRunText(approval, by),
    finishedAt: cancel?.at ?? deps.clock(),
  });
}

/** What a call's record says when its run was cancelled before it ran (approved or not). */
export function notRunText(approved: ApprovalRecord | undefined, cancelledBy: string): string {
  return approved
    ? `approved by ${approved.decidedBy ?? 'an approver'}, but not run: the run was cancelled by ${cancelledBy}`
    : `not run: the run was cancelled by ${cancelledBy}`;
}

/** What the call's record and the model are told when it will not run. */
export function refusalText(approval: ApprovalRecord): string {
  if (approval.status === ApprovalStatus.Expired) {
    return `not approved: the approval expired with no decision${approval.decisionNote ? ` (${approval.decisionNote})` : ''}`;
  }
  return `denied by ${approval.decidedBy ?? 'an approver'}: ${approval.decisionNote ?? 'no reason given'}`;
}

/**
 * The card shows where the approval stands. The decision stands whatever Slack answers; an update
 * it refuses (after the client's own retries) is handed to the queue, which retries it with backoff.
 */
export async function updateCard(
  deps: Pick<DecideApprovalDeps, 'notifier' | 'timers' | 'log'>,
  approval: ApprovalRecord,
): Promise<void> {
  try {
    await deps.notifier.updateCard(approval);
  } catch (error) {
    deps.log.warn(
      { err: error, approvalId: approval.id },
      'could not update the approval card; retrying it later',
    );
    await deps.timers
      .retryCardUpdate(approval)
      .catch((queueError) =>
        deps.log.error(
          { err: queueError, approvalId: approval.id },
          'could not queue the card update; the card shows an old state',
        ),
      );
  }
}
