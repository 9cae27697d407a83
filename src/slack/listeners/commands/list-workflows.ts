import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { mayStartWorkflow } from '../../../policy/may-start-workflow';
import { usageLine } from '../../../workflows/bind-inputs';
import { escapeMrkdwn, fitText } from '../../blocks/mrkdwn';
import type { CommandDeps } from './deps';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** `/countersign list`: the workflows this user may start from this channel. */
export async function listWorkflows(deps: CommandDeps, { command, ack }: Args): Promise<void> {
  const requester = { userId: command.user_id, channelId: command.channel_id };
  const loaded = [...deps.catalog().workflows.values()];
  // Every check shares the same bounded group lookups, so the answer still comes in time.
  const decisions = await Promise.all(
    loaded.map(({ manifest }) => mayStartWorkflow(manifest, requester, deps.groups)),
  );
  const lines = loaded
    .filter((_, index) => decisions[index]?.allowed)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))
    .map(({ manifest }) => {
      const about = manifest.description ? ` — ${escapeMrkdwn(manifest.description.trim())}` : '';
      return `• *${manifest.name}*${about}\n    \`${usageLine(manifest)}\``;
    });
  const text = lines.length
    ? `Workflows you can run here:\n${lines.join('\n')}`
    : 'There are no workflows you can run here.';
  await ack({ response_type: 'ephemeral', text: fitText(text, 3000) });
}
