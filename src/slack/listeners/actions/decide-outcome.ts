import { answerApprover } from '../../../approvals/answer-approver';
import type { OutcomeChoice } from '../../../approvals/ports';
import { parseApprovalValue } from '../../blocks/approval-value';
import { republishAppHome } from '../../publish-app-home';
import type { CommandDeps } from '../commands/deps';
import { decisionAnswer } from './decision-answer';
import { type ButtonArgs, buttonValue, clickedInHome, tellClicker } from './tell-clicker';

/** Retry / Mark as done / Abort run, on the card (or App Home) of a call whose outcome is unknown. */
export async function decideCallOutcome(
  deps: CommandDeps,
  args: ButtonArgs,
  choice: OutcomeChoice,
): Promise<void> {
  await args.ack();
  const value = parseApprovalValue(buttonValue(args));
  if (value === undefined) {
    await tellClicker(args, 'This button does not name a decision to make; nothing was decided.');
    return;
  }
  const result = await answerApprover(deps.decisions, {
    ...value,
    userId: args.body.user.id,
    choice,
  });
  const answer = decisionAnswer(result);
  if (answer !== undefined) await tellClicker(args, answer);
  if (clickedInHome(args)) await republishAppHome(deps, args.client, args.body.user.id);
}
