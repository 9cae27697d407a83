import { approvalArgumentsModal } from '../../blocks/approval-card';
import { parseApprovalValue } from '../../blocks/approval-value';
import type { CommandDeps } from '../commands/deps';
import { type ButtonArgs, buttonValue, tellClicker } from './tell-clicker';

/** Show all: the call's full (scrubbed) arguments in a modal, for a card that had to cut them. */
export async function showCallArguments(deps: CommandDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const value = parseApprovalValue(buttonValue(args));
  const approval = value ? await deps.decisions.approvals.get(value.approvalId) : null;
  if (approval === null || approval.binding !== value?.binding) {
    await tellClicker(args, 'This card names no approval that exists.');
    return;
  }
  await args.client.views.open({
    trigger_id: args.body.trigger_id,
    view: approvalArgumentsModal(approval),
  });
}
