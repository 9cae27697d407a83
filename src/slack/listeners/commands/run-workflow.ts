import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { RunStatus } from '../../../runs/run';
import { type PreparedRun, prepareRun, startRun } from '../../../runs/start-run';
import { escapeMrkdwn, fitText } from '../../blocks/mrkdwn';
import type { CommandDeps } from './deps';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** Why a run did not start; every word the user typed is escaped before it is echoed. */
function refusal(prepared: Exclude<PreparedRun, { ok: true }>): string {
  const workflow = escapeMrkdwn(prepared.workflow.slice(0, 80));
  if (prepared.reason === 'unknown_workflow') {
    return `There is no workflow "${workflow}" that you can run here. Try \`/countersign list\`.`;
  }
  const problems = prepared.problems.map((problem) => `• ${escapeMrkdwn(problem)}`).join('\n');
  return fitText(`Cannot start *${workflow}*:\n${problems}\nUsage: \`${prepared.usage}\``, 3000);
}

/** `/countersign run <workflow> [name=value …]`: checks in memory, acks, then records and queues. */
export async function runWorkflow(deps: CommandDeps, args: Args, words: string[]): Promise<void> {
  const { command, ack, respond } = args;
  const [workflow, ...inputWords] = words;
  if (workflow === undefined) {
    await ack({
      response_type: 'ephemeral',
      text: 'Which workflow? Usage: `/countersign run <workflow> [name=value …]`',
    });
    return;
  }
  const prepared = prepareRun(deps.catalog(), {
    workflow,
    words: inputWords,
    requester: { userId: command.user_id, teamId: command.team_id, channelId: command.channel_id },
    requestKey: command.trigger_id,
    responseUrl: command.response_url,
  });
  if (!prepared.ok) {
    await ack({ response_type: 'ephemeral', text: refusal(prepared) });
    return;
  }
  await ack();

  const log = deps.log.child({ runId: prepared.run.id, workflow: prepared.run.workflow });
  try {
    const { run, created } = await startRun(deps, prepared.run);
    if (created) deps.metrics.runsStarted.inc({ workflow: run.workflow });
    else log.info({ storedRunId: run.id }, 'repeated delivery of a run request; no second run');
  } catch (error) {
    log.error({ err: error }, 'could not start run');
    // Recorded but not queued: mark it failed, so it does not sit in `queued` forever.
    const stored = await deps.runs
      .transition(prepared.run.id, [RunStatus.Queued], RunStatus.Failed, deps.clock(), {
        error: `could not be queued: ${(error as Error).message}`,
      })
      .catch(() => null);
    await respond({
      response_type: 'ephemeral',
      text: `Countersign could not start *${prepared.run.workflow}*${stored ? ` (run \`${stored.id}\` is recorded as failed)` : ''}: its database or queue is unavailable. Nothing ran; please try again shortly.`,
    });
  }
}
