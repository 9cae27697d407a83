/**
 * "Approve for this session, N min" on a session's card: the buttons, what they cover, and the
 * grant the deciding click gave, once it did.
 */
import type { types } from '@slack/bolt';
import type { ApprovalRecord } from '../../approvals/approval';
import { grantCovers } from '../../gateway/grants';
import type { Grant } from '../../gateway/ports';
import { APPROVAL_ACTION, grantValue } from './approval-value';
import { clipLine, escapeMrkdwn, inlineCode, slackDate, userMention } from './mrkdwn';

/** The block above the buttons that says what a grant covers. */
export const GRANT_OFFER_BLOCK = 'approval_grant';

/** The shorter grant a card offers beside the longest the workflow allows. */
const SHORT_GRANT_MS = 15 * 60_000;

/** `15 min`, `2 h`, `90 s`: a grant's length on its button. */
export function grantLength(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** The grants a card offers: 15 minutes and the longest allowed, or one button when they are the same. */
export function offeredGrants(approval: Pick<ApprovalRecord, 'session'>): number[] {
  const max = approval.session?.grantMaxMs;
  if (max === undefined || max <= 0) return [];
  return max > SHORT_GRANT_MS ? [SHORT_GRANT_MS, max] : [max];
}

/** What a grant of this card covers, in the card's words: the rule it showed, or the exact call. */
function coversText(approval: ApprovalRecord): string {
  const covers = grantCovers(approval);
  return approval.session?.rule
    ? `later calls of this session that match ${inlineCode(clipLine(covers, 200))}`
    : 'this exact call, if this session asks it again';
}

/** Above the buttons: what "Approve for this session" would also allow, and for how long. */
export function grantOfferBlocks(approval: ApprovalRecord): types.SectionBlock[] {
  if (approval.kind === 'outcome_unknown' || offeredGrants(approval).length === 0) return [];
  return [
    section(
      `*Approve for this session* also allows, without asking, ${coversText(approval)}, until the grant ends or is revoked (App Home). It counts as your approval; the grant is given only if your click decides.`,
    ),
  ];
}

/** One button per grant offered, each confirming what it covers and for how long. */
export function grantButtons(approval: ApprovalRecord): types.Button[] {
  const ids = [APPROVAL_ACTION.grantShort, APPROVAL_ACTION.grantLong];
  const covers = grantCovers(approval);
  return offeredGrants(approval).map((ms, n) => ({
    ...button(
      `Approve for this session, ${grantLength(ms)}`,
      ids[n] ?? APPROVAL_ACTION.grantLong,
      grantValue(approval, ms),
    ),
    confirm: {
      title: { type: 'plain_text', text: `Grant for ${grantLength(ms)}?` },
      text: {
        type: 'plain_text',
        text: clipLine(
          approval.session?.rule
            ? `Approves this call, and for ${grantLength(ms)} lets this session run calls matching ${covers} without asking.`
            : `Approves this call, and for ${grantLength(ms)} lets this session run this exact call again without asking.`,
          300,
        ),
      },
      confirm: { type: 'plain_text', text: 'Approve and grant' },
      deny: { type: 'plain_text', text: 'Back' },
    },
  }));
}

/** `granted `Bash(npm test:*)` for this session until 14:05 by @lead`, or that it was revoked. */
export function grantLine(grant: Grant): string {
  const covers = grant.rule ? inlineCode(clipLine(grant.covers, 200)) : escapeMrkdwn(grant.covers);
  const line = `:stopwatch: *Granted* ${covers} for this session until ${slackDate(grant.expiresAt)} by ${userMention(grant.grantedBy)}`;
  if (grant.revokedAt === undefined) return line;
  const by = grant.revokedBy ? ` by ${userMention(grant.revokedBy)}` : '';
  return `${line}; *revoked*${by} ${slackDate(grant.revokedAt)}`;
}

function section(text: string): types.SectionBlock {
  return { type: 'section', block_id: GRANT_OFFER_BLOCK, text: { type: 'mrkdwn', text } };
}

function button(text: string, actionId: string, value: string): types.Button {
  return { type: 'button', text: { type: 'plain_text', text }, action_id: actionId, value };
}
