import type { types } from '@slack/bolt';
import { type ApprovalRecord, ApprovalStatus } from '../../approvals/approval';
import { COVERED_BY_GRANT } from '../../gateway/grants';
import type { Grant } from '../../gateway/ports';
import {
  callName,
  clientName,
  peopleList,
  plainCallName,
  plainWhereAsked,
  quorumLine,
  quote,
  runAndCall,
  timeoutEffect,
} from './approval-text';
import { APPROVAL_ACTION, approvalValue } from './approval-value';
import { argumentsText, codeFence, cutEnd, visibleText } from './arguments-text';
import { GRANT_OFFER_BLOCK, grantButtons, grantLine, grantOfferBlocks } from './grant-offer';
import { clipLine, escapeMrkdwn, inlineCode, slackDate, userMention } from './mrkdwn';
import type { SlackMessage } from './run-messages';
import { sessionCallView } from './session-call';

export { approvalArgumentsModal, denyReasonModal } from './approval-modals';
export { approvalEscalation, approvalReminder } from './approval-notices';
export { parseApprovalValue } from './approval-value';
export { grantLength, offeredGrants } from './grant-offer';

/** Of the arguments, the card shows this much (escaped); "Show all" opens the rest. */
const PREVIEW_CHARS = 1500;
const PREVIEW_LINES = 30;
const REASON_CHARS = 1200;
const REASON_LINES = 12;
const NOTE_CHARS = 1500;
const NOTE_LINES = 20;
const DESCRIPTION_CHARS = 300;
const DESCRIPTION_LINES = 4;

/** Stable ids, so listeners and tests find the parts of a card whatever its state. */
export const APPROVAL_BLOCK = {
  title: 'approval_title',
  interrupted: 'approval_interrupted',
  facts: 'approval_facts',
  arguments: 'approval_arguments',
  reason: 'approval_reason',
  approvers: 'approval_approvers',
  actions: 'approval_actions',
  /** What "Approve for this session" covers, above the buttons. */
  grant: GRANT_OFFER_BLOCK,
  outcome: 'approval_outcome',
} as const;

/** What a card shows beside its approval: the grant its deciding click gave, if any. */
export interface CardExtras {
  grant?: Grant | null;
}

const count = (n: number) => n.toLocaleString('en-US');

function mrkdwnSection(blockId: string, text: string, verbatim = false): types.SectionBlock {
  return {
    type: 'section',
    block_id: blockId,
    text: verbatim ? { type: 'mrkdwn', text, verbatim } : { type: 'mrkdwn', text },
  };
}

function button(
  text: string,
  actionId: string,
  value: string,
  style?: 'primary' | 'danger',
): types.Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

const isOutcomeUnknown = (approval: ApprovalRecord) => approval.kind === 'outcome_unknown';

const DECIDED_TITLE: Record<ApprovalStatus, string> = {
  [ApprovalStatus.Pending]: ':raised_hand: Approval needed',
  [ApprovalStatus.Approved]: ':white_check_mark: Approved',
  [ApprovalStatus.Denied]: ':no_entry: Denied',
  [ApprovalStatus.Expired]: ':hourglass: Expired',
  [ApprovalStatus.Cancelled]: ':no_entry_sign: Cancelled',
};

function title(approval: ApprovalRecord): string {
  const withdrawn = approval.session !== undefined && approval.status === ApprovalStatus.Cancelled;
  const what = isOutcomeUnknown(approval)
    ? ':warning: Outcome unknown'
    : withdrawn
      ? ':no_entry_sign: Withdrawn'
      : DECIDED_TITLE[approval.status];
  return clipLine(`${what}: ${callName(approval)}`, 150);
}

function facts(approval: ApprovalRecord): types.SectionBlock {
  if (approval.session !== undefined) return sessionFacts(approval, approval.session);
  return {
    type: 'section',
    block_id: APPROVAL_BLOCK.facts,
    fields: [
      `*Workflow*\n${escapeMrkdwn(approval.workflow)}`,
      `*Run*\n${runAndCall(approval)}`,
      `*Requested by*\n${userMention(approval.requesterId)}`,
      `*Tool*\n${inlineCode(callName(approval))} · ${escapeMrkdwn(clipLine(approval.risk, 40))} risk`,
      `*Manifest*\n${inlineCode(approval.manifestHash.slice(0, 12))}`,
      `*Asked*\n${slackDate(approval.createdAt)}`,
    ].map((text) => ({ type: 'mrkdwn', text })),
  };
}

