import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { mayViewRun } from '../../../policy/may-view-run';
import { isRunId } from '../../../runs/run-id';
import { clipLine, inlineCode } from '../../blocks/mrkdwn';
import { runTimelineMessage } from '../../blocks/run-timeline';
import { answerAfterAck } from './answer-after-ack';
import type { CommandDeps } from './deps';
import { STATUS_USAGE } from './usage';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/countersign status <run>`: the run's timeline, for its requester and the admins. Anyone
 * else is told there is no such run, as for an id that names none, so ids cannot be probed.
 */
export async function showRunStatus(deps: CommandDeps, args: Args, words: string[]): Promise<void> {
  const { command, ack } = args;
  const [given, ...extra] = words;
  if (given === undefined || extra.length > 0) {
    await ack({
      response_type: 'ephemeral',
      text: `${given === undefined ? 'Which run?' : 'One run at a time.'} Usage: \`${STATUS_USAGE}\``,
    });
    return;
  }
  // Copied from a message, the id may keep its code backticks; ids are lowercase.
  const id = given.replace(/^`+|`+$/g, '').toLowerCase();
  if (!isRunId(id)) {
    await ack({
      response_type: 'ephemeral',
      text: `${inlineCode(clipLine(given, 40))} is not a run id: they look like \`r-7kq2m9xd\` (the run's message in the channel names it; \`/countersign runs\` lists yours).`,
    });
    return;
  }
  const userId = command.user_id;
  await answerAfterAck(deps, args, 'status', async () => {
    const run = await deps.runs.get(id);
    if (run !== null && mayViewRun(run, userId, deps.admins)) return runTimelineMessage(run);
    if (run !== null) {
      deps.log.info({ runId: id, user: userId }, 'status: run hidden from a user');
      // An unauthorized look is audited; a failure to record it must not change the answer.
      await deps.audit
        .record({
          type: 'run.view_refused',
          at: deps.clock(),
          actor: userId,
          team: command.team_id,
          channel: command.channel_id,
          runId: id,
          workflow: run.workflow,
        })
        .catch((error) => deps.log.error({ err: error }, 'could not audit a refused status'));
    }
    return {
      text: `There is no run \`${id}\` that you can see. \`/countersign runs\` lists your recent runs.`,
    };
  });
}
