import type { types } from '@slack/bolt';
import { type RunRecord, RunStatus, type StepRecord, StepStatus } from '../../runs/run';
import { codeBlock, escapeMrkdwn, fitText } from './mrkdwn';

export interface SlackMessage {
  text: string;
  blocks: types.KnownBlock[];
}

export const STATUS_LABEL: Record<RunStatus, string> = {
  [RunStatus.Queued]: ':hourglass_flowing_sand: queued',
  [RunStatus.Running]: ':arrow_forward: running',
  [RunStatus.Succeeded]: ':white_check_mark: succeeded',
  [RunStatus.Failed]: ':x: failed',
  [RunStatus.NeedsAttention]: ':warning: needs attention',
};

function inputsLine(run: RunRecord): string {
  const pairs = Object.entries(run.inputs).map(([name, value]) => `${name}=${String(value)}`);
  return pairs.length > 0 ? `Inputs: ${escapeMrkdwn(pairs.join('  '))}` : 'No inputs';
}

/** The run's top message: posted when it starts, updated in place when it ends. */
export function runHeadline(run: RunRecord): SlackMessage {
  const status = run.status === RunStatus.Queued ? RunStatus.Running : run.status;
  const dry = run.dryRun ? 'Dry run of ' : '';
  const text = `${dry}${run.workflow} ${status} · run ${run.id} · requested by <@${run.requester.userId}>`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        block_id: 'run_headline',
        text: {
          type: 'mrkdwn',
          text: `${dry}*${run.workflow}* ${STATUS_LABEL[status]}${run.dryRun ? ' · calls above low risk are simulated, not run' : ''}\nRequested by <@${run.requester.userId}> · run \`${run.id}\``,
        },
      },
      {
        type: 'context',
        block_id: 'run_inputs',
        elements: [{ type: 'mrkdwn', text: fitText(inputsLine(run), 3000) }],
      },
    ],
  };
}

export function stepOutcomeMessage(run: RunRecord, step: StepRecord): SlackMessage {
  const total = run.manifest.steps?.length ?? 0;
  const ok = step.status !== StepStatus.Failed;
  const icon =
    { [StepStatus.Simulated]: ':fast_forward:', [StepStatus.Failed]: ':x:' }[
      step.status as string
    ] ?? ':white_check_mark:';
  const title = `${icon} Step ${step.index + 1}/${total} · \`${step.tool}\`${step.status === StepStatus.Simulated ? ' · simulated' : ''}`;
  const body = (ok ? step.output : step.error) ?? '';
  return {
    text: `Step ${step.index + 1}/${total} ${step.tool} ${step.status}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: body.trim() ? `${title}\n${codeBlock(body, 2900)}` : title },
      },
    ],
  };
}

export function runFinishedMessage(run: RunRecord): SlackMessage {
  const detail = run.status === RunStatus.Succeeded ? run.result : run.error;
  const title = `Run \`${run.id}\` ${STATUS_LABEL[run.status]}`;
  return {
    text: `Run ${run.id} ${run.status}${detail ? `: ${escapeMrkdwn(fitText(detail, 200))}` : ''}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: detail?.trim() ? `${title}\n${codeBlock(detail, 2900)}` : title,
        },
      },
    ],
  };
}

/** The outcome told privately when there is no thread to post it in. */
export function privateOutcome(run: RunRecord): string {
  const detail = run.status === RunStatus.Succeeded ? run.result : run.error;
  const outcome = `Run \`${run.id}\` of *${run.workflow}* ${STATUS_LABEL[run.status]}`;
  return detail ? `${outcome}: ${escapeMrkdwn(fitText(detail, 2000))}` : outcome;
}
