import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { decideApproval } from '../../../approvals/decide-approval';
import { DENY_REASON_VIEW, parseApprovalValue } from '../../blocks/approval-value';
import { republishAppHome } from '../../publish-app-home';
import { decisionAnswer } from '../actions/decision-answer';
import type { CommandDeps } from '../commands/deps';

type Args = SlackViewMiddlewareArgs & AllMiddlewareArgs;

/**
 * The deny modal's submission: the denial, with its reason, recorded and given to the model. When
 * it does not count (decided meanwhile, not allowed…) the modal stays open and says why.
 */
export async function submitDenyReason(deps: CommandDeps, args: Args): Promise<void> {
  const { view, body, ack } = args;
  const value = parseApprovalValue(view.private_metadata ?? '');
  const reason =
    view.state.values[DENY_REASON_VIEW.blockId]?.[DENY_REASON_VIEW.actionId]?.value?.trim();
  const fail = (text: string) =>
    ack({ response_action: 'errors', errors: { [DENY_REASON_VIEW.blockId]: text } });
  if (value === undefined) return void (await fail('This form does not name an approval.'));
  if (!reason) return void (await fail('Say why, so the requester (and the agent) know.'));
  const result = await decideApproval(deps.decisions, {
    ...value,
    userId: body.user.id,
    decision: 'deny',
    reason,
  });
  if (result.outcome === 'recorded') {
    await ack();
  } else {
    await fail(decisionAnswer(result) ?? 'Nothing was decided.');
  }
  if (view.callback_id === DENY_REASON_VIEW.homeCallbackId) {
    await republishAppHome(deps, args.client, body.user.id);
  }
}
