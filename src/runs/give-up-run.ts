import type { ApprovalDeps } from '../approvals/request-approval';
import type { Clock } from '../shared/clock';
import { requestOutcomeDecision } from './ask-for-approval';
import type { RunRepository } from './ports';
import { ACTIVE_RUN_STATUSES, type RunRecord, RunStatus, StepStatus } from './run';

/**
 * Ends a run no attempt could carry on (its job failed for good). A call above low risk left
 * `executing` may have run, so the run then needs a human rather than merely failing; with
 * `askApprovers`, its approvers get the outcome-unknown card, as after a crash a worker survived.
 * @returns the ended run, or null if it had already ended.
 */
export async function giveUpRun(
  deps: { runs: RunRepository; clock: Clock; askApprovers?: ApprovalDeps },
  runId: string,
  reason: string,
): Promise<RunRecord | null> {
  const run = await deps.runs.get(runId);
  if (run === null) return null;
  const unknown = run.steps.find(
    (step) => step.status === StepStatus.Executing && step.risk !== 'low',
  );
  const [status, error] = unknown
    ? [
        RunStatus.NeedsAttention,
        `${reason}; call ${unknown.index + 1} (${unknown.tool}) may have run, so it is not repeated automatically`,
      ]
    : [RunStatus.Failed, reason];
  if (unknown && deps.askApprovers && run.thread) {
    // Asked before the run ends, so a failure here leaves it for the next sweep to ask again.
    await requestOutcomeDecision(deps.askApprovers, run, unknown, run.thread);
  }
  return deps.runs.transition(runId, ACTIVE_RUN_STATUSES, status, deps.clock(), { error });
}
