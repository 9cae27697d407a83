import type { types } from '@slack/bolt';
import {
  FINAL_RUN_STATUSES,
  type RunRecord,
  type StatusChange,
  type StepRecord,
  StepStatus,
  type ThreadRef,
} from '../../runs/run';
import { nameOfCall } from '../../workflows/call-target';
import {
  channelMention,
  clipLine,
  codeBlock,
  DATE_FORMAT,
  escapeMrkdwn,
  fitText,
  inlineCode,
  slackDate,
  userMention,
} from './mrkdwn';
import { type SlackMessage, STATUS_LABEL, statusLabel } from './run-messages';
import { note, packSections, SECTION_TEXT, section } from './sections';

/** A step's output or error is cut to this in the timeline; the run's thread shows more. */
const STEP_DETAIL = 600;
const STEP_ARGS = 300;
const INPUT_VALUE = 200;
const OUTCOME_DETAIL = 1500;
/** Bounds one step's text whatever its parts grew to once escaped. */
const STEP_TEXT = 1500;
/** Of Slack's 50 blocks: the head, inputs, timeline and outcome take 5; steps get this many. */
const STEP_SECTIONS = 12;

const STEP_LABEL: Record<StepStatus, string> = {
  [StepStatus.AwaitingApproval]: ':raised_hand: awaiting approval',
  [StepStatus.Approved]: ':ok_hand: approved',
  [StepStatus.Refused]: ':no_entry: refused',
  [StepStatus.Executing]: ':hourglass_flowing_sand: executing',
  [StepStatus.Succeeded]: ':white_check_mark: succeeded',
  [StepStatus.Failed]: ':x: failed',
  [StepStatus.Simulated]: ':fast_forward: simulated',
};

/** `850 ms`, `12.3 s`, `4 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** `https://slack.com/archives/<channel>/p<ts without the dot>`; Slack sends it to the workspace. */
function threadLink(thread: ThreadRef | undefined): string | undefined {
  if (thread === undefined) return undefined;
  if (!/^[CGD][A-Z0-9]+$/.test(thread.channel) || !/^\d+\.\d+$/.test(thread.ts)) return undefined;
  return `<https://slack.com/archives/${thread.channel}/p${thread.ts.replace('.', '')}|thread>`;
}

function headline(run: RunRecord): string {
  const dry = run.dryRun ? 'Dry run of ' : '';
  return `${dry}*${escapeMrkdwn(run.workflow)}* · run ${inlineCode(run.id)} · ${STATUS_LABEL[run.status]}`;
}

function about(run: RunRecord): string {
  const parts = [
    `Requested by ${userMention(run.requester.userId)} in ${channelMention(run.requester.channelId)} ${slackDate(run.createdAt)}`,
    `manifest ${inlineCode(run.manifestHash.slice(0, 12))}`,
  ];
  const link = threadLink(run.thread);
  if (link) parts.push(link);
  const lines = [parts.join(' · ')];
  if (run.dryRun) lines.push('Dry run: calls above low risk were simulated, not run.');
  if (run.detailsPrunedAt) {
    lines.push(
      `Step outputs and the result were removed ${slackDate(run.detailsPrunedAt)} (retention); the audit log keeps their hashes.`,
    );
  }
  return lines.join('\n');
}

function inputs(run: RunRecord): string {
  const pairs = Object.entries(run.inputs).map(([name, value]) =>
    inlineCode(clipLine(`${name}=${String(value)}`, INPUT_VALUE)),
  );
  return fitText(pairs.length > 0 ? `Inputs: ${pairs.join(' ')}` : 'No inputs', SECTION_TEXT);
}

function statusChange(change: StatusChange): string {
  const detail = change.detail ? ` — ${escapeMrkdwn(clipLine(change.detail, 300))}` : '';
  const by = change.by ? ` by ${userMention(change.by)}` : '';
  return `• ${slackDate(change.at, DATE_FORMAT.seconds)}  ${STATUS_LABEL[change.status] ?? escapeMrkdwn(change.status)}${by}${detail}`;
}

function describeStep(step: StepRecord, total: number, pruned: boolean): string {
  const took =
    step.finishedAt === undefined
      ? ''
      : ` · took ${formatDuration(step.finishedAt.getTime() - step.startedAt.getTime())}`;
  const lines = [
    `*${step.index + 1}${total > 0 ? `/${total}` : ''}* ${inlineCode(nameOfCall(step))} ${STEP_LABEL[step.status] ?? escapeMrkdwn(step.status)} · ${slackDate(step.startedAt, DATE_FORMAT.seconds)}${took}`,
  ];
  if (step.args !== '{}') lines.push(`Arguments: ${inlineCode(clipLine(step.args, STEP_ARGS))}`);
  if (step.status === StepStatus.Simulated) {
    lines.push(`Not run: ${escapeMrkdwn(clipLine(step.output ?? '', STEP_DETAIL))}`);
  } else {
    const detail =
      step.status === StepStatus.Failed || step.status === StepStatus.Refused
        ? step.error
        : step.output;
    if (detail?.trim()) lines.push(codeBlock(detail, STEP_DETAIL));
    else if (pruned && step.status === StepStatus.Succeeded) lines.push('_(output removed)_');
  }
  return fitText(lines.join('\n'), STEP_TEXT);
}

function stepBlocks(run: RunRecord): types.KnownBlock[] {
  const total = run.manifest.steps?.length ?? 0;
  if (run.steps.length === 0) {
    const why =
      run.manifest.steps === undefined
        ? 'No tool calls recorded (an agent workflow).'
        : 'No steps recorded yet.';
    return [section(`*Steps*\n${why}`)];
  }
  const title = total > 0 ? `*Steps* (${run.steps.length} of ${total})` : '*Steps*';
  const pruned = run.detailsPrunedAt !== undefined;
  const texts = run.steps.map((step) => describeStep(step, total, pruned));
  texts[0] = `${title}\n${texts[0]}`;
  return packSections(texts, STEP_SECTIONS, ['step', 'steps']);
}

function outcome(run: RunRecord): string {
  if (!FINAL_RUN_STATUSES.includes(run.status)) {
    return `*Not finished yet*: ${STATUS_LABEL[run.status]}. Ask again later, or follow the thread.`;
  }
  const ended = run.history.at(-1)?.at ?? run.updatedAt;
  const title = `*Outcome*: ${statusLabel(run)} ${slackDate(ended, DATE_FORMAT.seconds)}`;
  const detail = run.error ?? run.result;
  if (detail?.trim()) return `${title}\n${codeBlock(detail, OUTCOME_DETAIL)}`;
  return run.detailsPrunedAt ? `${title}\n_(result removed)_` : title;
}

/** The answer to `/countersign status <run>`: the run's record as a timeline, within Slack's limits. */
export function runTimelineMessage(run: RunRecord): SlackMessage {
  return {
    text: `Run ${run.id} of ${run.workflow}: ${run.status}`,
    blocks: [
      section(fitText(`${headline(run)}\n${about(run)}`, SECTION_TEXT)),
      note(inputs(run)),
      section(fitText(`*Timeline*\n${run.history.map(statusChange).join('\n')}`, SECTION_TEXT)),
      ...stepBlocks(run),
      section(outcome(run)),
    ],
  };
}
