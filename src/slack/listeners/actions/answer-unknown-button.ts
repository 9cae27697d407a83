import type { CommandDeps } from '../commands/deps';
import { type ButtonArgs, tellClicker } from './tell-clicker';

/** Every action_id a listener handles, except the ones given: a pattern for the rest. */
export function otherActionIds(handled: readonly string[]): RegExp {
  const escaped = handled.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(?!(?:${escaped.join('|')})$)`);
}

/**
 * A button no listener handles (an old card's, or one a newer version added): acked at once, and
 * the clicker told, instead of left to Bolt's 3 s timeout that Slack shows as an error.
 */
export async function answerUnknownButton(deps: CommandDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const actionId = String((args.action as { action_id?: string }).action_id ?? '').slice(0, 100);
  deps.log.info({ actionId, user: args.body.user.id }, 'click on a button no listener handles');
  await tellClicker(args, 'This button is no longer valid, so nothing was done.');
}
