import type { webApi } from '@slack/bolt';
import type { ApprovalRecord, CardRef } from '../approvals/approval';
import type { ApprovalNotifier } from '../approvals/ports';
import { approvalCard, approvalEscalation, approvalReminder } from './blocks/approval-card';
import { messageLink } from './blocks/approval-text';

/** Approval cards and approvers' direct messages through the Web API. */
export class SlackApprovalNotifier implements ApprovalNotifier {
  constructor(private readonly client: webApi.WebClient) {}

  async postCard(approval: ApprovalRecord): Promise<CardRef> {
    const posted = await this.client.chat.postMessage({
      channel: approval.channel,
      ...(approval.threadTs ? { thread_ts: approval.threadTs } : {}),
      ...approvalCard(approval),
      unfurl_links: false,
    });
    if (!posted.ts || !posted.channel) throw new Error('chat.postMessage returned no ts');
    return { channel: posted.channel, ts: posted.ts };
  }

  async updateCard(approval: ApprovalRecord): Promise<void> {
    if (approval.card === undefined) return;
    await this.client.chat.update({
      channel: approval.card.channel,
      ts: approval.card.ts,
      ...approvalCard(approval),
    });
  }

  async tellPrivately(
    users: string[],
    approval: ApprovalRecord,
    what: 'reminder' | 'escalation',
  ): Promise<void> {
    const link = approval.card ? messageLink(approval.card, approval.threadTs) : '';
    const message =
      what === 'reminder' ? approvalReminder(approval, link) : approvalEscalation(approval, link);
    for (const user of users) {
      const opened = await this.client.conversations.open({ users: user });
      const channel = opened.channel?.id;
      if (channel) await this.client.chat.postMessage({ channel, ...message });
    }
  }
}
