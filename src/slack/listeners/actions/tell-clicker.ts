import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * Tells the clicker something only they see: an ephemeral reply in the card's channel, or a
 * direct message when the click came from App Home (which has no response_url).
 */
export async function tellClicker(args: ButtonArgs, text: string): Promise<void> {
  if (args.body.response_url) {
    await args.respond({ response_type: 'ephemeral', replace_original: false, text });
    return;
  }
  await args.client.chat.postMessage({ channel: args.body.user.id, text });
}

/** The value of the clicked button ('' when there is none). */
export function buttonValue(args: ButtonArgs): string {
  const action = args.action as { value?: string };
  return action.value ?? '';
}

/** Whether the click came from the clicker's App Home rather than a card in a channel. */
export function clickedInHome(args: ButtonArgs): boolean {
  return args.body.view?.type === 'home';
}
