import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { runListMessage } from '../../blocks/run-list';
import { answerAfterAck } from './answer-after-ack';
import type { CommandDeps } from './deps';
import { RUNS_USAGE } from './usage';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const RECENT_RUNS = 15;

/** `/countersign runs [all]`: the user's recent runs; `all`, for admins only, everyone's. */
export async function listRuns(deps: CommandDeps, args: Args, words: string[]): Promise<void> {
  const { command, ack } = args;
  const [scope, ...extra] = words;
  if (extra.length > 0 || (scope !== undefined && scope !== 'all')) {
    await ack({ response_type: 'ephemeral', text: `Usage: \`${RUNS_USAGE}\`` });
    return;
  }
  const everyone = scope === 'all';
  if (everyone && !deps.admins.has(command.user_id)) {
    await ack({
      response_type: 'ephemeral',
      text: "Only Countersign admins can list everyone's runs; `/countersign runs` lists yours.",
    });
    return;
  }
  await answerAfterAck(deps, args, 'runs', async () => {
    const runs = await deps.runs.recent({
      ...(everyone ? {} : { requesterId: command.user_id }),
      limit: RECENT_RUNS,
    });
    return runListMessage({ runs, everyone });
  });
}
