import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { NewRun } from '../../../runs/run';
import {
  EnqueueFailedError,
  type PreparedRun,
  prepareRun,
  startRun,
} from '../../../runs/start-run';
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
  const { command, ack } = args;
  const options = words.filter((word) => word.startsWith('--'));
  const unknown = options.find((option) => option !== '--dry-run');
  if (unknown !== undefined) {
    await ack({
      response_type: 'ephemeral',
      text: `Unknown option \`${escapeMrkdwn(unknown.slice(0, 40).replace(/`/g, ''))}\`. Usage: \`/countersign run <workflow> [name=value …] [--dry-run]\``,
    });
    return;
  }
  const [workflow, ...inputWords] = words.filter((word) => !word.startsWith('--'));
  if (workflow === undefined) {
    await ack({
      response_type: 'ephemeral',
      text: 'Which workflow? Usage: `/countersign run <workflow> [name=value …] [--dry-run]`',
    });
    return;
  }
  const prepared = prepareRun(deps.catalog(), {
    workflow,
    words: inputWords,
    requester: { userId: command.user_id, teamId: command.team_id, channelId: command.channel_id },
    requestKey: command.trigger_id,
    responseUrl: command.response_url,
    dryRun: options.includes('--dry-run'),
  });
  if (!prepared.ok) {
    await ack({ response_type: 'ephemeral', text: refusal(prepared) });
    return;
  }
  await ack();

  deps.track(record(deps, args, prepared.run));
}

async function record(deps: CommandDeps, { respond }: Args, newRun: NewRun): Promise<void> {
  const log = deps.log.child({ runId: newRun.id, workflow: newRun.workflow });
  try {
    const { run, created } = await startRun(deps, newRun);
    if (created) deps.metrics.runsStarted.inc({ workflow: run.workflow });
    else log.info({ storedRunId: run.id }, 'repeated delivery of a run request; no second run');
  } catch (error) {
    log.error({ err: error }, 'could not start run');
    const recorded =
      error instanceof EnqueueFailedError ? ` (run \`${error.run.id}\` is recorded as failed)` : '';
    await respond({
      response_type: 'ephemeral',
      text: `Countersign could not start *${newRun.workflow}*${recorded}: its database or queue is unavailable. Nothing ran; please try again shortly.`,
    }).catch((respondError) => log.warn({ err: respondError }, 'could not tell the requester'));
  }
}