/** Who asked from which session and where, instead of a run: an agent the gateway governs. */
function sessionFacts(
  approval: ApprovalRecord,
  session: NonNullable<ApprovalRecord['session']>,
): types.SectionBlock {
  const label = session.label ? ` · ${escapeMrkdwn(clipLine(visibleText(session.label), 80))}` : '';
  const rule = session.rule ? ` · rule ${inlineCode(clipLine(session.rule, 200))}` : '';
  return {
    type: 'section',
    block_id: APPROVAL_BLOCK.facts,
    fields: [
      `*Workflow*\n${escapeMrkdwn(approval.workflow)}`,
      `*Requested by*\n${userMention(approval.requesterId)}${label}`,
      `*Client*\n${clientName(session.client)}`,
      `*Session*\n${inlineCode(clipLine(session.sessionId, 80))}`,
      `*Working directory*\n${session.cwd ? inlineCode(clipLine(visibleText(session.cwd), 300)) : 'not told'}`,
      `*Tool*\n${inlineCode(callName(approval))} · ${escapeMrkdwn(clipLine(approval.risk, 40))} risk${rule}`,
      `*Manifest*\n${inlineCode(approval.manifestHash.slice(0, 12))}`,
      `*Asked*\n${slackDate(approval.createdAt)}`,
    ].map((text) => ({ type: 'mrkdwn', text })),
  };
}

/** A session's call as the tool will act (the command, the diff, the new text), cut to a preview. */
function sessionCallBlock(approval: ApprovalRecord): types.SectionBlock {
  const view = sessionCallView(approval);
  const description = view.description
    ? [
        `*Description* (the agent's words)\n${quote(view.description, DESCRIPTION_CHARS, DESCRIPTION_LINES)}`,
      ]
    : [];
  if (view.code === '') {
    return mrkdwnSection(
      APPROVAL_BLOCK.arguments,
      [`${view.heading}: none`, ...description].join('\n'),
    );
  }
  const end = cutEnd(view.code, 0, PREVIEW_CHARS, PREVIEW_LINES);
  const shown = [view.heading, codeFence(view.code.slice(0, end)), ...description];
  if (end >= view.code.length) return mrkdwnSection(APPROVAL_BLOCK.arguments, shown.join('\n'));
  shown.push(
    `_Cut: ${count(end)} of ${count(view.code.length)} characters shown. *Show all* opens it in full._`,
  );
  return {
    ...mrkdwnSection(APPROVAL_BLOCK.arguments, shown.join('\n')),
    accessory: button('Show all', APPROVAL_ACTION.showArguments, approvalValue(approval)),
  };
}

/** The arguments, cut to a preview; when cut, "Show all" opens them whole in a modal. */
function argumentsBlock(approval: ApprovalRecord): types.SectionBlock {
  if (approval.session !== undefined) return sessionCallBlock(approval);
  const { text, isJson } = argumentsText(approval.args);
  if (text.trim() === '' || text === '{}') {
    return mrkdwnSection(APPROVAL_BLOCK.arguments, '*Arguments*: none');
  }
  const label = isJson ? '*Arguments*' : '*Arguments* (not JSON: shown as stored)';
  const end = cutEnd(text, 0, PREVIEW_CHARS, PREVIEW_LINES);
  if (end >= text.length) {
    return mrkdwnSection(APPROVAL_BLOCK.arguments, `${label}\n${codeFence(text)}`);
  }
  return {
    ...mrkdwnSection(
      APPROVAL_BLOCK.arguments,
      `${label}\n${codeFence(text.slice(0, end))}\n_Cut: ${count(end)} of ${count(text.length)} characters shown. *Show all* opens them in full._`,
    ),
    accessory: button('Show all', APPROVAL_ACTION.showArguments, approvalValue(approval)),
  };
}

function reasonBlocks(approval: ApprovalRecord): types.SectionBlock[] {
  if (!approval.reason?.trim()) return [];
  // verbatim: the model's words get no automatic links.
  return [
    mrkdwnSection(
      APPROVAL_BLOCK.reason,
      `*The model's reason*\n${quote(approval.reason, REASON_CHARS, REASON_LINES)}`,
      true,
    ),
  ];
}

