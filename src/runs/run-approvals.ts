import { type ApprovalRecord, ApprovalStatus, type People } from '../approvals/approval';
import type { ApprovalSubject, OutcomeChoice, SubjectStanding } from '../approvals/ports';
import { SERVICE_ACTOR } from '../audit/audit-event';
import type { Clock } from '../shared/clock';
import type { RunQueue, RunRepository } from './ports';
import { FINAL_RUN_STATUSES, lastChangeTo, type RunRecord, RunStatus, StepStatus } from './run';

export interface RunApprovalsDeps {
  runs: RunRepository;
  queue: RunQueue;
  clock: Clock;
}

/**
 * Runs as the subject of their approvals: a decision settles the call it is about, and the run is
 * queued to go on (or to be announced, when it ended).
 */
export function runApprovals(deps: RunApprovalsDeps): ApprovalSubject {
  return {
    standing: (approval) => runStanding(deps, approval),
    concluded: (approval) => callConcluded(deps, approval),
    chosen: (approval, choice) => outcomeChosen(deps, approval, choice),
    escalation: (approval) => escalationOf(deps, approval),
  };
}

/**
 * A call's approval waits as long as its run has not ended; an outcome question only while the run
 * needs attention, since its card is posted before the run ends so: a choice before then would be lost.
 */
async function runStanding(
  deps: RunApprovalsDeps,
  approval: ApprovalRecord,
): Promise<SubjectStanding> {
  const run = await deps.runs.get(approval.runId);
  if (approval.kind === 'outcome_unknown') {
    if (run?.status === RunStatus.NeedsAttention) return { state: 'waiting' };
    return { state: 'not_waiting', ...(run ? { status: run.status } : {}) };
  }
  if (run !== null && !FINAL_RUN_STATUSES.includes(run.status)) return { state: 'waiting' };
  // A run that ended (a cancel cut short, a run given up) waits for nothing.
  const change = run?.history.at(-1);
  return {
    state: 'ended',
    by: change?.by ?? SERVICE_ACTOR,
    at: change?.at ?? deps.clock(),
    ...(run?.status === RunStatus.Cancelled
      ? {}
      : { note: `the run ended ${run?.status ?? 'unrecorded'}` }),
  };
}

/**
 * A call's approval concluded: the call is approved, or refused with the reason the model is told
 * (a run whose approval expired with `on_timeout: expire` ends expired), and the run is queued to
 * go on. An outcome question that expired leaves the run needing attention.
 */
async function callConcluded(deps: RunApprovalsDeps, approval: ApprovalRecord): Promise<void> {
  if (approval.kind === 'outcome_unknown') return;
  const at = approval.decidedAt ?? deps.clock();
  const approved = approval.status === ApprovalStatus.Approved;
  const fields = approved
    ? { status: StepStatus.Approved }
    : { status: StepStatus.Refused, error: refusalText(approval), finishedAt: at };
  await deps.runs.settleStep(approval.runId, approval.step, StepStatus.AwaitingApproval, fields);
  if (approved) await notRunIfCancelled(deps, approval);
  if (approval.status === ApprovalStatus.Expired && approval.onTimeout === 'expire') {
    await deps.runs.transition(
      approval.runId,
      [RunStatus.AwaitingApproval, RunStatus.Running, RunStatus.Queued],
      RunStatus.Expired,
      at,
      {
        error: `the approval of call ${approval.step + 1} (${approval.tool}) expired: ${approval.decisionNote}`,
      },
    );
  }
  // The worker carries the run on, or announces it ended (thread, headline) as for any final run.
  await deps.queue.requeueRun(approval.runId);
}

/**
 * A cancel that raced this approval may have settled the call before our write landed over it
 * (FerretDB applies conditional updates non-atomically): read the run after writing, and if it was
 * cancelled, the approved call is recorded as not run, as the cancel itself records it.
 */
async function notRunIfCancelled(deps: RunApprovalsDeps, approval: ApprovalRecord): Promise<void> {
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

/**
 * What the approvers chose about a call whose outcome is unknown: retry runs it again, done records
 * it as succeeded without running it, abort ends the run as failed; the run then goes on (or is
 * announced) through the queue.
 */
async function outcomeChosen(
  deps: RunApprovalsDeps,
  approval: ApprovalRecord,
  choice: OutcomeChoice,
): Promise<void> {
  const by = approval.decidedBy ?? SERVICE_ACTOR;
  const at = approval.decidedAt ?? deps.clock();
  const label = `call ${approval.step + 1} (${approval.tool})`;
  if (choice === 'abort') {
    await deps.runs.reopen(approval.runId, RunStatus.Failed, at, {
      error: `aborted by ${by}: ${label} was interrupted and what it did is unknown`,
    });
  } else {
    await deps.runs.settleStep(
      approval.runId,
      approval.step,
      StepStatus.Executing,
      choice === 'retry'
        ? { status: StepStatus.Approved }
        : {
            status: StepStatus.Succeeded,
            output: `marked as done by ${by}; what the interrupted call did is unknown`,
            finishedAt: at,
          },
    );
    await deps.runs.reopen(approval.runId, RunStatus.AwaitingApproval, at, {
      detail: `${approval.decisionNote}: decided by ${by}`,
    });
  }
  await deps.queue.requeueRun(approval.runId);
}

/** The manifest's `escalate_to`, as the run holds it. */
async function escalationOf(
  deps: RunApprovalsDeps,
  approval: ApprovalRecord,
): Promise<People | undefined> {
  const run: RunRecord | null = await deps.runs.get(approval.runId);
  const to = run?.manifest.approval?.escalate_to;
  return to === undefined ? undefined : { users: to.users ?? [], usergroups: to.usergroups ?? [] };
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
