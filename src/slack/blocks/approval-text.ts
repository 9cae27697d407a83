import type { ApprovalRecord, People } from '../../approvals/approval';
import { type CallTarget, nameOfCall } from '../../workflows/call-target';
import { cutEnd, visibleText } from './arguments-text';
import {
  channelMention,
  clipLine,
  escapeMrkdwn,
  inlineCode,
  usergroupMention,
  userMention,
} from './mrkdwn';
import type { SlackCard } from './slack-card';

/** Beyond this many people, a list says how many more there are. */
const LISTED_PEOPLE = 20;

/** `restart`, or `github/create_issue` for a tool of an MCP server. */
export function callName(call: CallTarget): string {
  return clipLine(visibleText(nameOfCall(call)), 120);
}

/** The call's name for notification text, where code spans do not render: escaped, no backticks. */
export function plainCallName(call: CallTarget): string {
  return escapeMrkdwn(callName(call)).replace(/`/g, 'ˋ');
}

/** What happens if nobody decides in time: to the run, or to the agent session that asked. */
export function timeoutEffect(
  approval: Pick<ApprovalRecord, 'onTimeout' | 'session'>,
  past: boolean,
): string {
  if (approval.session !== undefined) {
    if (approval.onTimeout === 'deny') {
      return past
        ? 'the agent was told it was not approved'
        : 'the agent is told it was not approved';
    }
    return past
      ? 'the agent was told it expired; asking again posts a new card'
      : 'the agent is told it expired';
  }
  if (approval.onTimeout === 'deny') {
    return past
      ? 'the model was told it was not approved'
      : 'the model is told it was not approved';
  }
  return past ? 'the run ended as expired' : 'the run ends as expired';
}

/** The run and which of its calls: `` `r-7kq2m9xd` call 3 ``. */
export function runAndCall(approval: Pick<ApprovalRecord, 'runId' | 'step'>): string {
  return `${inlineCode(approval.runId)} call ${approval.step + 1}`;
}

/** `Claude Code` for the clients the gateway knows; any other name as given, escaped. */
export function clientName(client: string): string {
  return client === 'claude-code' ? 'Claude Code' : escapeMrkdwn(clipLine(client, 40));
}

/** Where the call was asked: `run `r-7kq2m9xd` call 3`, or `a Claude Code session `abc…``. */
export function whereAsked(approval: Pick<ApprovalRecord, 'runId' | 'step' | 'session'>): string {
  const { session } = approval;
  if (session === undefined) return `run ${runAndCall(approval)}`;
  return `a ${clientName(session.client)} session ${inlineCode(clipLine(session.sessionId, 80))}`;
}

/** The same for notification text, where code spans do not render: `run r-7kq2m9xd`. */
export function plainWhereAsked(approval: Pick<ApprovalRecord, 'runId' | 'session'>): string {
  const { session } = approval;
  if (session === undefined) return `run ${escapeMrkdwn(approval.runId)}`;
  return `${clientName(session.client)} session ${escapeMrkdwn(clipLine(session.sessionId, 80))}`;
}

/** `` `restart` (high risk) in *deploy-api*, run `r-7kq2m9xd` call 3 `` (or a session for a gateway call). */
export function callSummary(approval: ApprovalRecord): string {
  return `${inlineCode(callName(approval))} (${escapeMrkdwn(clipLine(approval.risk, 40))} risk) in *${escapeMrkdwn(approval.workflow)}*, ${whereAsked(approval)}`;
}

/** Mentions of users and user groups, at most LISTED_PEOPLE of them, or undefined if nobody. */
export function peopleList(people: People): string | undefined {
  const mentions = [...people.users.map(userMention), ...people.usergroups.map(usergroupMention)];
  if (mentions.length === 0) return undefined;
  const shown = mentions.slice(0, LISTED_PEOPLE).join(', ');
  const more = mentions.length - LISTED_PEOPLE;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

/** `<@A>, <@B>` for the approvals given so far. */
export function approverList(approval: Pick<ApprovalRecord, 'approvals'>): string {
  return (
    peopleList({ users: approval.approvals.map((vote) => vote.userId), usergroups: [] }) ?? 'nobody'
  );
}

/** `1 of 2 approvals: <@A>`. */
export function quorumLine(approval: Pick<ApprovalRecord, 'approvals' | 'required'>): string {
  return `${approval.approvals.length} of ${approval.required} approvals: ${approverList(approval)}`;
}

/**
 * Someone's words as a block quote: every line quoted (nothing they write can pass for the card's
 * own text), escaped, cut to `budget` characters and `maxLines` lines.
 */
export function quote(text: string, budget: number, maxLines: number): string {
  const visible = visibleText(text.trim()).replace(/```/g, 'ˋˋˋ');
  const end = cutEnd(visible, 0, budget, maxLines);
  const shown = visible.slice(0, end).trimEnd() + (end < visible.length ? ' …(cut)' : '');
  return shown
    .split('\n')
    .map((line) => `> ${escapeMrkdwn(line)}`)
    .join('\n');
}

/** A safe `<https://…|label>` link to the card, or where it is when the link is not usable. */
export function cardLinkText(cardLink: string, channel: string, label: string): string {
  if (/^https:\/\/[^\s<>|]+$/.test(cardLink) && cardLink.length <= 2000) {
    return `<${cardLink}|${label}>`;
  }
  return `${label} in ${channelMention(channel)}`;
}

/** A link to a message (the card), for direct messages and App Home that point at it. */
export function messageLink(card: SlackCard, threadTs?: string): string {
  const link = `https://slack.com/archives/${card.channel}/p${card.ts.replace('.', '')}`;
  return threadTs ? `${link}?thread_ts=${threadTs}&cid=${card.channel}` : link;
}
