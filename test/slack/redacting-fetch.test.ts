import { type Logger, LogLevel, WebClient } from '@slack/web-api';
import { Redactor } from '../../src/shared/redactor';
import { redactingFetch } from '../../src/slack/redacting-fetch';
import { type FakeSlackApi, startFakeSlackApi } from '../support/fake-slack-api';

const SECRET = 'gh0-personal/token+2026 beta';
const FORMS = [
  SECRET,
  encodeURIComponent(SECRET),
  new URLSearchParams({ v: SECRET }).toString().slice(2),
  Buffer.from(SECRET).toString('base64'),
  Buffer.from(SECRET).toString('base64url'),
];

const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

let slack: FakeSlackApi;
let redactor: Redactor;

beforeAll(async () => {
  slack = await startFakeSlackApi();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
  redactor = new Redactor();
  redactor.add('GITHUB_TOKEN', SECRET);
});

/** The service's WebClient: real, pointed at the fake Slack, sending through the redacting fetch. */
const client = () =>
  new WebClient('xoxb-test-token', {
    slackApiUrl: slack.url,
    retryConfig: { retries: 0 },
    logger: silentLogger,
    fetch: redactingFetch(redactor),
  });

function expectNoSecret(recorded: unknown): void {
  const text = JSON.stringify(recorded);
  for (const form of FORMS) expect(text).not.toContain(form);
}

describe('messages sent to Slack', () => {
  it('show a secret in text and blocks as its name, in every encoded form', async () => {
    const basic = Buffer.from(`bot:${SECRET}`).toString('base64');
    await client().chat.postMessage({
      channel: 'C0OPS',
      text: `token ${SECRET} leaked`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `url: https://x.example/?t=${encodeURIComponent(SECRET)}\nauth: Basic ${basic}`,
          },
        },
        {
          type: 'context',
          elements: [{ type: 'plain_text', text: Buffer.from(SECRET).toString('base64url') }],
        },
      ],
    });
    const [call] = slack.callsTo('chat.postMessage');
    expect(call?.response.body).toMatchObject({ ok: true });
    expect(call?.args.text).toBe('token [secret:GITHUB_TOKEN] leaked');
    const blocks = JSON.stringify(call?.args.blocks);
    expect(blocks).toContain('https://x.example/?t=[secret:GITHUB_TOKEN]');
    expect(blocks).toContain('auth: Basic ');
    expect(blocks.match(/\[secret:GITHUB_TOKEN\]/g)).toHaveLength(3);
    expectNoSecret(call?.args);
  });

  it('scrub a card updated in place, and leave messages without a secret as they were', async () => {
    const web = client();
    const posted = await web.chat.postMessage({ channel: 'C0OPS', text: 'nothing secret here' });
    await web.chat.update({ channel: 'C0OPS', ts: posted.ts as string, text: `now ${SECRET}` });
    const message = slack.message('C0OPS', posted.ts as string);
    expect(message?.text).toBe('now [secret:GITHUB_TOKEN]');
    expect(slack.callsTo('chat.postMessage')[0]?.args.text).toBe('nothing secret here');
  });

  it('scrub the JSON body of a response_url answer (what Bolt respond() sends)', async () => {
    const url = slack.responseUrl('cmd-1');
    const response = await redactingFetch(redactor)(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: `your token: ${SECRET}` }),
    });
    expect(response.status).toBe(200);
    const [call] = slack.callsTo('response_url');
    expect(call?.args.text).toBe('your token: [secret:GITHUB_TOKEN]');
    expectNoSecret(call?.args);
  });
});

describe('the token Slack authenticates a call with', () => {
  const BOT_TOKEN = 'xoxb-test-token';
  /** What left the redacting fetch, on its way to the fake Slack. */
  let sent: { headers: Record<string, string>; body: unknown }[];
  const recordingClient = () =>
    new WebClient(BOT_TOKEN, {
      slackApiUrl: slack.url,
      retryConfig: { retries: 0 },
      logger: silentLogger,
      fetch: redactingFetch(redactor, (url, init) => {
        sent.push({ headers: { ...init?.headers }, body: init?.body });
        return fetch(url, init);
      }),
    });
  beforeEach(() => {
    sent = [];
    redactor.add('SLACK_BOT_TOKEN', BOT_TOKEN);
  });

  it('reaches Slack as it is when a call passes it, as Bolt’s auth.test does, never scrubbed', async () => {
    await expect(recordingClient().auth.test({ token: BOT_TOKEN })).resolves.toMatchObject({
      ok: true,
    });
    const [call] = slack.callsTo('auth.test');
    expect(call?.token).toBe(BOT_TOKEN);
    // Only the header carries it: the body has no `token` field, placeholder or not.
    expect(sent[0]?.headers.Authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(new URLSearchParams(String(sent[0]?.body)).has('token')).toBe(false);
  });

  it('moves a token sent only in the body into the Authorization header', async () => {
    const response = await redactingFetch(redactor)(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: BOT_TOKEN, channel: 'C0OPS', text: 'hi' }).toString(),
    });
    expect(await response.json()).toMatchObject({ ok: true });
    expect(slack.callsTo('chat.postMessage')[0]?.token).toBe(BOT_TOKEN);
  });

  it('is still scrubbed, with every other secret, from what a message says', async () => {
    await recordingClient().chat.postMessage({
      token: BOT_TOKEN,
      channel: 'C0OPS',
      text: `bot ${BOT_TOKEN}, github ${SECRET}`,
    });
    const [call] = slack.callsTo('chat.postMessage');
    expect(call?.token).toBe(BOT_TOKEN);
    expect(call?.args.text).toBe('bot [secret:SLACK_BOT_TOKEN], github [secret:GITHUB_TOKEN]');
  });
});
