import type { types } from '@slack/bolt';
import type { ApprovalRecord } from '../../approvals/approval';
import {
  callSummary,
  cardLinkText,
  peopleList,
  plainCallName,
  plainWhereAsked,
  quorumLine,
  timeoutEffect,
} from './approval-text';
import { escapeMrkdwn, slackDate, userMention } from './mrkdwn';
import type { SlackMessage } from './run-messages';
import { section } from './sections';

const isOutcomeUnknown = (approval: ApprovalRecord) => approval.kind === 'outcome_unknown';

function where(approval: ApprovalRecord): string {
  return `${plainCallName(approval)} in ${escapeMrkdwn(approval.workflow)}, ${plainWhereAsked(approval)}`;
}

/** Where to decide, and what happens if nobody does. Buttons stay on the card: one place decides. */
function goToCard(approval: ApprovalRecord, cardLink: string): types.KnownBlock {
  const verb = isOutcomeUnknown(approval) ? 'to choose what happens' : 'to approve or deny';
  const then = isOutcomeUnknown(approval) ? '' : `; then ${timeoutEffect(approval, false)}`;
  return section(
    `${cardLinkText(cardLink, approval.channel, 'Open the card')} ${verb}. It expires ${slackDate(approval.expiresAt)}${then}.`,
  );
}

function about(approval: ApprovalRecord): string[] {
  const lines = [`${callSummary(approval)}, requested by ${userMention(approval.requesterId)}.`];
  if (approval.approvals.length > 0) lines.push(`So far ${quorumLine(approval)}.`);
  return lines;
}

/** A private nudge to an approver who has not decided yet. */
export function approvalReminder(approval: ApprovalRecord, cardLink: string): SlackMessage {
  const what = isOutcomeUnknown(approval)
    ? 'A call whose outcome is unknown waits for your choice'
    : 'An approval waits for your decision';
  return {
    text: `Reminder: ${where(approval)} waits for your decision.`,
    blocks: [
      section(
        [`:bell: *${what}* since ${slackDate(approval.createdAt)}`, ...about(approval)].join('\n'),
      ),
      goToCard(approval, cardLink),
    ],
  };
}

/** Tells the people of `escalate_to` that they were added as approvers, and of what. */
export function approvalEscalation(approval: ApprovalRecord, cardLink: string): SlackMessage {
  const added = approval.escalatedTo && peopleList(approval.escalatedTo);
  return {
    text: `Escalation: you were added as approvers of ${where(approval)}, undecided since ${slackDate(approval.createdAt)}.`,
    blocks: [
      section(
        [
          `:rotating_light: *You were added as approvers*: nobody has decided since ${slackDate(approval.createdAt)}.`,
          ...about(approval),
          ...(added ? [`Added by escalation: ${added}`] : []),
        ].join('\n'),
      ),
      goToCard(approval, cardLink),
    ],
  };
}
