import type { ApproverAnswer } from '../../../approvals/answer-approver';
import type { ApprovalRecord } from '../../../approvals/approval';
import { slackDate, userMention } from '../../blocks/mrkdwn';

function decidedBy(approval: ApprovalRecord): string {
  const who =
    approval.decidedBy && approval.decidedBy !== 'countersign'
      ? ` by ${userMention(approval.decidedBy)}`
      : '';
  const when = approval.decidedAt ? ` at ${slackDate(approval.decidedAt)}` : '';
  return `${who}${when}`;
}

/** A click on an approval that was decided already, or that this user approved already. */
function alreadyAnswer(approval: ApprovalRecord): string {
  if (approval.kind === 'outcome_unknown' && approval.status !== 'pending') {
    return approval.status === 'expired'
      ? 'This decision expired with nobody deciding; the run still needs attention.'
      : `Already decided${decidedBy(approval)}: ${approval.decisionNote ?? approval.status}.`;
  }
  switch (approval.status) {
    case 'approved':
      return `Already approved${decidedBy(approval)}.`;
    case 'denied':
      return `Already denied${decidedBy(approval)}: ${approval.decisionNote ?? ''}`;
    case 'expired':
      return `This approval expired${approval.decidedAt ? ` at ${slackDate(approval.decidedAt)}` : ''} with no decision.`;
    case 'cancelled':
      if (approval.session !== undefined) {
        return `The client withdrew this call${approval.decidedAt ? ` at ${slackDate(approval.decidedAt)}` : ''}; nothing is waiting for a decision.`;
      }
      return approval.decidedBy === 'countersign' && approval.decisionNote
        ? `Nothing is waiting for a decision: ${approval.decisionNote}.`
        : `The run was cancelled${decidedBy(approval)}; nothing is waiting for a decision.`;
    default:
      return `You already approved this: ${approval.approvals.length} of ${approval.required} approvals are in.`;
  }
}

/**
 * What the clicker is told privately when their click did not simply count, or undefined when
 * the card's update says it all.
 */
export function decisionAnswer(result: ApproverAnswer): string | undefined {
  switch (result.outcome) {
    case 'reason_needed':
      return 'Say why you deny this, so the requester (and the agent) know; nothing was decided.';
    case 'unknown':
      return 'This approval no longer exists, so nothing was decided.';
    case 'mismatch':
      return 'This card does not match the call waiting for approval (the call or the manifest changed), so nothing was decided and nothing ran.';
    case 'wrong_kind':
      return result.approval.kind === 'outcome_unknown'
        ? 'This asks what to do about a call that was interrupted, not for an approval: choose *Retry*, *Mark as done* or *Abort run* on its card. Nothing was decided.'
        : 'This card asks for an approval of a call: *Approve* or *Deny* it. Retry, Mark as done and Abort run are for a call that was interrupted; nothing was decided.';
    case 'not_waiting':
      return result.status === 'queued' || result.status === 'running'
        ? 'The run is still ending its interrupted attempt; nothing was decided. Try again in a moment.'
        : `The run is not waiting for this decision (it is ${result.status ?? 'not recorded'}); nothing was decided.`;
    case 'not_allowed':
      return result.why === 'own_run'
        ? result.approval.session === undefined
          ? 'You started this run, so you may not approve its calls.'
          : 'Your own agent session asked for this call, so you may not approve it.'
        : result.why === 'unresolved'
          ? 'Slack could not say just now whether you are in an approver group; nothing was decided. Try again in a minute.'
          : 'You are not one of the approvers of this call; nothing was decided.';
    case 'already':
      return alreadyAnswer(result.approval);
    case 'recorded': {
      const { approval } = result;
      if (approval.status !== 'pending') return undefined;
      return `Your approval is in: ${approval.approvals.length} of ${approval.required}. It runs once the rest approve.`;
    }
  }
}
