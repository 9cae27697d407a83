import type { Logger } from 'pino';
import { type ApprovalRecord, ApprovalStatus } from '../approvals/approval';
import { showOnCards } from '../approvals/approval-cards';
import { closeAsCancelled } from '../approvals/decide-approval';
import type { ApprovalRepository, ApprovalSurfaces, ApprovalTimers } from '../approvals/ports';
import { SERVICE_ACTOR } from '../audit/audit-event';
import type { AuditLog } from '../audit/ports';
import { mayCancelRun } from '../policy/may-cancel-run';
import type { Clock } from '../shared/clock';
import type { RunQueue, RunRepository } from './ports';
import { FINAL_RUN_STATUSES, lastChangeTo, type RunRecord, RunStatus, StepStatus } from './run';
import { notRunText } from './run-approvals';

export interface CancelRunDeps {
  runs: RunRepository;
  approvals: ApprovalRepository;
  /** Updates the cards of the approvals it closes. */
  surfaces: ApprovalSurfaces;
  /** Retries a card update a surface refused. */
  timers: Pick<ApprovalTimers, 'retryCardUpdate'>;
  queue: RunQueue;
  audit: AuditLog;
  /** Slack user ids of COUNTERSIGN_ADMINS, who may cancel anyone's run. */
  admins: ReadonlySet<string>;
  clock: Clock;
  log: Logger;
}

export interface CancelRequest {
  runId: string;
  userId: string;
  /** Where the request came from, for the audit log. */
  teamId: string;
  channelId: string;
}

export type CancelResult =
  /** No such run, or one this user may not cancel (told apart only in the audit log). */
  | { outcome: 'unknown' }
  /** The run had ended already (`run.status` says how). */
  | { outcome: 'ended'; run: RunRecord }
  | {
      outcome: 'cancelled';
      run: RunRecord;
      closed: ApprovalRecord[];
      /** Approved just before the cancel (their call not started): they stand, the call does not run. */
      approvedFirst: ApprovalRecord[];
    };

/** The statuses a run can be cancelled from: every status that is not final. */
const CANCELLABLE: readonly RunStatus[] = [
  RunStatus.Queued,
  RunStatus.Running,
  RunStatus.AwaitingApproval,
];

/**
 * `/countersign cancel`: each open approval of the run is closed as cancelled first, then the run
 * ends `cancelled` (one conditional update, with who and when); the cards are updated, each call
 * waiting is recorded as not run, and the run is queued so the worker announces the end in its
 * thread. A worker carrying the run at that moment starts nothing more: its next write is refused.
 *
 * An approval's own single-document claim decides a race with a click: closed first, a later
 * click is told the run was cancelled; approved first, the cancel still ends the run, and the
 * run's record says the call was approved and did not run (or, if a worker had started it, how it
 * ended). Either way no `approved` approval stands on a cancelled run unexplained.
 */
export async function cancelRun(
  deps: CancelRunDeps,
  request: CancelRequest,
): Promise<CancelResult> {
  const run = await deps.runs.get(request.runId);
  if (run === null) return { outcome: 'unknown' };
  if (!mayCancelRun(run, request.userId, deps.admins)) {
    await auditRefusal(deps, request, run);
    return { outcome: 'unknown' };
  }
  if (FINAL_RUN_STATUSES.includes(run.status)) {
    // A cancel cut short (a crash, a store error) is completed by asking again.
    if (run.status === RunStatus.Cancelled) await closeWhatWaits(deps, run);
    return { outcome: 'ended', run };
  }

  const now = deps.clock();
  const closed = await closeOpenApprovals(deps, run.id, request.userId, now);
  const approvedFirst = await approvedNotStarted(deps, run.id);
  const cancelled = await deps.runs.transition(run.id, CANCELLABLE, RunStatus.Cancelled, now, {
    by: request.userId,
    ...(approvedFirst.length > 0 ? { detail: approvedBefore(approvedFirst) } : {}),
  });
  if (cancelled === null) {
    // It ended between the read and the update.
    for (const approval of closed) await showOnCards(deps, approval);
    const current = await deps.runs.get(run.id);
    return current === null ? { outcome: 'unknown' } : { outcome: 'ended', run: current };
  }
  await deps.audit.record({
    type: 'run.cancelled',
    at: now,
    actor: request.userId,
    runId: run.id,
    workflow: run.workflow,
    team: request.teamId,
    channel: request.channelId,
    details: {
      from: cancelled.history.at(-2)?.status ?? run.status,
      asAdmin: request.userId !== run.requester.userId,
      ...(approvedFirst.length > 0
        ? { approvedBefore: approvedFirst.map((approval) => approval.id).join(',') }
        : {}),
    },
    key: `${run.id}:cancelled`,
  });
  closed.push(...(await closeWhatWaits(deps, cancelled)));
  const ended = (await deps.runs.get(run.id)) ?? cancelled;
  return { outcome: 'cancelled', run: ended, closed, approvedFirst };
}

