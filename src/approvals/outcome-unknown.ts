import {
  type RunRecord,
  RunStatus,
  type StepRecord,
  StepStatus,
  type ThreadRef,
} from '../runs/run';
import { type ApprovalRecord, ApprovalStatus } from './approval';
import { approvalEvent } from './approval-events';
import {
  checkDecider,
  type DecideApprovalDeps,
  type DecisionResult,
  updateCard,
} from './decide-approval';
import { type ApprovalDeps, callToDecide, publishApproval } from './request-approval';

/** What the approvers may decide about a call whose outcome is unknown. */
export type OutcomeChoice = 'retry' | 'done' | 'abort';

const CHOICE_NOTE: Record<OutcomeChoice, string> = {
  retry: 'Retry',
  done: 'Mark as done',
  abort: 'Abort run',
};

/**
 * A call above low risk was interrupted while executing (a crash): it may or may not have run,
 * so it is not repeated blindly. Its approvers get a card to decide: retry it, mark it done, or
 * abort the run. Stored and posted once; it expires like an approval (the run then stays as it is).
 */
export async function requestOutcomeDecision(
  deps: ApprovalDeps,
  run: RunRecord,
  step: StepRecord,
  thread: ThreadRef,
): Promise<ApprovalRecord | undefined> {
  const spec = run.manifest.approval;
  if (spec === undefined) return undefined; // nobody to ask: the run just needs attention
  const now = deps.clock();
  return publishApproval(deps, {
    ...callToDecide(run, step, spec, thread),
    id: `${run.id}:${step.index}:outcome`,
    kind: 'outcome_unknown',
    required: 1,
    onTimeout: 'expire',
    createdAt: now,
    expiresAt: new Date(now.getTime() + spec.timeout),
  });
}

/**
 * An approver's choice about a call whose outcome is unknown, decided once: retry and done are the
 * decider's approval (a vote filling the question's quorum of one, so `approved` always names who
 * approved), abort a denial. Retry runs the call again, done records it as succeeded without running
 * it, abort ends the run as failed. Only a question about a run that needs attention is decided; the
 * run then goes on (or is announced) through the queue.
 */
export async function decideOutcome(
  deps: DecideApprovalDeps,
  request: { approvalId: string; binding: string; userId: string; choice: OutcomeChoice },
): Promise<DecisionResult> {
  const checked = await checkDecider(deps, {
    ...request,
    kind: 'outcome_unknown',
    decision: request.choice === 'abort' ? 'deny' : 'approve',
  });
  if ('outcome' in checked) return checked;
  const now = deps.clock();
  const note = CHOICE_NOTE[request.choice];
  let decided: ApprovalRecord | null;
  if (request.choice === 'abort') {
    decided = await deps.approvals.close(
      checked.approval.id,
      ApprovalStatus.Denied,
      request.userId,
      now,
      note,
    );
  } else {
    const vote = await deps.approvals.addVote(checked.approval.id, request.userId, now, note);
    decided = vote.decided ? vote.approval : null;
  }
  if (decided === null) {
    const current = await deps.approvals.get(checked.approval.id);
    return current === null ? { outcome: 'unknown' } : { outcome: 'already', approval: current };
  }
  await deps.audit.record(
    approvalEvent(
      decided,
      request.choice === 'abort' ? 'approval.denied' : 'approval.approved',
      request.userId,
      now,
      { note, kind: decided.kind },
    ),
  );
  const label = `call ${decided.step + 1} (${decided.tool})`;
  if (request.choice === 'abort') {
    await deps.runs.reopen(decided.runId, RunStatus.Failed, now, {
      error: `aborted by ${request.userId}: ${label} was interrupted and what it did is unknown`,
    });
  } else {
    await deps.runs.settleStep(
      decided.runId,
      decided.step,
      StepStatus.Executing,
      request.choice === 'retry'
        ? { status: StepStatus.Approved }
        : {
            status: StepStatus.Succeeded,
            output: `marked as done by ${request.userId}; what the interrupted call did is unknown`,
            finishedAt: now,
          },
    );
    await deps.runs.reopen(decided.runId, RunStatus.AwaitingApproval, now, {
      detail: `${note}: decided by ${request.userId}`,
    });
  }
  await deps.queue.requeueRun(decided.runId);
  await updateCard(deps, decided);
  return { outcome: 'recorded', approval: decided };
}