function approversBlock(approval: ApprovalRecord): types.SectionBlock {
  const unknown = isOutcomeUnknown(approval);
  const needed =
    approval.required === 1
      ? '1 approval needed'
      : `${approval.required} approvals needed, from different people`;
  const lines = [
    unknown ? '*Who can decide*' : `*Who can approve* · ${needed}`,
    peopleList(approval.approvers) ?? 'Nobody is configured to approve this.',
  ];
  const escalated = approval.escalatedTo && peopleList(approval.escalatedTo);
  if (escalated) lines.push(`Added by escalation: ${escalated}`);
  if (!unknown && !approval.allowSelfApproval) {
    lines.push(
      approval.session === undefined
        ? `${userMention(approval.requesterId)} started the run and may not approve it.`
        : `${userMention(approval.requesterId)} asked for this call and may not approve it.`,
    );
  }
  if (approval.approvals.length > 0) lines.push(`:ballot_box_with_check: ${quorumLine(approval)}`);
  lines.push(
    unknown
      ? `Expires ${slackDate(approval.expiresAt)}.`
      : `Expires ${slackDate(approval.expiresAt)}: if nobody decides by then, ${timeoutEffect(approval, false)}.`,
  );
  return mrkdwnSection(APPROVAL_BLOCK.approvers, lines.join('\n'));
}

const INTERRUPTED =
  'This call was interrupted while it was executing: the worker stopped before it reported back, so it *may or may not have run*. Check its effect, then choose: *Retry* runs it again, *Mark as done* carries on as if it ran, *Abort run* ends the run.';

function actions(approval: ApprovalRecord): types.ActionsBlock {
  const value = approvalValue(approval);
  const elements: types.Button[] = isOutcomeUnknown(approval)
    ? [
        {
          ...button('Retry', APPROVAL_ACTION.retry, value),
          confirm: {
            title: { type: 'plain_text', text: 'Run it again?' },
            text: {
              type: 'plain_text',
              text: 'It may already have run. Retrying runs it a second time.',
            },
            confirm: { type: 'plain_text', text: 'Retry' },
            deny: { type: 'plain_text', text: 'Back' },
          },
        },
        button('Mark as done', APPROVAL_ACTION.markDone, value),
        button('Abort run', APPROVAL_ACTION.abort, value, 'danger'),
      ]
    : [
        button('Approve', APPROVAL_ACTION.approve, value, 'primary'),
        button('Deny', APPROVAL_ACTION.deny, value, 'danger'),
        ...grantButtons(approval),
      ];
  return { type: 'actions', block_id: APPROVAL_BLOCK.actions, elements };
}

/** What was chosen for a call whose outcome was unknown (its decision note), on one line. */
function decisionText(approval: ApprovalRecord): string {
  const note = approval.decisionNote?.trim();
  return note ? escapeMrkdwn(clipLine(visibleText(note), 200)) : approval.status;
}

/** Everyone who approved, the deciding approver included. */
function approvedBy(approval: ApprovalRecord): string {
  const users = approval.approvals.map((vote) => vote.userId);
  if (approval.decidedBy !== undefined && !users.includes(approval.decidedBy)) {
    users.push(approval.decidedBy);
  }
  return peopleList({ users, usergroups: [] }) ?? 'nobody recorded';
}

