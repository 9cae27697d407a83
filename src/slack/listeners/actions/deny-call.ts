import { answerApprover } from '../../../approvals/answer-approver';
import { denyReasonModal } from '../../blocks/approval-card';
import { parseApprovalValue } from '../../blocks/approval-value';
import { republishAppHome } from '../../publish-app-home';
import type { CommandDeps } from '../commands/deps';
import { decisionAnswer } from './decision-answer';
import { type ButtonArgs, buttonValue, clickedInHome, tellClicker } from './tell-clicker';

/** Deny: asks for the reason in a modal, if the clicker may decide; the submission decides. */
export async function denyCall(deps: CommandDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const value = parseApprovalValue(buttonValue(args));
  if (value === undefined) {
    await tellClicker(args, 'This button does not name an approval; nothing was decided.');
    return;
  }
  // No reason yet: the answer is whether they may deny, and the modal asks them why.
  const checked = await answerApprover(deps.decisions, {
    ...value,
    userId: args.body.user.id,
    choice: 'deny',
  });
  if (checked.outcome !== 'reason_needed') {
    await tellClicker(args, decisionAnswer(checked) ?? 'Nothing was decided.');
    // Decided meanwhile, or not theirs to decide after all: Home shows it no more.
    if (clickedInHome(args)) await republishAppHome(deps, args.client, args.body.user.id);
    return;
  }
  await args.client.views.open({
    trigger_id: args.body.trigger_id,
    view: denyReasonModal(checked.approval, { fromHome: clickedInHome(args) }),
  });
}
