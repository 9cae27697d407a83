import type { Logger } from 'pino';
import { type ApprovalRecord, ApprovalStatus } from '../approvals/approval';
import { approvalEvent } from '../approvals/approval-events';
import { updateCard } from '../approvals/decide-approval';
import type { ApprovalNotifier, ApprovalRepository, ApprovalTimers } from '../approvals/ports';
import { SERVICE_ACTOR } from '../audit/audit-event';
import type { AuditLog } from '../audit/ports';
import { mayCancelRun } from '../policy/may-cancel-run';
import type { Clock, RunQueue, RunRepository } from './ports';
import { FINAL_RUN_STATUSES, type RunRecord, RunStatus, StepStatus } from './run';

export interface CancelRunDeps {
  runs: RunRepository;
  approvals: ApprovalRepository;
  /** Updates the cards of the approvals it closes. */
  notifier: ApprovalNotifier;
  /** Retries a card update Slack refused. */
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
  | { outcome: 'cancelled'; run: RunRecord; closed: ApprovalRecord[] };

/** The statuses a run can be cancelled from: every status that is not final. */
const CANCELLABLE: readonly RunStatus[] = [
  RunStatus.Queued,
  RunStatus.Running,
  RunStatus.AwaitingApproval,
];

/**
 * `/countersign cancel`: the run ends `cancelled` (one conditional update, with who and when), each
 * pending approval of it is closed as cancelled and its card updated, each call waiting for one is
 * recorded as not run, and the run is queued so the worker announces the end in its thread. A
 * worker carrying the run at that moment starts nothing more: its next write is refused.
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
  const cancelled = await deps.runs.transition(run.id, CANCELLABLE, RunStatus.Cancelled, now, {
    by: request.userId,
  });
  if (cancelled === null) {
    // It ended between the read and the update.
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
    },
    key: `${run.id}:cancelled`,
  });
  const closed = await closeWhatWaits(deps, cancelled);
  return { outcome: 'cancelled', run: (await deps.runs.get(run.id)) ?? cancelled, closed };
}

/**
 * Of a cancelled run: each pending approval closed as cancelled (audited, its card updated), each
 * call still waiting recorded as not run, and the run queued for its announcement. Safe to repeat.
 * @returns the approvals it closed
 */
async function closeWhatWaits(deps: CancelRunDeps, run: RunRecord): Promise<ApprovalRecord[]> {
  const change = run.history.at(-1);
  const by = change?.by ?? SERVICE_ACTOR;
  const at = change?.at ?? deps.clock();
  const closed: ApprovalRecord[] = [];
  for (const approval of await deps.approvals.ofRun(run.id)) {
    if (approval.status !== ApprovalStatus.Pending) continue;
    const ended = await deps.approvals.close(approval.id, ApprovalStatus.Cancelled, by, at);
    if (ended === null) continue; // decided meanwhile; the run is cancelled all the same
    await deps.audit.record(approvalEvent(ended, 'approval.cancelled', by, at));
    closed.push(ended);
  }
  // Every call still waiting (with or without an approval record) is recorded as not run.
  for (const step of run.steps) {
    if (step.status !== StepStatus.AwaitingApproval) continue;
    await deps.runs.settleStep(run.id, step.index, StepStatus.AwaitingApproval, {
      status: StepStatus.Refused,
      error: `not run: the run was cancelled by ${by}`,
      finishedAt: at,
    });
  }
  for (const approval of closed) await updateCard(deps, approval);
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
