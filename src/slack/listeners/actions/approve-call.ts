import { answerApprover } from '../../../approvals/answer-approver';
import { parseApprovalValue } from '../../blocks/approval-value';
import { republishAppHome } from '../../publish-app-home';
import type { CommandDeps } from '../commands/deps';
import { decisionAnswer } from './decision-answer';
import { type ButtonArgs, buttonValue, clickedInHome, tellClicker } from './tell-clicker';

/** Approve: one approval toward the quorum, or the one that lets the call run. */
export async function approveCall(deps: CommandDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const value = parseApprovalValue(buttonValue(args));
  if (value === undefined) {
    deps.log.warn({ user: args.body.user.id }, 'approve: malformed button value');
    await tellClicker(args, 'This button does not name an approval; nothing was decided.');
    return;
  }
  const result = await answerApprover(deps.decisions, {
    ...value,
    userId: args.body.user.id,
    choice: 'approve',
  });
  const answer = decisionAnswer(result);
  if (answer !== undefined) await tellClicker(args, answer);
  if (clickedInHome(args)) await republishAppHome(deps, args.client, args.body.user.id);
}
