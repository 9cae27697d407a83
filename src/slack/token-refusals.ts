import type { webApi } from '@slack/bolt';
import type { Logger } from '../observability/logger';
import { header } from './redacting-fetch';

/** Slack's answers, to any Web API call, that mean the token itself is not (or no longer) good. */
export const TOKEN_REFUSALS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);

/** `SLACK_BOT_TOKEN was refused by Slack (invalid_auth)`: at start, in the log, in /readyz. */
export function tokenRefusedMessage(variable: string, error: string): string {
  return `${variable} was refused by Slack (${error})`;
}

export interface TokenRefusals {
  /** The fetch for every Web API client: it reads Slack's answers for a refused token. */
  fetch: webApi.FetchFunction;
  /** The readiness check: rejects, naming the variable, while Slack refuses one of the tokens. */
  check(): Promise<void>;
}

function bearer(headers: Record<string, string> | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '')?.[1];
}

/**
 * Watches the answers to calls made with `tokens` (variable name to value): the first refusal of
 * one is logged once and fails readiness, without stopping anything; an accepted call clears it.
 * Requests must carry their token in the Authorization header (the redacting fetch sees to it).
 */
export function watchTokenRefusals(
  tokens: Record<string, string | undefined>,
  log: Logger,
  fetch: (url: string | URL, init?: RequestInit) => Promise<Response> = globalThis.fetch,
): TokenRefusals {
  const variables = new Map<string, string>();
  for (const [variable, value] of Object.entries(tokens)) if (value) variables.set(value, variable);
  const refused = new Map<string, string>();
  const read = (variable: string, answer: unknown) => {
    if (typeof answer !== 'object' || answer === null) return;
    const { ok, error } = answer as { ok?: unknown; error?: unknown };
    if (ok === true) {
      if (refused.delete(variable)) log.info({ variable }, `${variable} accepted by Slack again`);
      return;
    }
    if (typeof error !== 'string' || !TOKEN_REFUSALS.has(error) || refused.has(variable)) return;
    refused.set(variable, error);
    log.error(
      { variable, error },
      `${tokenRefusedMessage(variable, error)}; /readyz fails until Slack accepts it again`,
    );
  };
  return {
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      const variable = variables.get(bearer(init?.headers) ?? '');
      if (variable !== undefined && response.headers.get('content-type')?.includes('json')) {
        // Read on the side: the caller gets the answer as it came, unread.
        void response
          .clone()
          .json()
          .then(
            (answer) => read(variable, answer),
            () => undefined,
          );
      }
      return response;
    },
    async check() {
      const [first] = refused;
      if (first) throw new Error(tokenRefusedMessage(...first));
    },
  };
}
