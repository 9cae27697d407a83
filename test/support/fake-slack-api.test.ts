import {
  ErrorCode,
  type Logger,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import { type FakeSlackApi, startFakeSlackApi } from './fake-slack-api';

const TOKEN = 'xoxb-test-token';
const plain = (text: string) => ({ type: 'plain_text' as const, text });
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const approveButtons = {
  type: 'actions',
  block_id: 'decision',
  elements: [
    { type: 'button', text: plain('Approve'), action_id: 'approve', style: 'primary' },
    { type: 'button', text: plain('Deny'), action_id: 'deny', style: 'danger' },
  ],
};

/** The WebClient logs every Slack error it gets; these tests provoke them on purpose. */
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
let client: WebClient;

/** A real WebClient pointed at the fake, without retries unless asked. */
function webClient(token: string | undefined, options: WebClientOptions = {}): WebClient {
  return new WebClient(token, {
    slackApiUrl: slack.url,
    retryConfig: { retries: 0 },
    logger: silentLogger,
    ...options,
  });
}

beforeAll(async () => {
  slack = await startFakeSlackApi();
});

afterAll(async () => {
  await slack.close();
});

beforeEach(() => {
  slack.reset();
  client = webClient(TOKEN);
});

/** The Slack error code a WebClient call failed with. */
async function slackError(call: Promise<unknown>): Promise<WebAPIPlatformError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError)) {
    throw new Error(`expected a Slack platform error, got ${String(error)}`);
  }
  return error;
}

