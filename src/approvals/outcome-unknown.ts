import { type ApprovalRecord, ApprovalStatus } from './approval';
import { showOnCards } from './approval-cards';
import { approvalEvent } from './approval-events';
import { checkDecider, type DecideApprovalDeps, type DecisionResult } from './decide-approval';
import type { OutcomeChoice } from './ports';

const CHOICE_NOTE: Record<OutcomeChoice, string> = {
  retry: 'Retry',
  done: 'Mark as done',
  abort: 'Abort run',
};

export interface OutcomeRequest {
  approvalId: string;
  binding: string;
  userId: string;
  choice: OutcomeChoice;
}

/**
 * An approver's choice about a call whose outcome is unknown, decided once: retry and done are the
 * decider's approval (a vote filling the question's quorum of one, so `approved` always names who
 * approved), abort a denial. Only a question its subject waits for is decided; the subject then
 * carries the choice out (a run retries the call, records it done, or ends failed).
 */
export async function decideOutcome(
  deps: DecideApprovalDeps,
  request: OutcomeRequest,
): Promise<DecisionResult> {
  const checked = await checkDecider(deps, {
    ...request,
    kind: 'outcome_unknown',
    decision: request.choice === 'abort' ? 'deny' : 'approve',
  });
  if ('outcome' in checked) return checked;
  const now = deps.clock();
  const decided = await claimChoice(deps, checked.approval, request, now);
  if (decided === null) {
    const current = await deps.approvals.get(checked.approval.id);
    return current === null ? { outcome: 'unknown' } : { outcome: 'already', approval: current };
  }
  const type = request.choice === 'abort' ? 'approval.denied' : 'approval.approved';
  await deps.audit.record(
    approvalEvent(decided, type, request.userId, now, {
      note: CHOICE_NOTE[request.choice],
      kind: decided.kind,
    }),
  );
  await deps.subject.chosen(decided, request.choice);
  await showOnCards(deps, decided);
  return { outcome: 'recorded', approval: decided };
}

/** The choice claimed once, with its words as the note; null when another decision came first. */
async function claimChoice(
  deps: DecideApprovalDeps,
  approval: ApprovalRecord,
  request: OutcomeRequest,
  now: Date,
): Promise<ApprovalRecord | null> {
  const note = CHOICE_NOTE[request.choice];
  if (request.choice === 'abort') {
    return deps.approvals.close(approval.id, ApprovalStatus.Denied, request.userId, now, note);
  }
  const vote = await deps.approvals.addVote(approval.id, request.userId, now, note);
  return vote.decided ? vote.approval : null;
}