function outcomeText(approval: ApprovalRecord, extras: CardExtras = {}): string {
  const when = approval.decidedAt ? ` ${slackDate(approval.decidedAt)}` : '';
  const by = approval.decidedBy ? ` by ${userMention(approval.decidedBy)}` : '';
  const note = approval.decisionNote?.trim()
    ? quote(approval.decisionNote, NOTE_CHARS, NOTE_LINES)
    : undefined;
  const given =
    approval.approvals.length > 0 ? `Approvals given before: ${quorumLine(approval)}` : undefined;
  const unknown = isOutcomeUnknown(approval);
  const lines: (string | undefined)[] = [];
  switch (approval.status) {
    case ApprovalStatus.Approved:
    case ApprovalStatus.Denied:
      if (unknown) {
        lines.push(`:ballot_box_with_check: *Decided*${by}${when}: ${decisionText(approval)}`);
      } else if (approval.status === ApprovalStatus.Approved) {
        lines.push(`:white_check_mark: *Approved* by ${approvedBy(approval)}${when}`);
        if (extras.grant) lines.push(grantLine(extras.grant));
      } else {
        lines.push(`:no_entry: *Denied*${by}${when}`, note && `*Reason*\n${note}`, given);
      }
      break;
    case ApprovalStatus.Expired:
      lines.push(
        unknown
          ? `:hourglass: *Expired*${when} with no choice made.`
          : `:hourglass: *Expired*${when} with no decision: ${timeoutEffect(approval, true)}.`,
        note,
        given,
      );
      break;
    case ApprovalStatus.Cancelled:
      if (approval.session !== undefined) {
        lines.push(sessionClosedText(approval, when));
        break;
      }
      lines.push(
        unknown
          ? `:no_entry_sign: *Cancelled*${by}${when}: the run was cancelled before anyone chose.`
          : `:no_entry_sign: *Cancelled*${by}${when}: the run was cancelled while this waited, so the call did not run.`,
        note,
      );
      break;
    case ApprovalStatus.Pending:
      break;
  }
  return lines.filter((line) => line !== undefined).join('\n');
}

/** A session's card closed before a decision: the client withdrew it, or a grant covered the call. */
function sessionClosedText(approval: ApprovalRecord, when: string): string {
  const note = approval.decisionNote ?? 'withdrawn by the client';
  return note.startsWith(COVERED_BY_GRANT)
    ? `:white_check_mark: *Closed*${when}: ${escapeMrkdwn(note)}, so the call ran under the grant.`
    : `:no_entry_sign: *Withdrawn*${when}: ${escapeMrkdwn(note)}, so the call did not run.`;
}

/** The notification text: what the card is about and where it stands, in one line. */
function fallbackText(approval: ApprovalRecord): string {
  const name = plainCallName(approval);
  const where = `${name} in ${escapeMrkdwn(approval.workflow)}, ${plainWhereAsked(approval)}`;
  const by = approval.decidedBy ? `, by ${userMention(approval.decidedBy)}` : '';
  if (isOutcomeUnknown(approval)) {
    if (approval.status === ApprovalStatus.Pending) {
      return `Outcome unknown: ${where} was interrupted and may or may not have run. Retry, mark as done, or abort the run?`;
    }
    return `Outcome unknown: ${where}: ${decisionText(approval)}${by}`;
  }
  switch (approval.status) {
    case ApprovalStatus.Pending: {
      const quorum = approval.approvals.length > 0 ? ` · ${quorumLine(approval)}` : '';
      return `Approval needed: ${where} (${escapeMrkdwn(clipLine(approval.risk, 40))} risk), requested by ${userMention(approval.requesterId)}${quorum}`;
    }
    case ApprovalStatus.Approved:
      return `Approved: ${where}, by ${approvedBy(approval)}`;
    case ApprovalStatus.Denied:
      return `Denied: ${where}${by}`;
    case ApprovalStatus.Expired:
      return `Expired with no decision: ${where}`;
    case ApprovalStatus.Cancelled:
      return approval.session === undefined
        ? `Cancelled: ${where}`
        : `Withdrawn by the client: ${where}`;
  }
}

/**
 * The approval card, in any state. Pending: what would run, who may approve, and the buttons.
 * Decided: the outcome, who, when and why, and no buttons but "Show all", which only shows.
 */
export function approvalCard(approval: ApprovalRecord, extras: CardExtras = {}): SlackMessage {
  const pending = approval.status === ApprovalStatus.Pending;
  const blocks: types.KnownBlock[] = [
    {
      type: 'header',
      block_id: APPROVAL_BLOCK.title,
      text: { type: 'plain_text', text: title(approval), emoji: true },
    },
    ...(isOutcomeUnknown(approval) ? [mrkdwnSection(APPROVAL_BLOCK.interrupted, INTERRUPTED)] : []),
    facts(approval),
    argumentsBlock(approval),
    ...reasonBlocks(approval),
    ...(pending
      ? [approversBlock(approval), ...grantOfferBlocks(approval), actions(approval)]
      : [mrkdwnSection(APPROVAL_BLOCK.outcome, outcomeText(approval, extras))]),
  ];
  return { text: fallbackText(approval), blocks };
}
