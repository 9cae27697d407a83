import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { mayViewRun } from '../../../policy/may-view-run';
import { runTimelineMessage } from '../../blocks/run-timeline';
import { answerAfterAck } from './answer-after-ack';
import type { CommandDeps } from './deps';
import { noSuchRun, runIdArgument } from './run-id-argument';
import { showOwnStatus } from './show-own-status';
import { STATUS_USAGE } from './usage';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/countersign status <run>`: the run's timeline, for its requester and the admins. Anyone
 * else is told there is no such run, as for an id that names none, so ids cannot be probed.
 * `status` alone: the user's agents' calls waiting, and their grants.
 */
export async function showRunStatus(deps: CommandDeps, args: Args, words: string[]): Promise<void> {
  if (words.length === 0) return showOwnStatus(deps, args);
  const { command, ack } = args;
  const parsed = runIdArgument(words, STATUS_USAGE);
  if ('answer' in parsed) {
    await ack({ response_type: 'ephemeral', text: parsed.answer });
    return;
  }
  const { id } = parsed;
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
    return { text: noSuchRun(id) };
  });
}
