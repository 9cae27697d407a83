import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { refusedRunEvent } from '../../../runs/refused-run-event';
import type { NewRun } from '../../../runs/run';
import {
  EnqueueFailedError,
  prepareRun,
  type RunRefusal,
  type RunRequest,
  startRun,
} from '../../../runs/start-run';
import { escapeMrkdwn, fitText } from '../../blocks/mrkdwn';
import type { CommandDeps } from './deps';
import { RUN_USAGE } from './usage';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** Why a run did not start; every word the user typed is escaped before it is echoed. */
export function runRefusalText(refused: RunRefusal): string {
  const workflow = escapeMrkdwn(refused.workflow.slice(0, 80));
  switch (refused.reason) {
    case 'unknown_workflow':
    case 'not_allowed':
      return `There is no workflow "${workflow}" that you can run here. Try \`/countersign list\`.`;
    case 'access_unresolved':
      return `Countersign could not check your access to "${workflow}" right now (Slack did not say which user groups you are in). Nothing ran; please try again in a moment.`;
    case 'gateway_workflow':
      return `*${workflow}* is not run from Slack: it is the policy Claude Code sessions are held to, used through a personal token. Get yours with \`/countersign token ${workflow}\`.`;
    case 'bad_inputs': {
      const problems = refused.problems.map((problem) => `• ${escapeMrkdwn(problem)}`).join('\n');
      return fitText(
        `Cannot start *${workflow}*:\n${problems}\nUsage: \`${escapeMrkdwn(refused.usage)}\``,
        3000,
      );
    }
  }
}

/** `/countersign run <workflow> [name=value …]`: checks access and inputs, acks, records, queues. */
export async function runWorkflow(deps: CommandDeps, args: Args, words: string[]): Promise<void> {
  const { command, ack } = args;
  const options = words.filter((word) => word.startsWith('--'));
  const unknown = options.find((option) => option !== '--dry-run');
  if (unknown !== undefined) {
    await ack({
      response_type: 'ephemeral',
      text: `Unknown option \`${escapeMrkdwn(unknown.slice(0, 40).replace(/`/g, ''))}\`. Usage: \`${RUN_USAGE}\``,
    });
    return;
  }
  const [workflow, ...inputWords] = words.filter((word) => !word.startsWith('--'));
  if (workflow === undefined) {
    await ack({
      response_type: 'ephemeral',
      text: `Which workflow? Usage: \`${RUN_USAGE}\``,
    });
    return;
  }
  const request: RunRequest = {
    workflow,
    words: inputWords,
    requester: { userId: command.user_id, teamId: command.team_id, channelId: command.channel_id },
    requestKey: command.trigger_id,
    responseUrl: command.response_url,
    dryRun: options.includes('--dry-run'),
  };
  const prepared = await prepareRun(deps.catalog(), request, deps.groups);
  if (!prepared.ok) {
    await ack({ response_type: 'ephemeral', text: runRefusalText(prepared) });
    deps.track(auditRefusal(deps, request, prepared));
    return;
  }
  await ack();

  deps.track(record(deps, args, prepared.run));
}

/** Logs the refusal and records it in the audit log; a failure to record is logged, never thrown. */
async function auditRefusal(
  deps: CommandDeps,
  request: RunRequest,
  refused: RunRefusal,
): Promise<void> {
  const log = deps.log.child({ workflow: refused.workflow.slice(0, 80), reason: refused.reason });
  if (refused.reason === 'access_unresolved') {
    log.warn(
      { user: request.requester.userId, error: refused.error },
      'run refused: user groups could not be looked up',
    );
  }
  const event = refusedRunEvent(refused, request, deps.clock());
  if (event === undefined) return;
  try {
    await deps.audit.record(event);
  } catch (error) {
    log.error({ err: error, event }, 'could not record a refused run in the audit log');
  }
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