/** Approvals that won against the cancel: approved, their call not started. */
async function approvedNotStarted(deps: CancelRunDeps, runId: string): Promise<ApprovalRecord[]> {
  const steps = (await deps.runs.get(runId))?.steps ?? [];
  const waiting = (index: number) =>
    steps.some(
      (step) =>
        step.index === index &&
        (step.status === StepStatus.AwaitingApproval || step.status === StepStatus.Approved),
    );
  return (await deps.approvals.ofRun(runId)).filter(
    (approval) =>
      approval.kind === 'call' &&
      approval.status === ApprovalStatus.Approved &&
      waiting(approval.step),
  );
}

/** What the run's history says of calls approved just before the cancel. */
function approvedBefore(approvals: ApprovalRecord[]): string {
  const calls = approvals.map(
    (approval) =>
      `call ${approval.step + 1} (${approval.tool}) approved by ${approval.decidedBy ?? 'an approver'}`,
  );
  return `cancelled after ${calls.join(', ')}`;
}

/** Each pending approval of the run closed as cancelled and audited; the ones it closed. */
async function closeOpenApprovals(
  deps: CancelRunDeps,
  runId: string,
  by: string,
  at: Date,
): Promise<ApprovalRecord[]> {
  const closed: ApprovalRecord[] = [];
  for (const approval of await deps.approvals.ofRun(runId)) {
    if (approval.status !== ApprovalStatus.Pending) continue;
    const ended = await closeAsCancelled(deps, approval, by, at);
    if (ended === null) continue; // decided meanwhile: its decision stands, the run records it
    closed.push(ended);
  }
  return closed;
}

/**
 * Of a cancelled run: each approval still pending (asked for by a worker as the run was
 * cancelled) closed as cancelled, each call still waiting or approved but not started recorded
 * as not run, the card of each cancelled approval updated (those closed before the run ended
 * too, even by a cancel cut short), and the run queued for its announcement. Safe to repeat.
 * @returns the approvals it closed
 */
async function closeWhatWaits(deps: CancelRunDeps, run: RunRecord): Promise<ApprovalRecord[]> {
  const change = lastChangeTo(run, RunStatus.Cancelled);
  const by = change?.by ?? SERVICE_ACTOR;
  const at = change?.at ?? deps.clock();
  const closed = await closeOpenApprovals(deps, run.id, by, at);
  const approvals = await deps.approvals.ofRun(run.id);
  await recordNotRun(deps, run, approvals, by, at);
  for (const approval of approvals) {
    if (approval.status === ApprovalStatus.Cancelled) await showOnCards(deps, approval);
  }
  if (run.announcedAt !== undefined) return closed;
  try {
    // A worker announces a final run; one carrying this run now finds it cancelled and stops.
    await deps.queue.requeueRun(run.id);
  } catch (error) {
    // The recovery sweep announces final runs that were not; the cancel itself stands.
    deps.log.warn(
      { err: error, runId: run.id },
      'could not queue the cancelled run for its announcement',
    );
  }
  return closed;
}

/** Every call of the run still waiting, or approved and not started, recorded as not run. */
async function recordNotRun(
  deps: CancelRunDeps,
  run: RunRecord,
  approvals: ApprovalRecord[],
  by: string,
  at: Date,
): Promise<void> {
  for (const step of run.steps) {
    if (step.status !== StepStatus.AwaitingApproval && step.status !== StepStatus.Approved)
      continue;
    const approved = approvals.find(
      (approval) =>
        approval.step === step.index &&
        approval.kind === 'call' &&
        approval.status === ApprovalStatus.Approved,
    );
    const error = notRunText(approved, by);
    // Its approval's click may move it from waiting to approved meanwhile: either is settled.
    for (const from of [StepStatus.AwaitingApproval, StepStatus.Approved] as const) {
      const settled = await deps.runs.settleStep(run.id, step.index, from, {
        status: StepStatus.Refused,
        error,
        finishedAt: at,
      });
      if (settled) break;
    }
  }
}

/** A refused attempt is audited; a failure to record it does not change the answer. */
async function auditRefusal(deps: CancelRunDeps, request: CancelRequest, run: RunRecord) {
  deps.log.info({ runId: run.id, user: request.userId }, 'cancel: run hidden from a user');
  await deps.audit
    .record({
      type: 'run.cancel_refused',
      at: deps.clock(),
      actor: request.userId,
      team: request.teamId,
      channel: request.channelId,
      runId: run.id,
      workflow: run.workflow,
    })
    .catch((error) => deps.log.error({ err: error }, 'could not audit a refused cancel'));
}