describe('the fake Slack Web API', () => {
  it('serves the Web API under a base URL ending in /api/', () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('answers auth.test with the test workspace and bot identity', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({
      ok: true,
      team_id: 'T0TEST',
      user_id: 'U0BOT',
      bot_id: 'B0BOT',
      url: expect.stringMatching(/^https:\/\/.+\.slack\.com\/$/),
    });
  });

  it('posts a card, then updates it in place: buttons gone, decision shown', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C123',
      text: 'Approve deploy-api?',
      blocks: [section('Approve *deploy-api*?'), approveButtons],
    });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C123');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message?.blocks).toHaveLength(2);

    const updated = await client.chat.update({
      channel: 'C123',
      ts: posted.ts as string,
      text: 'Approved by <@U1>',
      blocks: [section('Approved by <@U1>')],
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C123', ts: posted.ts });

    const message = slack.message('C123', posted.ts as string);
    expect(message?.text).toBe('Approved by <@U1>');
    expect(message?.blocks).toEqual([section('Approved by <@U1>')]);
    expect(message?.edited?.user).toBe('U0BOT');
  });

  it('gives every message a unique, increasing ts', async () => {
    const timestamps: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const result = await client.chat.postMessage({ channel: 'C1', text: `m${i}` });
      timestamps.push(result.ts as string);
    }
    expect(new Set(timestamps).size).toBe(3);
    expect(timestamps.map(Number)).toEqual([...timestamps.map(Number)].sort((a, b) => a - b));
  });

  it('records each call with decoded arguments, blocks parsed, and the bearer token', async () => {
    await client.chat.postMessage({
      channel: 'C1',
      text: 'card',
      blocks: [approveButtons],
      thread_ts: '1700000000.000100',
    });
    const [call] = slack.callsTo('chat.postMessage');
    expect(call).toMatchObject({
      method: 'chat.postMessage',
      token: TOKEN,
      args: {
        channel: 'C1',
        text: 'card',
        blocks: [approveButtons],
        thread_ts: '1700000000.000100',
      },
      response: { status: 200, body: { ok: true } },
    });
    expect(call?.args).not.toHaveProperty('token');
    expect(call?.at).toBeInstanceOf(Date);
  });

  it('threads a reply under its parent message', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'run started' });
    const reply = await client.chat.postMessage({
      channel: 'C1',
      text: 'step 1 done',
      thread_ts: parent.ts as string,
    });
    expect(reply.message?.thread_ts).toBe(parent.ts);
  });

  it('answers a JSON-bodied call the same way as a form-encoded one', async () => {
    const response = await fetch(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ channel: 'C1', blocks: [section('json')] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C1' });
  });

  describe('answers errors the way Slack does', () => {
    it('unknown_method for a method it does not know', async () => {
      const error = await slackError(client.apiCall('chat.postMesage', { channel: 'C1' }));
      expect(error.data.error).toBe('unknown_method');
    });

    it('not_authed without a token', async () => {
      const anonymous = webClient(undefined);
      expect((await slackError(anonymous.auth.test())).data.error).toBe('not_authed');
    });

    it('invalid_auth for a token that is not a bot token', async () => {
      const user = webClient('xoxp-user');
      expect((await slackError(user.auth.test())).data.error).toBe('invalid_auth');
    });

    it('invalid_auth for a token outside the configured list', async () => {
      const strict = await startFakeSlackApi({ tokens: ['xoxb-only-this'] });
      try {
        const other = webClient(TOKEN, { slackApiUrl: strict.url });
        expect((await slackError(other.auth.test())).data.error).toBe('invalid_auth');
        const right = webClient('xoxb-only-this', { slackApiUrl: strict.url });
        await expect(right.auth.test()).resolves.toMatchObject({ ok: true });
      } finally {
        await strict.close();
      }
    });

    it('invalid_auth for a wrong token argument, read before a right Authorization header', async () => {
      // What the WebClient sends when a call passes `token`: the form field and the header.
      const call = (token: string) =>
        fetch(`${slack.url}auth.test`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TOKEN}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ token }).toString(),
        }).then((response) => response.json());
      expect(await call('[secret:SLACK_BOT_TOKEN]')).toEqual({ ok: false, error: 'invalid_auth' });
      expect(await call(TOKEN)).toMatchObject({ ok: true, user_id: 'U0BOT' });
      expect(slack.callsTo('auth.test').map((recorded) => recorded.token)).toEqual([
        '[secret:SLACK_BOT_TOKEN]',
        TOKEN,
      ]);
    });

    it('token_revoked for every call with a revoked token, until reset', async () => {
      await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
      slack.revokeToken(TOKEN);
      expect((await slackError(client.auth.test())).data.error).toBe('token_revoked');
      const post = client.chat.postMessage({ channel: 'C1', text: 'hi' });
      expect((await slackError(post)).data.error).toBe('token_revoked');
      await expect(webClient('xoxb-other').auth.test()).resolves.toMatchObject({ ok: true });
      slack.reset();
      await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    });

    it('channel_not_found when chat.postMessage has no channel', async () => {
      const error = await slackError(client.apiCall('chat.postMessage', { text: 'hi' }));
      expect(error.data.error).toBe('channel_not_found');
    });

    it('no_text when chat.postMessage has neither text nor blocks', async () => {
      const error = await slackError(client.apiCall('chat.postMessage', { channel: 'C1' }));
      expect(error.data.error).toBe('no_text');
    });

    it('msg_too_long for text over 40000 characters', async () => {
      const error = await slackError(
        client.chat.postMessage({ channel: 'C1', text: 'x'.repeat(40_001) }),
      );
      expect(error.data.error).toBe('msg_too_long');
    });

    it('not_in_channel for a channel the bot was removed from', async () => {
      slack.removeBotFromChannel('C9');
      const error = await slackError(client.chat.postMessage({ channel: 'C9', text: 'hi' }));
      expect(error.data.error).toBe('not_in_channel');
    });

    it('message_not_found when chat.update names a ts that was never posted', async () => {
      const error = await slackError(
        client.chat.update({ channel: 'C1', ts: '1700000000.999999', text: 'x' }),
      );
      expect(error.data.error).toBe('message_not_found');
    });

    it('invalid_blocks naming the problem and its JSON pointer', async () => {
      const error = await slackError(
        client.chat.postMessage({
          channel: 'C1',
          text: 'long',
          blocks: [section('x'.repeat(3001))],
        }),
      );
      expect(error.data.error).toBe('invalid_blocks');
      expect(error.data.response_metadata?.messages).toEqual([
        '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
      ]);
    });

    it('invalid_blocks on chat.update too, leaving the message unchanged', async () => {
      const posted = await client.chat.postMessage({ channel: 'C1', text: 'v1' });
      const error = await slackError(
        client.apiCall('chat.update', {
          channel: 'C1',
          ts: posted.ts,
          text: 'v2',
          blocks: [{ type: 'header', text: plain('h'.repeat(151)) }],
        }),
      );
      expect(error.data.error).toBe('invalid_blocks');
      expect(slack.message('C1', posted.ts as string)?.text).toBe('v1');
    });
  });

  describe('Block Kit limits through chat.postMessage', () => {
    const divider = { type: 'divider' };
    const button = (actionId: string, extra: Record<string, unknown> = {}) => ({
      type: 'button',
      text: plain('Go'),
      action_id: actionId,
      ...extra,
    });
    it.each<[string, string, unknown[]]>([
      ['more than 50 blocks', '/blocks', Array(51).fill(divider)],
      ['section text over 3000', '/blocks/0/text/text', [section('x'.repeat(3001))]],
      [
        'header text over 150',
        '/blocks/0/text/text',
        [{ type: 'header', text: plain('x'.repeat(151)) }],
      ],
      [
        'button text over 75',
        '/blocks/0/elements/0/text/text',
        [{ type: 'actions', elements: [button('a', { text: plain('x'.repeat(76)) })] }],
      ],
      [
        'button value over 2000',
        '/blocks/0/elements/0/value',
        [{ type: 'actions', elements: [button('a', { value: 'x'.repeat(2001) })] }],
      ],
      [
        'action_id over 255',
        '/blocks/0/elements/0/action_id',
        [{ type: 'actions', elements: [button('x'.repeat(256))] }],
      ],
      ['block_id over 255', '/blocks/0/block_id', [{ ...section('x'), block_id: 'x'.repeat(256) }]],
      [
        'a duplicate block_id',
        '/blocks/1/block_id',
        [
          { ...divider, block_id: 'same' },
          { ...divider, block_id: 'same' },
        ],
      ],
      [
        'a duplicate action_id in one actions block',
        '/blocks/0/elements/1/action_id',
        [{ type: 'actions', elements: [button('same'), button('same')] }],
      ],
      [
        'an actions block with 26 elements',
        '/blocks/0/elements',
        [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(`b${i}`)) }],
      ],
      [
        'a context block with 11 elements',
        '/blocks/0/elements',
        [{ type: 'context', elements: Array(11).fill({ type: 'mrkdwn', text: 'c' }) }],
      ],
      ['an unknown block type', '/blocks/0/type', [{ type: 'carousel_deluxe' }]],
      [
        'a button without text',
        '/blocks/0/elements/0',
        [{ type: 'actions', elements: [{ type: 'button' }] }],
      ],
    ])('rejects %s with invalid_blocks at %s', async (_name, pointer, blocks) => {
      const error = await slackError(
        client.apiCall('chat.postMessage', { channel: 'C1', text: 't', blocks }),
      );
      expect(error.data.error).toBe('invalid_blocks');
      expect(error.data.response_metadata?.messages).toContainEqual(
        expect.stringMatching(
          new RegExp(`^\\[ERROR\\] .+ \\[json-pointer:${pointer.replace(/\//g, '\\/')}\\]$`),
        ),
      );
    });
  });

  describe('fault injection', () => {
    it('answers 429 with Retry-After, thrown by the WebClient as a rate-limit error', async () => {
      slack.failNext('chat.postMessage', { error: 'ratelimited', retryAfter: 2 });
      const rejecting = webClient(TOKEN, { rejectRateLimitedCalls: true });
      const error = await rejecting.chat.postMessage({ channel: 'C1', text: 'hi' }).catch((e) => e);
      expect(error).toBeInstanceOf(WebAPIRateLimitedError);
      expect(error.code).toBe(ErrorCode.RateLimitedError);
      expect(error.retryAfter).toBe(2);
      expect(slack.callsTo('chat.postMessage')[0]?.response.status).toBe(429);
    });

    it('lets the call through once the injected failures are used up', async () => {
      slack.failNext('chat.postMessage', { error: 'fatal_error' }, 2);
      for (let i = 0; i < 2; i += 1) {
        const error = await slackError(client.chat.postMessage({ channel: 'C1', text: 'hi' }));
        expect(error.data.error).toBe('fatal_error');
      }
      await expect(client.chat.postMessage({ channel: 'C1', text: 'hi' })).resolves.toMatchObject({
        ok: true,
      });
    });

    it('answers an HTTP 5xx, seen by the WebClient as an HTTP error', async () => {
      slack.failNext('chat.update', { status: 503 });
      const error = await client.chat
        .update({ channel: 'C1', ts: '1.2', text: 'x' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebAPIHTTPError);
      expect((error as WebAPIHTTPError).statusCode).toBe(503);
    });

    it('a WebClient that retries rides out a 500 and a rate limit', async () => {
      slack.failNext('auth.test', { status: 500 });
      slack.failNext('auth.test', { retryAfter: 0 });
      const retrying = webClient(TOKEN, {
        retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 10 },
      });
      await expect(retrying.auth.test()).resolves.toMatchObject({ ok: true });
      expect(slack.callsTo('auth.test').map((c) => c.response.status)).toEqual([500, 429, 200]);
    });

    it('hangs: holds Web API calls unanswered (a WebClient timeout gives up) until stopHanging', async () => {
      slack.hang();
      const error = await webClient(TOKEN, { timeout: 200 })
        .auth.test()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.RequestError });
      expect(slack.hung.map((call) => call.method)).toEqual(['auth.test']);
      expect(slack.callsTo('auth.test')).toHaveLength(0);
      // Response URLs still answer, unless told to hang too.
      const url = slack.responseUrl('r1');
      const answered = await fetch(url, { method: 'POST', body: JSON.stringify({ text: 'hi' }) });
      expect(answered.status).toBe(200);
      slack.hang('all');
      const held = await fetch(url, {
        method: 'POST',
        body: JSON.stringify({ text: 'hi' }),
        signal: AbortSignal.timeout(200),
      }).catch((e: unknown) => e);
      expect(held).toMatchObject({ name: 'TimeoutError' });

      slack.stopHanging();
      await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    });
  });

  describe('waitForCall', () => {
    it('resolves with a call made after it started waiting', async () => {
      const waiting = slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C7');
      await client.chat.postMessage({ channel: 'C1', text: 'elsewhere' });
      await client.chat.postMessage({ channel: 'C7', text: 'here' });
      await expect(waiting).resolves.toMatchObject({ args: { channel: 'C7', text: 'here' } });
    });

    it('resolves at once with a matching call already received', async () => {
      await client.chat.postMessage({ channel: 'C1', text: 'early' });
      await expect(slack.waitForCall('chat.postMessage')).resolves.toMatchObject({
        args: { text: 'early' },
      });
    });

    it('rejects after the timeout, listing the calls it saw', async () => {
      await client.chat.postMessage({ channel: 'C1', text: 'hi' });
      await expect(slack.waitForCall('chat.update', undefined, 50)).rejects.toThrow(
        /no chat\.update call within 50 ms; calls seen: chat\.postMessage\(channel=C1\)/,
      );
    });
  });

  describe('other methods', () => {
    it('posts an ephemeral message and answers its message_ts', async () => {
      const result = await client.chat.postEphemeral({
        channel: 'C1',
        user: 'U1',
        text: 'only you',
      });
      expect(result.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    });

    it('opens a modal for a trigger_id once, and says so on reuse', async () => {
      const view = {
        type: 'modal' as const,
        callback_id: 'deny-reason',
        title: plain('Deny'),
        submit: plain('Deny'),
        blocks: [
          {
            type: 'input' as const,
            label: plain('Reason'),
            element: { type: 'plain_text_input' as const, action_id: 'reason' },
          },
        ],
      };
      const opened = await client.views.open({ trigger_id: '123.456.abc', view });
      expect(opened.view).toMatchObject({
        id: expect.stringMatching(/^V/),
        callback_id: 'deny-reason',
      });
      const error = await slackError(client.views.open({ trigger_id: '123.456.abc', view }));
      expect(error.data.error).toBe('exchanged_trigger_id');
    });

    it('rejects views.open without a trigger_id as invalid_arguments', async () => {
      const error = await slackError(
        client.apiCall('views.open', { view: { type: 'modal', title: plain('x'), blocks: [] } }),
      );
      expect(error.data.error).toBe('invalid_arguments');
    });

    it('rejects a modal title over 24 characters as invalid_arguments', async () => {
      const error = await slackError(
        client.apiCall('views.open', {
          trigger_id: '1.2.3',
          view: { type: 'modal', title: plain('x'.repeat(25)), blocks: [] },
        }),
      );
      expect(error.data.error).toBe('invalid_arguments');
      expect(error.data.response_metadata?.messages).toEqual([
        '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]',
      ]);
    });

    it('publishes a Home tab per user, keeping its view id, and keeps the latest', async () => {
      const first = await client.views.publish({
        user_id: 'U0ADA',
        view: { type: 'home', blocks: [section('first')] },
      });
      expect(first.view).toMatchObject({ id: expect.stringMatching(/^V/), type: 'home' });
      const second = await client.views.publish({
        user_id: 'U0ADA',
        view: { type: 'home', blocks: [section('second')] },
      });
      expect(second.view?.id).toBe(first.view?.id);
      expect(slack.homeView('U0ADA')?.blocks).toEqual([section('second')]);
      expect(slack.homeView('U0BOB')).toBeUndefined();
      const stale = await slackError(
        client.views.publish({
          user_id: 'U0ADA',
          hash: String(first.view?.hash),
          view: { type: 'home', blocks: [section('third')] },
        }),
      );
      expect(stale.data.error).toBe('hash_conflict');
    });

    it('refuses views.publish without a user_id, of a modal, or over 100 blocks', async () => {
      const home = { type: 'home', blocks: [section('x')] };
      const noUser = await slackError(client.apiCall('views.publish', { view: home }));
      expect(noUser.data.error).toBe('invalid_arguments');
      const modal = await slackError(
        client.apiCall('views.publish', {
          user_id: 'U0ADA',
          view: { type: 'modal', title: plain('x'), blocks: [] },
        }),
      );
      expect(modal.data.response_metadata?.messages).toEqual([
        '[ERROR] must be one of: home [json-pointer:/view/type]',
      ]);
      const many = await slackError(
        client.apiCall('views.publish', {
          user_id: 'U0ADA',
          view: { type: 'home', blocks: Array.from({ length: 101 }, () => section('x')) },
        }),
      );
      expect(many.data.error).toBe('invalid_arguments');
      expect(slack.homeView('U0ADA')).toBeUndefined();
    });

    it('opens a DM channel for a user', async () => {
      const result = await client.conversations.open({ users: 'U1' });
      expect(result.channel?.id).toMatch(/^D/);
    });

    it('lists a usergroup’s members, and no_such_subteam for an unknown one', async () => {
      slack.setUsergroup('S1', ['U1', 'U2']);
      await expect(client.usergroups.users.list({ usergroup: 'S1' })).resolves.toMatchObject({
        users: ['U1', 'U2'],
      });
      const error = await slackError(client.usergroups.users.list({ usergroup: 'S404' }));
      expect(error.data.error).toBe('no_such_subteam');
    });

    it('answers users.info for a configured user, and user_not_found otherwise', async () => {
      slack.setUser({ id: 'U1', name: 'alice', real_name: 'Alice Liddell' });
      const result = await client.users.info({ user: 'U1' });
      expect(result.user).toMatchObject({ id: 'U1', name: 'alice', real_name: 'Alice Liddell' });
      const error = await slackError(client.users.info({ user: 'U404' }));
      expect(error.data.error).toBe('user_not_found');
    });

    it('lets a test replace a method’s answer', async () => {
      slack.setHandler('conversations.info', (args) => ({
        ok: true,
        channel: { id: args.channel, is_member: true },
      }));
      await expect(client.conversations.info({ channel: 'C1' })).resolves.toMatchObject({
        channel: { id: 'C1', is_member: true },
      });
    });
  });

  describe('response_url', () => {
    it('records a POSTed response as a response_url call', async () => {
      const url = slack.responseUrl('cmd-1');
      expect(url.startsWith(slack.baseUrl)).toBe(true);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', text: 'Run r-1 started' }),
      });
      expect(response.status).toBe(200);
      const call = await slack.waitForCall('response_url');
      expect(call).toMatchObject({
        path: '/response/cmd-1',
        args: { response_type: 'ephemeral', text: 'Run r-1 started' },
      });
    });

    it('replaces the original message when bound to it', async () => {
      const posted = await client.chat.postMessage({
        channel: 'C1',
        text: 'card',
        blocks: [approveButtons],
      });
      const url = slack.responseUrl('action-1', { channel: 'C1', ts: posted.ts as string });
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ replace_original: true, text: 'Denied by <@U2>' }),
      });
      const message = slack.message('C1', posted.ts as string);
      expect(message?.text).toBe('Denied by <@U2>');
      expect(message?.blocks).toBeUndefined();
    });

    it('rejects invalid blocks with HTTP 400', async () => {
      const response = await fetch(slack.responseUrl('cmd-2'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 't', blocks: [{ type: 'nope' }] }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
    });
  });
});
