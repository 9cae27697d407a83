import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { publishAppHome } from '../../publish-app-home';
import type { CommandDeps } from '../commands/deps';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

/** The Home tab, built afresh each time it is opened (Bolt has acked the event already). */
export async function openAppHome(deps: CommandDeps, { event, client }: Args): Promise<void> {
  // The same event comes for the Messages tab, which has nothing to publish.
  if (event.tab !== 'home') return;
  await publishAppHome(deps, client, event.user);
}
