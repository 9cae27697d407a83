import type { types } from '@slack/bolt';
import type { ApprovalRecord } from '../../approvals/approval';
import type { Grant } from '../../gateway/ports';
import type { RunSummary } from '../../runs/run';
import { callSummary, cardLinkText, messageLink, quorumLine, quote } from './approval-text';
import { APPROVAL_ACTION, approvalValue } from './approval-value';
import { visibleText } from './arguments-text';
import { grantBlocks, type PendingCall, pendingCallBlocks } from './gateway-lists';
import { clipLine, fitText, inlineCode, slackDate, userMention } from './mrkdwn';
import { runLine } from './run-list';
import { note, packSections, SECTION_TEXT, section } from './sections';
import { slackCardOf } from './slack-card';

/** At most this many approvals are listed, each with its buttons; the rest are counted. */
export const HOME_APPROVALS = 20;
/** The user's most recent runs shown. */
export const HOME_RUNS = 15;
/** Of the 100 blocks a Home view holds, the runs get at most this many sections. */
const RUN_SECTIONS = 6;
/** Grants listed, each one block with its Revoke button. */
export const HOME_GRANTS = 10;
/** The user's own gateway calls still waiting, and the sections they are packed in. */
export const HOME_CALLS = 10;
const CALL_SECTIONS = 4;
const ARGS_CHARS = 200;

/** What the Home tab shows one user. */
export interface AppHome {
  /** Approvals the user may decide now, oldest first (at most {@link HOME_APPROVALS}). */
  waiting: readonly ApprovalRecord[];
  /** How many more they may decide. */
  moreWaiting: number;
  /** Approvals that a user group might open to them, which Slack could not resolve now. */
  unresolved: number;
  /** Their runs, newest first. */
  runs: readonly RunSummary[];
  /** Grants in force they may revoke (theirs first), newest first. */
  grants?: readonly Grant[];
  /** Their agent sessions' calls waiting for a decision, newest first. */
  calls?: readonly PendingCall[];
  /** Whose Home it is. */
  userId?: string;
  /** When the view was built. */
  at: Date;
}

function header(blockId: string, text: string): types.HeaderBlock {
  return { type: 'header', block_id: blockId, text: { type: 'plain_text', text } };
}

/** A compact summary of the call: what, whose run, when asked and until when, its arguments. */
function summary(approval: ApprovalRecord): string {
  const lines = [
    approval.kind === 'outcome_unknown'
      ? `:warning: *Outcome unknown*: ${callSummary(approval)} was interrupted while executing and may or may not have run.`
      : callSummary(approval),
    `Requested by ${userMention(approval.requesterId)} · asked ${slackDate(approval.createdAt)} · expires ${slackDate(approval.expiresAt)}`,
    `Arguments: ${inlineCode(clipLine(visibleText(approval.args), ARGS_CHARS))}`,
  ];
  if (approval.reason?.trim()) lines.push(quote(approval.reason, ARGS_CHARS, 2));
  if (approval.approvals.length > 0) {
    lines.push(`:ballot_box_with_check: ${quorumLine(approval)}`);
  }
  const card = slackCardOf(approval);
  if (card)
    lines.push(cardLinkText(messageLink(card, approval.threadTs), card.channel, 'The card'));
  return fitText(lines.join('\n'), SECTION_TEXT);
}

/** The same buttons as the card's, so the card's listeners decide it: an approval's, or an outcome question's. */
function buttons(approval: ApprovalRecord, index: number): types.ActionsBlock {
  const value = approvalValue(approval);
  const button = (text: string, actionId: string, style?: 'primary' | 'danger') => ({
    type: 'button' as const,
    text: { type: 'plain_text' as const, text },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: `home_actions_${index}`,
    elements:
      approval.kind === 'outcome_unknown'
        ? [
            button('Retry', APPROVAL_ACTION.retry),
            button('Mark as done', APPROVAL_ACTION.markDone),
            button('Abort run', APPROVAL_ACTION.abort, 'danger'),
          ]
        : [
            button('Approve', APPROVAL_ACTION.approve, 'primary'),
            button('Deny', APPROVAL_ACTION.deny, 'danger'),
          ],
  };
}

function waitingBlocks(home: AppHome): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [header('home_waiting', 'Waiting for you')];
  if (home.waiting.length === 0) {
    blocks.push(section('Nothing is waiting for your decision.'));
  }
  home.waiting.slice(0, HOME_APPROVALS).forEach((approval, index) => {
    blocks.push(
      {
        type: 'section',
        block_id: `home_approval_${index}`,
        text: { type: 'mrkdwn', text: summary(approval) },
      },
      buttons(approval, index),
    );
  });
  const more = home.moreWaiting + Math.max(0, home.waiting.length - HOME_APPROVALS);
  if (more > 0) {
    blocks.push(
      note(`…and ${more} more waiting for you (newer ones); they show here as these are decided.`),
    );
  }
  if (home.unresolved > 0) {
    blocks.push(
      note(
        `${home.unresolved} more may be waiting for you: Slack could not say just now whether you are in their approver groups. Open this tab again in a minute.`,
      ),
    );
  }
  return blocks;
}

/** The gateway: their agents' calls waiting, and the grants they may revoke; none when they have neither. */
function gatewayBlocks(home: AppHome): types.KnownBlock[] {
  const calls = home.calls ?? [];
  const grants = home.grants ?? [];
  if (calls.length === 0 && grants.length === 0) return [];
  return [
    { type: 'divider' },
    header('home_calls', 'Your agents’ calls waiting'),
    ...pendingCallBlocks(calls.slice(0, HOME_CALLS), CALL_SECTIONS),
    header('home_grants', 'Grants in force'),
    ...grantBlocks(grants, home.userId ?? '', HOME_GRANTS),
  ];
}

function runBlocks(home: AppHome): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [header('home_runs', 'Your runs')];
  if (home.runs.length === 0) {
    blocks.push(
      section(
        'You have not started any runs yet. `/countersign list` in a channel shows the workflows you can run there.',
      ),
    );
    return blocks;
  }
  blocks.push(
    ...packSections(
      home.runs.map((run) => runLine(run, false)),
      RUN_SECTIONS,
      ['run', 'runs'],
      '\n',
    ),
  );
  return blocks;
}

/**
 * The Home tab: "Waiting for you", the approvals this user may decide, each with its card's
 * buttons (Approve and Deny; Retry, Mark as done and Abort run for a call whose outcome is unknown); then "Your runs" with their status. Within a view's 100 blocks.
 */
export function appHomeView(home: AppHome): types.HomeView {
  return {
    type: 'home',
    blocks: [
      ...waitingBlocks(home),
      ...gatewayBlocks(home),
      { type: 'divider' },
      ...runBlocks(home),
      note(
        `Updated ${slackDate(home.at)}. \`/countersign status &lt;run&gt;\` shows the timeline of a run; \`/countersign cancel &lt;run&gt;\` stops one.`,
      ),
    ],
  };
}
