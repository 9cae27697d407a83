import type { types } from '@slack/bolt';
import { describeApproval } from '../../policy/tool-call-policy';
import {
  type AgentUsage,
  type RunRecord,
  RunStatus,
  type StepRecord,
  StepStatus,
} from '../../runs/run';
import { nameOfCall } from '../../workflows/call-target';
import { codeBlock, escapeMrkdwn, fitText, inlineCode, userMention } from './mrkdwn';

export interface SlackMessage {
  text: string;
  blocks: types.KnownBlock[];
}

export const STATUS_LABEL: Record<RunStatus, string> = {
  [RunStatus.Queued]: ':hourglass_flowing_sand: queued',
  [RunStatus.Running]: ':arrow_forward: running',
  [RunStatus.Succeeded]: ':white_check_mark: succeeded',
  [RunStatus.Failed]: ':x: failed',
  [RunStatus.AwaitingApproval]: ':raised_hand: awaiting approval',
  [RunStatus.NeedsAttention]: ':warning: needs attention',
  [RunStatus.BudgetExhausted]: ':stopwatch: stopped: budget used up',
  [RunStatus.Expired]: ':hourglass: expired: no decision in time',
  [RunStatus.Cancelled]: ':no_entry_sign: cancelled',
};

/** The run's status, and who set it when a person did: `:no_entry_sign: cancelled by <@U…>`. */
export function statusLabel(run: Pick<RunRecord, 'status' | 'history'>): string {
  const change = run.history.at(-1);
  const by = change?.status === run.status && change.by ? ` by ${userMention(change.by)}` : '';
  return `${STATUS_LABEL[run.status]}${by}`;
}

function inputsLine(run: RunRecord): string {
  const pairs = Object.entries(run.inputs).map(([name, value]) => `${name}=${String(value)}`);
  return pairs.length > 0 ? `Inputs: ${escapeMrkdwn(pairs.join('  '))}` : 'No inputs';
}

/** The run's top message: posted when it starts, updated in place when it ends. */
export function runHeadline(run: RunRecord): SlackMessage {
  const status = run.status === RunStatus.Queued ? RunStatus.Running : run.status;
  const label = status === run.status ? statusLabel(run) : STATUS_LABEL[status];
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
          text: `${dry}*${run.workflow}* ${label}${run.dryRun ? ' · calls above low risk are simulated, not run' : ''}\nRequested by <@${run.requester.userId}> · run \`${run.id}\``,
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

const STEP_ICON: Partial<Record<StepStatus, string>> = {
  [StepStatus.Simulated]: ':fast_forward:',
  [StepStatus.Failed]: ':x:',
  [StepStatus.Refused]: ':no_entry:',
  [StepStatus.AwaitingApproval]: ':raised_hand:',
};

const STEP_NOTE: Partial<Record<StepStatus, string>> = {
  [StepStatus.Simulated]: ' · simulated',
  [StepStatus.Refused]: ' · refused',
  [StepStatus.AwaitingApproval]: ' · waiting for approval',
};

/** A runbook step's or an agent's tool call's outcome (or its wait for approval), in the thread. */
export function stepOutcomeMessage(run: RunRecord, step: StepRecord): SlackMessage {
  const name = nameOfCall(step);
  const which =
    step.toolUseId === undefined
      ? `Step ${step.index + 1}/${run.manifest.steps?.length ?? 0}`
      : `Tool call ${step.index + 1}`;
  const icon = STEP_ICON[step.status] ?? ':white_check_mark:';
  const title = `${icon} ${which} · \`${name}\`${STEP_NOTE[step.status] ?? ''}`;
  const args =
    step.toolUseId === undefined ? '' : `\nArguments: ${inlineCode(fitText(step.args, 300))}`;
  const body =
    step.status === StepStatus.AwaitingApproval
      ? `needs ${describeApproval(run.manifest.approval)}`
      : ((step.status === StepStatus.Failed || step.status === StepStatus.Refused
          ? step.error
          : step.output) ?? '');
  return {
    text: `${which} ${name} ${step.status}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: body.trim() ? `${title}${args}\n${codeBlock(body, 2500)}` : `${title}${args}`,
        },
      },
    ],
  };
}

export function runFinishedMessage(run: RunRecord): SlackMessage {
  const detail = run.status === RunStatus.Succeeded ? run.result : run.error;
  const title = `Run \`${run.id}\` ${statusLabel(run)}`;
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
      ...(run.usage ? [usageContext(run.usage)] : []),
    ],
  };
}

/** What an agent run spent, under its outcome. */
function usageContext(usage: AgentUsage): types.KnownBlock {
  const count = (n: number) => n.toLocaleString('en-US');
  const turns = usage.turns === 1 ? '1 model request' : `${count(usage.turns)} model requests`;
  return {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${turns} · ${count(usage.inputTokens)} input and ${count(usage.outputTokens)} output tokens`,
      },
    ],
  };
}

/** The outcome told privately when there is no thread to post it in. */
export function privateOutcome(run: RunRecord): string {
  const detail = run.status === RunStatus.Succeeded ? run.result : run.error;
  const outcome = `Run \`${run.id}\` of *${run.workflow}* ${statusLabel(run)}`;
  return detail ? `${outcome}: ${escapeMrkdwn(fitText(detail, 2000))}` : outcome;
}
