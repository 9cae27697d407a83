import type { types } from '@slack/bolt';
import type { ApprovalRecord } from '../../approvals/approval';
import type { GatewayCall, Grant } from '../../gateway/ports';
import { cardLinkText, clientName, messageLink, quorumLine } from './approval-text';
import { APPROVAL_ACTION } from './approval-value';
import { clipLine, escapeMrkdwn, inlineCode, slackDate, userMention } from './mrkdwn';
import { note, packSections, section } from './sections';
import { shortCall } from './session-call';
import { slackCardOf } from './slack-card';

/** A gateway call of the user's still waiting, with its approval (null if it could not be read). */
export interface PendingCall {
  call: GatewayCall;
  approval: ApprovalRecord | null;
}

/** `Bash` `npm publish` · session `abc` · asked 14:05 · 1 of 2 approvals · the card. */
function pendingLine({ call, approval }: PendingCall): string {
  const parts = [
    `${inlineCode(clipLine(call.tool, 80))} ${shortCall({ tool: call.tool, args: call.input })}`,
    `*${escapeMrkdwn(call.workflow)}*, ${approval?.session ? clientName(approval.session.client) : 'session'} ${inlineCode(clipLine(call.sessionId, 40))}`,
    `asked ${slackDate(call.createdAt)}`,
  ];
  if (approval !== null) {
    if (approval.status !== 'pending') parts.push(escapeMrkdwn(approval.status));
    else if (approval.approvals.length > 0) parts.push(quorumLine(approval));
    else parts.push(`expires ${slackDate(approval.expiresAt)}`);
    const card = slackCardOf(approval);
    if (card) parts.push(cardLinkText(messageLink(card), card.channel, 'the card'));
  }
  return parts.join(' · ');
}

/** The user's gateway calls waiting for a decision, one line each, in at most `maxBlocks` blocks. */
export function pendingCallBlocks(
  calls: readonly PendingCall[],
  maxBlocks: number,
): types.KnownBlock[] {
  if (calls.length === 0) return [section('None of your agent sessions waits for a decision.')];
  return packSections(calls.map(pendingLine), maxBlocks, ['call', 'calls'], '\n');
}

/** What a grant covers, for whom, until when. */
export function grantLine(grant: Grant, viewer: string): string {
  const covers = grant.rule ? inlineCode(clipLine(grant.covers, 200)) : escapeMrkdwn(grant.covers);
  const whose = grant.userId === viewer ? '' : ` · for ${userMention(grant.userId)}`;
  return `${covers} · *${escapeMrkdwn(grant.workflow)}*, session ${inlineCode(clipLine(grant.sessionId, 40))}${whose} · until ${slackDate(grant.expiresAt)} · given by ${userMention(grant.grantedBy)}`;
}

/** Each grant with a Revoke button beside it (one block each); the rest counted. */
export function grantBlocks(
  grants: readonly Grant[],
  viewer: string,
  max: number,
): types.KnownBlock[] {
  if (grants.length === 0) return [section('No grant is in force for you.')];
  const blocks: types.KnownBlock[] = grants.slice(0, max).map((grant, index) => ({
    type: 'section',
    block_id: `home_grant_${index}`,
    text: { type: 'mrkdwn', text: grantLine(grant, viewer) },
    accessory: {
      type: 'button',
      text: { type: 'plain_text', text: 'Revoke' },
      action_id: APPROVAL_ACTION.revokeGrant,
      value: grant.id,
      style: 'danger',
      confirm: {
        title: { type: 'plain_text', text: 'Revoke this grant?' },
        text: {
          type: 'plain_text',
          text: clipLine(
            grant.rule
              ? `Calls of this session matching ${grant.rule} will need an approval again.`
              : 'This exact call will need an approval again.',
            300,
          ),
        },
        confirm: { type: 'plain_text', text: 'Revoke' },
        deny: { type: 'plain_text', text: 'Keep it' },
      },
    },
  }));
  const more = grants.length - max;
  if (more > 0)
    blocks.push(note(`…and ${more} more ${more === 1 ? 'grant' : 'grants'} not shown.`));
  return blocks;
}
