import type { webApi } from '@slack/bolt';
import type { Logger } from '../observability/logger';

type FetchFunction = webApi.FetchFunction;

export interface BoundedSlackFetchOptions {
  log: Logger;
  /**
   * How long a request may wait for Slack when it brings no deadline of its own, as Bolt's
   * `respond()` does not; a WebClient brings its `timeout` as the request's signal.
   */
  timeoutMs: number;
}

/** Where a request went, fit for a log: the Web API method (or `response_url`) and the host. */
export function slackRequestTarget(url: string | URL): { method: string; host: string } {
  const parsed = new URL(url);
  // A response URL's path is a credential (whoever has it may post), so only the API's is named.
  const api = /\/api\/([\w.]+)$/.exec(parsed.pathname);
  return { method: api?.[1] ?? 'response_url', host: parsed.host };
}

/** Why a request failed, in a few words: fetch's own "fetch failed" hides it in its cause. */
function failure(error: unknown): string {
  const { name, message, cause } = (error ?? {}) as Partial<Error> & { cause?: unknown };
  if (name === 'TimeoutError') return 'no answer in time';
  const inner = (cause ?? {}) as { code?: string; message?: string };
  return inner.code ?? inner.message ?? message ?? String(error);
}

/**
 * A fetch for every request to Slack (the Web API clients, and Bolt's `respond()` to response
 * URLs): a request without a deadline gets one, and each failed request (no answer, a refused
 * connection, an HTTP 5xx) is logged naming its method and host; never its path, body or headers.
 */
export function boundedSlackFetch(
  fetch: FetchFunction,
  { log, timeoutMs }: BoundedSlackFetchOptions,
): FetchFunction {
  return async (url, init) => {
    const signal = init?.signal ?? AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(url, { ...init, signal });
      if (response.status >= 500) {
        const { method, host } = slackRequestTarget(url);
        log.warn(
          { method, host, status: response.status },
          `Slack answered ${method} at ${host} with HTTP ${response.status}`,
        );
      }
      return response;
    } catch (error) {
      const { method, host } = slackRequestTarget(url);
      const reason = failure(error);
      log.warn({ method, host, reason }, `Slack request ${method} at ${host} failed: ${reason}`);
      throw error;
    }
  };
}
