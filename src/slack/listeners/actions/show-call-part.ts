import { approvalArgumentsModal } from '../../blocks/approval-card';
import { parsePageValue } from '../../blocks/approval-value';
import type { CommandDeps } from '../commands/deps';
import { type ButtonArgs, buttonValue, tellClicker } from './tell-clicker';

/** The previous or next part of a call too long for one view, in the modal "Show all" opened. */
export async function showCallPart(deps: CommandDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const value = parsePageValue(buttonValue(args));
  const approval = value ? await deps.decisions.approvals.get(value.approvalId) : null;
  const viewId = args.body.view?.id;
  if (approval === null || approval.binding !== value?.binding || viewId === undefined) {
    await tellClicker(args, 'This names no approval that exists.');
    return;
  }
  await args.client.views.update({
    view_id: viewId,
    view: approvalArgumentsModal(approval, value.page),
  });
}
