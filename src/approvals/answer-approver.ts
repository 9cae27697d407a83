import type { ApprovalRecord } from './approval';
import {
  checkDecider,
  type DecideApprovalDeps,
  type DecisionResult,
  decideApproval,
} from './decide-approval';
import { decideOutcome } from './outcome-unknown';
import type { OutcomeChoice } from './ports';

/** What an approver chose on a card, whichever surface showed it (the surface parses its own click). */
export interface ApproverChoice {
  /** What the card carries: the approval, and the binding of the exact call it showed. */
  approvalId: string;
  binding: string;
  userId: string;
  /** Approve or Deny on a call's card; Retry, Mark as done or Abort on an outcome question's. */
  choice: 'approve' | 'deny' | OutcomeChoice;
  /** Why, for a denial. Without one, nothing is decided: the approver is asked for it first. */
  reason?: string;
}

export type ApproverAnswer =
  | DecisionResult
  /** The approver may deny: the surface asks them why (Slack opens a modal), and their reason decides. */
  | { outcome: 'reason_needed'; approval: ApprovalRecord };

/**
 * An approver's click, on any surface: decided once (or refused, audited), the run or whatever the
 * approval is about carried on, the cards updated; the answer says what the surface tells the
 * approver.
 */
export async function answerApprover(
  deps: DecideApprovalDeps,
  chosen: ApproverChoice,
): Promise<ApproverAnswer> {
  const { choice, reason, ...card } = chosen;
  if (choice === 'approve') return decideApproval(deps, { ...card, decision: 'approve' });
  if (choice === 'deny' && !reason) {
    const checked = await checkDecider(deps, { ...card, kind: 'call', decision: 'deny' });
    return 'outcome' in checked
      ? checked
      : { outcome: 'reason_needed', approval: checked.approval };
  }
  if (choice === 'deny') return decideApproval(deps, { ...card, decision: 'deny', reason });
  return decideOutcome(deps, { ...card, choice });
}
