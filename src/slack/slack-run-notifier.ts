import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { ChannelUnavailableError, type RunNotifier } from '../runs/ports';
import type { RunRecord, StepRecord, ThreadRef } from '../runs/run';
import {
  privateOutcome,
  runFinishedMessage,
  runHeadline,
  stepOutcomeMessage,
} from './blocks/run-messages';
import { slackError } from './slack-error';

// Slack errors that mean the bot cannot use the channel at all; retrying changes nothing.
const CHANNEL_REFUSALS = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'restricted_action',
  'restricted_action_read_only_channel',
]);

/** Posts a run's progress to Slack through the Web API: a headline message and its thread. */
export class SlackRunNotifier implements RunNotifier {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
  ) {}

  async postRunStarted(run: RunRecord): Promise<ThreadRef> {
    try {
      const posted = await this.client.chat.postMessage({
        channel: run.requester.channelId,
        ...runHeadline(run),
        unfurl_links: false,
      });
      if (!posted.ts || !posted.channel) throw new Error('chat.postMessage returned no ts');
      return { channel: posted.channel, ts: posted.ts };
    } catch (error) {
      const code = slackError(error);
      if (code && CHANNEL_REFUSALS.has(code)) throw new ChannelUnavailableError(code);
      throw error;
    }
  }

  async postStepOutcome(run: RunRecord, thread: ThreadRef, step: StepRecord): Promise<void> {
    await this.client.chat.postMessage({
      channel: thread.channel,
      thread_ts: thread.ts,
      ...stepOutcomeMessage(run, step),
    });
  }

  async postRunFinished(run: RunRecord): Promise<void> {
    const thread = run.thread;
    if (thread === undefined) {
      // The started message was never posted (e.g. the bot is not in the channel).
      await this.tellRequester(run, privateOutcome(run));
      return;
    }
    // Headline first: updating it again on a retry is harmless, a second thread reply is not.
    await this.client.chat.update({ channel: thread.channel, ts: thread.ts, ...runHeadline(run) });
    await this.client.chat.postMessage({
      channel: thread.channel,
      thread_ts: thread.ts,
      ...runFinishedMessage(run),
    });
  }

  /** Through the command's response_url: private to the requester, needs no channel membership. */
  private async tellRequester(run: RunRecord, text: string): Promise<void> {
    if (!run.responseUrl) {
      this.log.warn({ runId: run.id }, 'no response_url to reach the requester');
      return;
    }
    // response_url accepts 5 posts within 30 minutes of the command; past that Slack refuses.
    const response = await fetch(run.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      // Expired or used up: nothing else can reach the requester, and retrying will not help.
      this.log.warn({ runId: run.id, status: response.status }, 'response_url refused the outcome');
    }
  }
}
