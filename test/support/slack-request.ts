import { createHmac } from 'node:crypto';

/** Slack's v0 request signature: `v0=` + HMAC-SHA256 of `v0:<timestamp>:<raw body>`. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedRequestOptions {
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Replaces the correct signature (to forge one). */
  signature?: string;
  /** Sends `X-Slack-Retry-Num`, as Slack does when it redelivers. */
  retryNum?: number;
  /** Signs with this secret instead of the app's. */
  secret?: string;
}

export interface SlackResponse {
  status: number;
  text: string;
  json: unknown;
  ms: number;
}

async function post(
  url: string,
  secret: string,
  body: string,
  options: SignedRequestOptions,
  contentType = 'application/x-www-form-urlencoded',
): Promise<SlackResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature':
      options.signature ?? slackSignature(options.secret ?? secret, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, ms };
}

export interface SlashCommand {
  text: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  trigger_id?: string;
  response_url: string;
  command?: string;
}

/** A slash command whose response_url the sender fills in (a harness, a socket fake). */
export type SlashCommandFields = Omit<SlashCommand, 'response_url'> & { response_url?: string };

let triggerCounter = 0;

/** A unique trigger id, shaped like Slack's. */
export function newTriggerId(): string {
  triggerCounter += 1;
  return `${Date.now()}.${process.pid}${triggerCounter}.${Math.random().toString(16).slice(2, 34)}`;
}

/** Sends a slash command as Slack does: form-encoded, signed. */
export function sendSlashCommand(
  url: string,
  secret: string,
  command: SlashCommand,
  options: SignedRequestOptions = {},
): Promise<SlackResponse> {
  const fields = {
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    team_domain: 'countersign-test',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: 'U0ADA',
    user_name: 'ada',
    command: '/countersign',
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    trigger_id: newTriggerId(),
    ...command,
  };
  return post(url, secret, new URLSearchParams(fields).toString(), options);
}

/** Sends an interactivity payload (`payload=<json>`), signed. */
export function sendInteraction(
  url: string,
  secret: string,
  payload: Record<string, unknown>,
  options: SignedRequestOptions = {},
): Promise<SlackResponse> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return post(url, secret, body, options);
}

let events = 0;

/**
 * Sends an Events API delivery as Slack does: the `event_callback` envelope around `event`, as
 * JSON, signed.
 */
export function sendEvent(
  url: string,
  secret: string,
  event: Record<string, unknown> & { type: string },
  options: SignedRequestOptions = {},
): Promise<SlackResponse> {
  events += 1;
  const now = Math.floor(Date.now() / 1000);
  const envelope = {
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0APP',
    event: { event_ts: `${now}.${String(events).padStart(6, '0')}`, ...event },
    type: 'event_callback',
    event_id: `Ev0${process.pid}${events}`,
    event_time: now,
    authorizations: [
      {
        enterprise_id: null,
        team_id: 'T0TEST',
        user_id: 'U0BOT',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
  return post(url, secret, JSON.stringify(envelope), options, 'application/json');
}
