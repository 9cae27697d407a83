import type { webApi } from '@slack/bolt';
import { type ApprovalRecord, ApprovalStatus, type CardRef } from '../approvals/approval';
import type { ApprovalSurface } from '../approvals/ports';
import { grantIdOf } from '../gateway/grants';
import type { GrantStore } from '../gateway/ports';
import { approvalCard, approvalEscalation, approvalReminder } from './blocks/approval-card';
import { messageLink } from './blocks/approval-text';
import { SLACK_SURFACE, slackCard, slackCardOf } from './blocks/slack-card';

/** Approval cards and approvers' direct messages through the Web API: Slack as an approval surface. */
export class SlackApprovalSurface implements ApprovalSurface {
  readonly name = SLACK_SURFACE;

  /** @param grants - where the grant a session card's deciding click gave is found, to show it. */
  constructor(
    private readonly client: webApi.WebClient,
    private readonly grants?: Pick<GrantStore, 'get'>,
  ) {}

  /** The card as it stands: a session approval that was approved shows the grant it gave, if any. */
  private async cardOf(approval: ApprovalRecord) {
    const granted =
      approval.session !== undefined &&
      approval.status === ApprovalStatus.Approved &&
      this.grants !== undefined;
    const grant = granted ? await this.grants?.get(grantIdOf(approval.id)) : undefined;
    return approvalCard(approval, grant ? { grant } : {});
  }

  async postCard(approval: ApprovalRecord): Promise<CardRef> {
    const posted = await this.client.chat.postMessage({
      channel: approval.channel,
      ...(approval.threadTs ? { thread_ts: approval.threadTs } : {}),
      ...(await this.cardOf(approval)),
      unfurl_links: false,
    });
    if (!posted.ts || !posted.channel) throw new Error('chat.postMessage returned no ts');
    return { channel: posted.channel, ts: posted.ts };
  }

  async updateCard(approval: ApprovalRecord, ref: CardRef): Promise<void> {
    const card = slackCard(ref);
    if (card === undefined) return;
    await this.client.chat.update({
      channel: card.channel,
      ts: card.ts,
      ...(await this.cardOf(approval)),
    });
  }

  async tellPrivately(
    users: string[],
    approval: ApprovalRecord,
    what: 'reminder' | 'escalation',
  ): Promise<void> {
    const card = slackCardOf(approval);
    const link = card ? messageLink(card, approval.threadTs) : '';
    const message =
      what === 'reminder' ? approvalReminder(approval, link) : approvalEscalation(approval, link);
    for (const user of users) {
      const opened = await this.client.conversations.open({ users: user });
      const channel = opened.channel?.id;
      if (channel) await this.client.chat.postMessage({ channel, ...message });
    }
  }
}
