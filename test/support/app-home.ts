import { buttonsIn } from './approval-clicks';
import { validateView } from './block-kit-limits';
import { type Harness, SIGNING_SECRET } from './countersign-harness';
import { eventually } from './eventually';
import type { SlackCall } from './fake-slack-api';
import { newTriggerId, type SlackResponse, sendEvent, sendInteraction } from './slack-request';

/** A Home tab view as published: its blocks, and the approvals its Approve buttons name. */
export interface PublishedHome {
  view: Record<string, unknown> & { blocks: unknown[] };
  /** Everything in its blocks, as JSON text. */
  text: string;
  /** The values of its Approve buttons, in order. */
  approveValues: string[];
  buttons: string[];
}

export function homeFrom(view: Record<string, unknown>): PublishedHome {
  const blocks = (view.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[];
  const approveValues = blocks.flatMap((block) =>
    (block.elements ?? []).flatMap((element) =>
      element.action_id === 'approval_approve' && element.value ? [element.value] : [],
    ),
  );
  return {
    view: view as PublishedHome['view'],
    text: JSON.stringify(view.blocks),
    approveValues,
    buttons: buttonsIn(view.blocks),
  };
}

const publishesTo = (h: Harness, userId: string) =>
  h.slack.callsTo('views.publish').filter((call) => call.args.user_id === userId);

/** Waits for a views.publish to `userId` after the first `after` of them; checks Slack took it. */
export async function nextPublish(
  h: Harness,
  userId: string,
  after: number,
): Promise<PublishedHome> {
  const call = await eventually<SlackCall>(`a Home tab published to ${userId}`, async () =>
    publishesTo(h, userId).at(after),
  );
  expect(call.response.body).toMatchObject({ ok: true });
  expect(validateView(call.args.view)).toEqual([]);
  return homeFrom(call.args.view as Record<string, unknown>);
}

/** `userId` opens the app's Home tab: the signed `app_home_opened` event; then the view published. */
export async function openHome(h: Harness, userId: string): Promise<PublishedHome> {
  const before = publishesTo(h, userId).length;
  const response = await sendEvent(`${h.baseUrl}/slack/events`, SIGNING_SECRET, {
    type: 'app_home_opened',
    user: userId,
    channel: `D${userId}`,
    tab: 'home',
  });
  expect(response.status).toBe(200);
  return nextPublish(h, userId, before);
}

/** A click on a button of `userId`'s Home tab, as Slack sends it: no channel, no response_url. */
export async function clickInHome(
  h: Harness,
  userId: string,
  actionId: string,
  value: string,
): Promise<{ response: SlackResponse; triggerId: string; publishesBefore: number }> {
  const home = h.slack.homeView(userId);
  const viewId = String(home?.id ?? 'V0HOME');
  const triggerId = newTriggerId();
  const publishesBefore = publishesTo(h, userId).length;
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
    container: { type: 'view', view_id: viewId },
    trigger_id: triggerId,
    team: { id: 'T0TEST', domain: 'test' },
    view: { ...home, id: viewId, type: 'home' },
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'home_actions_0',
        value,
        action_ts: String(Date.now() / 1000),
        text: { type: 'plain_text', text: actionId },
      },
    ],
  });
  return { response, triggerId, publishesBefore };
}
