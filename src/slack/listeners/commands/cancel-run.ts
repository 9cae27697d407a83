import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { type CancelResult, cancelRun } from '../../../runs/cancel-run';
import { RunStatus } from '../../../runs/run';
import { escapeMrkdwn, userMention } from '../../blocks/mrkdwn';
import { answerAfterAck } from './answer-after-ack';
import type { CommandDeps } from './deps';
import { noSuchRun, runIdArgument } from './run-id-argument';
import { CANCEL_USAGE } from './usage';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const UNFINISHED =
  'Countersign could not complete the cancel right now (its database did not answer). Ask again: cancelling twice is safe, and the second request finishes what the first began.';

/**
 * `/countersign cancel <run>`: for its requester and the admins. Anyone else is told there is no
 * such run, as for `status`, and the attempt is audited.
 */
export async function cancelRunCommand(deps: CommandDeps, args: Args, words: string[]) {
  const { command, ack } = args;
  const parsed = runIdArgument(words, CANCEL_USAGE);
  if ('answer' in parsed) {
    await ack({ response_type: 'ephemeral', text: parsed.answer });
    return;
  }
  const { id } = parsed;
  const { approvals, surfaces, timers } = deps.decisions;
  const cancel = () =>
    cancelRun(
      { ...deps, approvals, surfaces, timers },
      {
        runId: id,
        userId: command.user_id,
        teamId: command.team_id,
        channelId: command.channel_id,
      },
    );
  await answerAfterAck(
    deps,
    args,
    'cancel',
    async () => ({ text: answer(id, await cancel()) }),
    UNFINISHED,
  );
}

function answer(id: string, result: CancelResult): string {
  if (result.outcome === 'unknown') return noSuchRun(id);
  const { run } = result;
  if (result.outcome === 'ended') return `Run \`${id}\` already ended: ${run.status}.`;
  const lines = [
    `Cancelled run \`${id}\` of *${escapeMrkdwn(run.workflow)}*. Nothing more of it runs.`,
  ];
  const closed = result.closed.length;
  if (closed > 0) {
    lines.push(
      closed === 1
        ? 'The approval it was waiting for is closed; its card says so.'
        : `The ${closed} approvals it was waiting for are closed; their cards say so.`,
    );
  }
  for (const approval of result.approvedFirst) {
    const by = approval.decidedBy ? ` by ${userMention(approval.decidedBy)}` : '';
    lines.push(
      `Call ${approval.step + 1} (\`${escapeMrkdwn(approval.tool)}\`) had been approved${by} just before; it does not start now.`,
    );
  }
  if (run.history.at(-2)?.status === RunStatus.Running) {
    lines.push(
      'A call that was already executing is not interrupted: it finishes and is recorded, and the run stops there.',
    );
  }
  return lines.join('\n');
}
