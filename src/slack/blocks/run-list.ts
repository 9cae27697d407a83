import type { RunSummary } from '../../runs/run';
import { escapeMrkdwn, inlineCode, slackDate, userMention } from './mrkdwn';
import { type SlackMessage, STATUS_LABEL } from './run-messages';
import { note, packSections, section } from './sections';

export interface RunListing {
  /** Newest first. */
  runs: readonly RunSummary[];
  /** Everyone's runs (an admin asked), rather than the asking user's own. */
  everyone: boolean;
}

/** Leaves room for the header and the closing note in Slack's 50 blocks. */
const RUN_SECTIONS = 10;

/** One run on one line: id, workflow, status, when; `dry run`; with `everyone`, its requester. */
export function runLine(run: RunSummary, everyone: boolean): string {
  const parts = [
    `${inlineCode(run.id)} *${escapeMrkdwn(run.workflow)}* ${STATUS_LABEL[run.status] ?? escapeMrkdwn(run.status)}`,
    slackDate(run.createdAt),
  ];
  if (run.dryRun) parts.push('dry run');
  if (everyone) parts.push(`by ${userMention(run.requester.userId)}`);
  return parts.join(' · ');
}

/** The answer to `/countersign runs`: one line per run, newest first, within Slack's limits. */
export function runListMessage({ runs, everyone }: RunListing): SlackMessage {
  if (runs.length === 0) {
    const text = everyone
      ? 'No one has started a run yet.'
      : 'You have not started any runs yet. `/countersign list` shows the workflows you can run here.';
    return { text, blocks: [section(text)] };
  }
  const intro = everyone
    ? `*Everyone's recent runs*, newest first (you see them all as an admin; \`/countersign runs\` shows only yours):`
    : '*Your recent runs*, newest first:';
  return {
    text: `${everyone ? "Everyone's" : 'Your'} recent runs: ${runs.map((run) => run.id).join(', ')}`,
    blocks: [
      section(intro),
      ...packSections(
        runs.map((run) => runLine(run, everyone)),
        RUN_SECTIONS,
        ['run', 'runs'],
        '\n',
      ),
      note('`/countersign status &lt;run&gt;` shows the timeline of one run.'),
    ],
  };
}
