import type { webApi } from '@slack/bolt';
import { approvalsWaitingFor } from '../approvals/waiting-for';
import { appHomeView, HOME_APPROVALS, HOME_RUNS } from './blocks/app-home';
import type { CommandDeps } from './listeners/commands/deps';

/**
 * Builds `userId`'s Home tab from the records as they stand (what waits for them, their runs) and
 * publishes it. Called when they open the tab, and after they decide from it.
 */
export async function publishAppHome(
  deps: Pick<CommandDeps, 'decisions' | 'runs' | 'clock'>,
  client: webApi.WebClient,
  userId: string,
): Promise<void> {
  const [waiting, runs] = await Promise.all([
    approvalsWaitingFor(deps.decisions, userId, HOME_APPROVALS),
    deps.runs.recent({ requesterId: userId, limit: HOME_RUNS }),
  ]);
  await client.views.publish({
    user_id: userId,
    view: appHomeView({
      waiting: waiting.approvals,
      moreWaiting: waiting.more,
      unresolved: waiting.unresolved,
      runs,
      at: deps.clock(),
    }),
  });
}

/** After a decision from Home: the decided item leaves it. A failure is logged; the decision stands. */
export async function republishAppHome(
  deps: Pick<CommandDeps, 'decisions' | 'runs' | 'clock' | 'log'>,
  client: webApi.WebClient,
  userId: string,
): Promise<void> {
  try {
    await publishAppHome(deps, client, userId);
  } catch (error) {
    deps.log.warn({ err: error, user: userId }, 'could not update the Home tab after a decision');
  }
}
