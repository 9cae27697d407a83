import { type ApprovalRecord, type CardRef, cardOn, FIRST_SURFACE } from '../../approvals/approval';

/** Where a message (a card) is in Slack. */
export interface SlackCard {
  channel: string;
  ts: string;
}

/** Slack's name among approval surfaces, in `ApprovalRecord.cards`: the first, whose card records of schema version 1 hold. */
export const SLACK_SURFACE = FIRST_SURFACE;

/** The approval's card in Slack, if Slack posted one. */
export function slackCardOf(
  approval: Pick<ApprovalRecord, 'cards' | 'card'>,
): SlackCard | undefined {
  return slackCard(cardOn(approval, SLACK_SURFACE));
}

/** A Slack card from a stored card's ref; undefined unless it names a channel and a ts. */
export function slackCard(ref: CardRef | undefined): SlackCard | undefined {
  const { channel, ts } = ref ?? {};
  return channel && ts ? { channel, ts } : undefined;
}
