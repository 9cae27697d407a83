import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { grantBlocks, pendingCallBlocks } from '../../blocks/gateway-lists';
import { note, section } from '../../blocks/sections';
import { pendingCallsOf, revocableGrants } from '../../publish-app-home';
import { answerAfterAck } from './answer-after-ack';
import type { CommandDeps } from './deps';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** Of a message's 50 blocks: the calls get a few sections, the grants one each. */
const CALL_SECTIONS = 4;
const STATUS_GRANTS = 10;

/**
 * `/countersign status` alone: what the user's agent sessions wait for (their pending gateway
 * calls, and where their cards are) and the grants in force they may revoke.
 */
export async function showOwnStatus(deps: CommandDeps, args: Args): Promise<void> {
  const userId = args.command.user_id;
  await answerAfterAck(deps, args, 'status', async () => {
    const [calls, grants] = await Promise.all([
      pendingCallsOf(deps, userId),
      revocableGrants(deps, userId),
    ]);
    return {
      text: `${calls.length} of your agents' calls waiting for a decision; ${grants.length} grants in force.`,
      blocks: [
        section('*Your agents’ calls waiting for a decision*, newest first:'),
        ...pendingCallBlocks(calls, CALL_SECTIONS),
        section('*Grants in force* you may revoke:'),
        ...grantBlocks(grants, userId, STATUS_GRANTS),
        note(
          '`/countersign status &lt;run&gt;` shows the timeline of one run; App Home shows these too.',
        ),
      ],
    };
  });
}
