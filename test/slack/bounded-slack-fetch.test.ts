import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { listen } from '../../src/http/routes';
import { boltLogger, createLogger } from '../../src/observability/logger';
import { boundedSlackFetch } from '../../src/slack/bounded-slack-fetch';
import { type FakeSlackApi, startFakeSlackApi } from '../support/fake-slack-api';

let slack: FakeSlackApi;
let logs: Record<string, unknown>[];
let log: ReturnType<typeof createLogger>;

beforeAll(async () => {
  slack = await startFakeSlackApi();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
  logs = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  log = createLogger('info', sink);
});

/** A loopback port nothing listens on any more. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0, '127.0.0.1');
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const host = () => new URL(slack.url).host;

describe('the fetch every request to Slack goes through', () => {
  it('gives a request with no deadline of its own (a response URL) one, and logs it by host only', async () => {
    slack.hang('all');
    const fetch = boundedSlackFetch(globalThis.fetch, { log, timeoutMs: 200 });
    const url = slack.responseUrl('secret-part-of-the-url');

    const error = await fetch(url, { method: 'POST', body: '{"text":"hi"}' }).catch((e) => e);

    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(logs).toEqual([
      expect.objectContaining({
        level: 40,
        method: 'response_url',
        host: host(),
        reason: 'no answer in time',
        msg: `Slack request response_url at ${host()} failed: no answer in time`,
      }),
    ]);
    expect(JSON.stringify(logs)).not.toContain('secret-part-of-the-url');
  });

  it('keeps a WebClient’s own timeout, and names the Web API method that did not answer', async () => {
    slack.hang();
    const client = new WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      fetch: boundedSlackFetch(globalThis.fetch, { log, timeoutMs: 60_000 }),
      timeout: 200,
      retryConfig: { retries: 0 },
      logger: boltLogger(log),
    });

    await expect(client.chat.postMessage({ channel: 'C1', text: 'hi' })).rejects.toMatchObject({
      code: 'slack_webapi_request_error',
    });
    expect(logs).toContainEqual(
      expect.objectContaining({
        method: 'chat.postMessage',
        host: host(),
        reason: 'no answer in time',
      }),
    );
    // The token travels in a header and the body; neither is logged.
    expect(JSON.stringify(logs)).not.toContain('xoxb-test');
  });

  it('logs a refused connection and an HTTP 5xx with method and host', async () => {
    const fetch = boundedSlackFetch(globalThis.fetch, { log, timeoutMs: 1_000 });
    slack.failNext('chat.update', { status: 503 });
    const answered = await fetch(`${slack.url}chat.update`, { method: 'POST', body: '' });
    expect(answered.status).toBe(503);
    const closed = await closedPort();
    await expect(
      fetch(`http://127.0.0.1:${closed}/api/auth.test`, { method: 'POST' }),
    ).rejects.toThrow();

    expect(logs).toEqual([
      expect.objectContaining({ method: 'chat.update', host: host(), status: 503 }),
      expect.objectContaining({
        method: 'auth.test',
        host: `127.0.0.1:${closed}`,
        reason: 'ECONNREFUSED',
      }),
    ]);
  });
});
