import type { Harness } from './countersign-harness';
import { SIGNING_SECRET } from './countersign-harness';
import { eventually } from './eventually';
import type { SlackCall } from './fake-slack-api';
import { newTriggerId, type SlackResponse, sendInteraction } from './slack-request';

let clicks = 0;

/** An approval card as posted, with the value its buttons carry. */
export interface PostedCard {
  channel: string;
  ts: string;
  value: string;
  call: SlackCall;
}

/** The buttons' action ids in a message's blocks (actions blocks and section accessories). */
export function buttonsIn(blocks: unknown): string[] {
  const ids: string[] = [];
  for (const block of (blocks ?? []) as {
    type: string;
    elements?: { action_id?: string }[];
    accessory?: { action_id?: string };
  }[]) {
    if (block.accessory?.action_id) ids.push(block.accessory.action_id);
    if (block.type !== 'actions') continue;
    for (const element of block.elements ?? []) if (element.action_id) ids.push(element.action_id);
  }
  return ids;
}

function approveValueIn(blocks: unknown): string | undefined {
  for (const block of (blocks ?? []) as {
    type: string;
    elements?: { action_id?: string; value?: string }[];
  }[]) {
    for (const element of block.elements ?? []) {
      if (element.action_id === 'approval_approve' || element.action_id === 'outcome_retry') {
        return element.value;
      }
    }
  }
  return undefined;
}

/** Waits for the approval card of `runId` to be posted. */
export async function cardOf(h: Harness, runId: string, timeoutMs = 15_000): Promise<PostedCard> {
  const call = await h.slack.waitForCall(
    'chat.postMessage',
    (candidate) =>
      JSON.stringify(candidate.args.blocks ?? '').includes(runId) &&
      approveValueIn(candidate.args.blocks) !== undefined,
    timeoutMs,
  );
  const body = call.response.body as { ts: string; channel: string };
  return {
    channel: body.channel,
    ts: body.ts,
    value: approveValueIn(call.args.blocks) as string,
    call,
  };
}

/** The card as it stands now in the fake Slack (after any chat.update). */
export function cardNow(h: Harness, card: Pick<PostedCard, 'channel' | 'ts'>) {
  const message = h.slack.message(card.channel, card.ts);
  return { text: JSON.stringify(message?.blocks ?? []), buttons: buttonsIn(message?.blocks) };
}

/** A correctly signed click on a card's button, as Slack sends it; with its private answers. */
export async function click(
  h: Harness,
  card: Pick<PostedCard, 'channel' | 'ts'>,
  actionId: string,
  value: string,
  userId: string,
): Promise<{ response: SlackResponse; answers: () => string[]; triggerId: string }> {
  clicks += 1;
  const responseId = `click-${clicks}`;
  const triggerId = newTriggerId();
  const response = await sendInteraction(`${h.baseUrl}/slack/events`, SIGNING_SECRET, {
    type: 'block_actions',
    user: {
      id: userId,
      username: userId.toLowerCase(),
      name: userId.toLowerCase(),
      team_id: 'T0TEST',
    },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: card.ts,
      channel_id: card.channel,
      is_ephemeral: false,
    },
    trigger_id: triggerId,
    team: { id: 'T0TEST', domain: 'test' },
    channel: { id: card.channel, name: 'approvals' },
    message: { type: 'message', ts: card.ts, text: 'card' },
    response_url: h.slack.responseUrl(responseId),
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'approval_actions',
        value,
        action_ts: String(Date.now() / 1000),
        text: { type: 'plain_text', text: actionId },
      },
    ],
  });
  const answers = () =>
    h.slack
      .callsTo('response_url')
      .filter((call) => call.path?.endsWith(`/${responseId}`))
      .map((call) => String(call.args.text ?? ''));
  return { response, answers, triggerId };
}

/** Waits for the private answer to a click. */
export function answerTo(clicked: { answers: () => string[] }): Promise<string> {
  return eventually('the private answer', async () => clicked.answers()[0]);
}

/** Submits the deny modal that a Deny click opened (found by its trigger), with `reason`. */
export async function submitDenyReason(
  h: Harness,
  triggerId: string,
  userId: string,
  reason: string,
): Promise<SlackResponse> {
  const opened = await h.slack.waitForCall(
    'views.open',
    (call) => call.args.trigger_id === triggerId,
  );
  const view = (
    typeof opened.args.view === 'string' ? JSON.parse(opened.args.view) : opened.args.view
  ) as { callback_id: string; private_metadata: string };
  return sendInteraction(`${h.baseUrl}/slack/events`, SIGNING_SECRET, {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'test' },
    user: {
      id: userId,
      username: userId.toLowerCase(),
      name: userId.toLowerCase(),
      team_id: 'T0TEST',
    },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: newTriggerId(),
    view: {
      id: 'V0DENY',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: { values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } } },
      hash: '1.abc',
      title: { type: 'plain_text', text: 'Deny' },
      blocks: [],
    },
  });
}

/** An approver's Approve click on the card of `runId`, once the card is posted. */
export async function approveRun(h: Harness, runId: string, approver: string): Promise<void> {
  const card = await cardOf(h, runId, 30_000);
  const clicked = await click(h, card, 'approval_approve', card.value, approver);
  if (clicked.response.status !== 200) throw new Error(`click answered ${clicked.response.status}`);
}

/** The outcome-unknown card of `runId` (Retry / Mark as done / Abort run), once posted. */
export async function outcomeCardOf(
  h: Harness,
  runId: string,
): Promise<PostedCard & { buttons: string[] }> {
  const call = await h.slack.waitForCall(
    'chat.postMessage',
    (candidate) =>
      JSON.stringify(candidate.args.blocks ?? '').includes(runId) &&
      buttonsIn(candidate.args.blocks).includes('outcome_retry'),
    30_000,
  );
  const body = call.response.body as { ts: string; channel: string };
  return {
    channel: body.channel,
    ts: body.ts,
    value: approveValueIn(call.args.blocks) as string,
    call,
    buttons: buttonsIn(call.args.blocks),
  };
}
