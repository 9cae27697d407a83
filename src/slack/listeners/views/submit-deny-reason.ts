import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { type ApproverAnswer, answerApprover } from '../../../approvals/answer-approver';
import { within } from '../../../shared/within';
import { DENY_REASON_VIEW, parseApprovalValue } from '../../blocks/approval-value';
import { republishAppHome } from '../../publish-app-home';
import { decisionAnswer } from '../actions/decision-answer';
import type { CommandDeps } from '../commands/deps';

type Args = SlackViewMiddlewareArgs & AllMiddlewareArgs;

/**
 * Slack gives a submission 3 s for its answer; a decision still going after this (Slack or the
 * database slow) closes the modal instead, and the denier is told later if it did not count.
 */
const ANSWER_IN_MODAL_MS = 2_000;

const UNCONFIRMED =
  'Countersign could not confirm this denial (its database or queue did not answer). Submit it again: a denial already recorded is not recorded twice.';

type Settled = { result: ApproverAnswer } | { error: unknown };

/** What the denier is told when the denial did not simply count, or undefined when it did. */
function answerFor(deps: CommandDeps, settled: Settled): string | undefined {
  if ('error' in settled) {
    deps.log.error({ err: settled.error }, 'could not record a denial');
    return UNCONFIRMED;
  }
  if (settled.result.outcome === 'recorded') return undefined;
  return decisionAnswer(settled.result) ?? 'Nothing was decided.';
}

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
  const deciding: Promise<Settled> = answerApprover(deps.decisions, {
    ...value,
    userId: body.user.id,
    choice: 'deny',
    reason,
  }).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  const settled = await within(ANSWER_IN_MODAL_MS, deciding);
  if (settled === undefined) {
    await ack();
    deps.track(deciding.then((late) => afterClosing(deps, args, late)));
    return;
  }
  const answer = answerFor(deps, settled);
  await (answer === undefined ? ack() : fail(answer));
  if (view.callback_id === DENY_REASON_VIEW.homeCallbackId) {
    await republishAppHome(deps, args.client, body.user.id);
  }
}

/** The modal closed before the decision settled: a denial that did not count is told by DM. */
async function afterClosing(deps: CommandDeps, args: Args, settled: Settled): Promise<void> {
  const userId = args.body.user.id;
  const answer = answerFor(deps, settled);
  if (answer !== undefined) {
    await args.client.chat
      .postMessage({ channel: userId, text: answer })
      .catch((error) => deps.log.warn({ err: error, user: userId }, 'could not tell the denier'));
  }
  if (args.view.callback_id === DENY_REASON_VIEW.homeCallbackId) {
    await republishAppHome(deps, args.client, userId);
  }
}
