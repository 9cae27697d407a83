import { answerApprover } from '../../../approvals/answer-approver';
import { ApprovalStatus } from '../../../approvals/approval';
import { showOnCards } from '../../../approvals/approval-cards';
import { grantFromApproval, offersGrant } from '../../../gateway/grants';
import { parseGrantValue } from '../../blocks/approval-value';
import { clipLine, escapeMrkdwn, inlineCode, slackDate } from '../../blocks/mrkdwn';
import { republishAppHome } from '../../publish-app-home';
import type { CommandDeps } from '../commands/deps';
import { decisionAnswer } from './decision-answer';
import { type ButtonArgs, buttonValue, clickedInHome, tellClicker } from './tell-clicker';

const NO_GRANT = 'No grant was given: a grant is given only by the approval that decides.';

/**
 * "Approve for this session, N min": an approval like Approve's; if it decided, the grant too.
 * The length is the clicker's to forge, so it is checked against what the workflow allows.
 */
export async function approveForSession(deps: CommandDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const userId = args.body.user.id;
  const value = parseGrantValue(buttonValue(args));
  if (value === undefined) {
    await tellClicker(args, 'This button does not name an approval; nothing was decided.');
    return;
  }
  const { durationMs, ...card } = value;
  const approval = await deps.decisions.approvals.get(card.approvalId);
  if (approval?.binding === card.binding && !offersGrant(approval, durationMs)) {
    await deps.audit.record({
      type: 'grant.refused',
      at: deps.clock(),
      actor: userId,
      workflow: approval.workflow,
      details: { approvalId: approval.id, action: 'create', why: 'not_offered', durationMs },
    });
    await tellClicker(args, 'This card offers no grant of that length; nothing was decided.');
    return;
  }
  const result = await answerApprover(deps.decisions, { ...card, userId, choice: 'approve' });
  await tellClicker(args, await grantAnswer(deps, result, userId, durationMs));
  if (clickedInHome(args)) await republishAppHome(deps, args.client, userId);
}

async function grantAnswer(
  deps: CommandDeps,
  result: Awaited<ReturnType<typeof answerApprover>>,
  userId: string,
  durationMs: number,
): Promise<string> {
  if (result.outcome !== 'recorded')
    return `${decisionAnswer(result) ?? 'Nothing was decided.'} ${NO_GRANT}`;
  const { approval } = result;
  if (approval.status !== ApprovalStatus.Approved) {
    return `Your approval is in: ${approval.approvals.length} of ${approval.required}. ${NO_GRANT}`;
  }
  const granted = await grantFromApproval(
    { ...deps.gateway, audit: deps.audit, clock: deps.clock },
    approval,
    userId,
    durationMs,
  ).catch((error: unknown) => {
    deps.log.error({ err: error, approvalId: approval.id }, 'approved, but the grant failed');
    return { outcome: 'failed' as const };
  });
  if (granted.outcome === 'failed') {
    return 'Approved, but the grant could not be recorded just now, so no grant is in force: later calls will be asked again.';
  }
  if (granted.outcome !== 'granted') {
    deps.log.warn({ approvalId: approval.id, outcome: granted.outcome }, 'approved, but no grant');
    return 'Approved, but the call this approval is about was not found, so no grant was given.';
  }
  await showOnCards(deps.decisions, approval);
  const { grant } = granted;
  const covers = grant.rule ? inlineCode(clipLine(grant.covers, 200)) : escapeMrkdwn(grant.covers);
  return `Approved, and granted ${covers} for this session until ${slackDate(grant.expiresAt)}. Revoke it from App Home.`;
}
