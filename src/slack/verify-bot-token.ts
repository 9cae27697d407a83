import { webApi } from '@slack/bolt';
import { ConfigError } from '../config';
import { slackError } from './slack-error';
import { tokenRefusedMessage } from './token-refusals';

/** Who the bot token belongs to, as auth.test answers: Bolt needs both to skip its own call. */
export interface BotIdentity {
  botId: string;
  botUserId: string;
}

export interface VerifyBotTokenOptions {
  token: string;
  /** The Web API base, SLACK_API_URL; named in the error when it does not answer. */
  apiUrl: string;
  fetch: webApi.FetchFunction;
  logger: webApi.Logger;
  /**
   * How long one attempt may take.
   * @defaultValue 10_000
   */
  timeoutMs?: number;
  /**
   * Attempts after the first, 1 s then 2 s apart: a blip at start is ridden out, an outage is not.
   * @defaultValue 2
   */
  retries?: number;
}

/** Why a request got no answer: fetch's own "fetch failed" hides the reason in its cause. */
function reason(error: unknown): string {
  let cause: unknown = error;
  const seen = new Set<unknown>();
  while (cause instanceof Error && !seen.has(cause)) {
    seen.add(cause);
    const next = (cause as { original?: unknown }).original ?? cause.cause;
    if (!(next instanceof Error)) break;
    cause = next;
  }
  if (cause instanceof webApi.WebAPIHTTPError) return `HTTP ${cause.statusCode}`;
  const { message, code } = cause as { message?: string; code?: string };
  return message || code || String(cause);
}

/**
 * Asks Slack who the bot token belongs to (auth.test), before anything else starts. A token Slack
 * refuses, or a Slack API that does not answer, is a ConfigError: one line, and no start.
 */
export async function verifyBotToken(options: VerifyBotTokenOptions): Promise<BotIdentity> {
  const client = new webApi.WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    fetch: options.fetch,
    logger: options.logger,
    timeout: options.timeoutMs ?? 10_000,
    retryConfig: { retries: options.retries ?? 2, factor: 2, minTimeout: 1_000, maxTimeout: 2_000 },
  });
  let answer: Awaited<ReturnType<typeof client.auth.test>>;
  try {
    answer = await client.auth.test();
  } catch (error) {
    const refusal = slackError(error);
    if (refusal !== undefined)
      throw new ConfigError(tokenRefusedMessage('SLACK_BOT_TOKEN', refusal));
    throw new ConfigError(
      `the Slack API at ${options.apiUrl} did not answer (${reason(error)}); ` +
        'check SLACK_API_URL and the network',
    );
  }
  if (!answer.bot_id || !answer.user_id) {
    throw new ConfigError('SLACK_BOT_TOKEN is not a bot token: auth.test names no bot');
  }
  return { botId: answer.bot_id, botUserId: answer.user_id };
}
