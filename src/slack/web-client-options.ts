import type { webApi } from '@slack/bolt';
import type { Logger } from '../observability/logger';
import { boundedSlackFetch } from './bounded-slack-fetch';

export interface WebClientSettings {
  /** The service's redacting fetch. */
  fetch: webApi.FetchFunction;
  /** SLACK_API_URL: a test's fake Slack; Slack's own when unset. */
  apiUrl: string | undefined;
  log: Logger;
  /** How long one attempt may wait for Slack; a hung one is dropped and logged with its method and host. */
  timeoutMs: number;
}

/**
 * What every Web API client of the service shares (App's, the Socket Mode receiver's, the
 * notifiers' and the user-group lookups'): Slack's URL, the redacting fetch, a bounded attempt.
 */
export function webClientOptions(settings: WebClientSettings): webApi.WebClientOptions {
  const { fetch, apiUrl, log, timeoutMs } = settings;
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    fetch: boundedSlackFetch(fetch, { log, timeoutMs }),
    timeout: timeoutMs,
  };
}
