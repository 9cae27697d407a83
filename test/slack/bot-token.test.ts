import { runCountersign } from '../support/countersign-cli';
import { startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { startFakeSlackApi } from '../support/fake-slack-api';
import { FAKE_APP_TOKEN, startFakeSocketMode } from '../support/fake-socket-mode';
import { finalRun, runIdIn } from '../support/run-records';
import { freePort } from '../support/services';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, testRedisUrl, uniqueName } from '../support/test-env';

/** What `countersign serve|worker|all` needs, but the Slack API and its token. */
const cliEnv = () => ({
  SLACK_SIGNING_SECRET: 'cli-secret',
  AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
  REDIS_URL: testRedisUrl(),
  MONGODB_URI: testMongoUri(uniqueName('bot_token')),
  QUEUE_PREFIX: uniqueName('bot_token'),
  PORT: '0',
  HOST: '127.0.0.1',
});

interface Readiness {
  status: string;
  checks: Record<string, string>;
}

/**
 * SLACK_BOT_TOKEN against a fake Slack that reads it as Slack does: a `token` in the body before
 * the Authorization header, `invalid_auth` for a wrong one.
 */
describe('the bot token', () => {
  it('is accepted by Slack at start, and a run’s messages are posted with it', async () => {
    const h = await startHarness('bot_token_start');
    try {
      const authTest = await h.slack.waitForCall('auth.test');
      expect(authTest).toMatchObject({
        token: 'xoxb-test-token',
        response: { body: { ok: true, user_id: 'U0BOT' } },
      });
      await h.slash({ text: 'run hello name=Ada', channel_id: 'C0TOKEN' });
      const started = await h.slack.waitForCall(
        'chat.postMessage',
        (call) => call.args.channel === 'C0TOKEN',
      );
      expect(started.response.body).toMatchObject({ ok: true });
      const run = await finalRun(h.db.collection('runs'), runIdIn(started.args.blocks) as string);
      expect(run.status).toBe('succeeded');
      const refused = h.slack.calls.filter(
        (call) => (call.response.body as { ok?: boolean }).ok === false,
      );
      expect(refused.map((call) => call.method)).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it.each(['all', 'worker'])(
    'refused by Slack at start: `countersign %s` exits 2 with one line, before it starts',
    async (role) => {
      // A workspace whose only bot token is another one: Slack answers invalid_auth.
      const slack = await startFakeSlackApi({ tokens: ['xoxb-the-installed-one'] });
      try {
        const result = await runCountersign([role], {
          ...cliEnv(),
          SLACK_BOT_TOKEN: 'xoxb-a-wrong-one',
          SLACK_API_URL: slack.url,
        });
        expect(result.stderr).toBe(
          'countersign: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)\n',
        );
        expect(result.code).toBe(2);
        expect(result.stdout).not.toContain('countersign started');
        expect(slack.callsTo('auth.test').map((call) => call.token)).toContain('xoxb-a-wrong-one');
      } finally {
        await slack.close();
      }
    },
  );

  it('an app token Slack refuses (Socket Mode) exits 2 with one line naming SLACK_APP_TOKEN', async () => {
    // The bot token is the workspace's; the app-level token is not.
    const slack = await startFakeSlackApi({ tokens: ['xoxb-test-token'] });
    const socket = await startFakeSocketMode();
    socket.attachTo(slack);
    try {
      const result = await runCountersign(['serve'], {
        ...cliEnv(),
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_APP_TOKEN: FAKE_APP_TOKEN,
        SLACK_API_URL: slack.url,
      });
      expect(result.stderr).toBe(
        'countersign: SLACK_APP_TOKEN was refused by Slack (invalid_auth)\n',
      );
      expect(result.code).toBe(2);
      expect(slack.callsTo('apps.connections.open').map((call) => call.token)).toEqual([
        FAKE_APP_TOKEN,
      ]);
    } finally {
      await socket.close();
      await slack.close();
    }
  });

  it('with no Slack API answering at SLACK_API_URL, the start exits 2 with one line naming it', async () => {
    // A port nothing listens on.
    const url = `http://127.0.0.1:${await freePort()}/api/`;
    const result = await runCountersign(['serve'], {
      ...cliEnv(),
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: url,
    });
    expect(result.stderr).toMatch(
      new RegExp(
        `^countersign: the Slack API at ${url.replace(/[.]/g, '\\.')} did not answer \\(.*ECONNREFUSED.*\\); check SLACK_API_URL and the network\n$`,
      ),
    );
    expect(result.code).toBe(2);
  });

  it('revoked while running: /readyz fails naming Slack, logged once, and the service stays up', async () => {
    const h = await startHarness('bot_token_revoked', { roles: { http: true, worker: true } });
    const readiness = async () => {
      const response = await fetch(`${h.baseUrl}/readyz`);
      return { status: response.status, body: (await response.json()) as Readiness };
    };
    const refusalLogs = () =>
      h.logs.filter((line) => String(line.msg).includes('was refused by Slack'));
    try {
      await eventually('the service to be ready', async () =>
        (await readiness()).status === 200 ? true : undefined,
      );
      expect((await readiness()).body.checks.slack).toBe('ok');

      h.slack.revokeToken('xoxb-test-token');
      // Two runs, so Slack refuses more than one call: each run's headline is refused.
      await h.slash({ text: 'run hello name=Ada', channel_id: 'C0REVOKED' });
      await h.slash({ text: 'run hello name=Bob', channel_id: 'C0REVOKED' });
      await eventually('Slack to refuse two calls', async () =>
        h.slack.calls.filter(
          (call) => (call.response.body as { error?: string }).error === 'token_revoked',
        ).length >= 2
          ? true
          : undefined,
      );
      const down = await eventually('/readyz to fail', async () => {
        const answer = await readiness();
        return answer.status === 503 ? answer.body : undefined;
      });
      expect(down.status).toBe('not ready');
      expect(down.checks).toMatchObject({
        slack: 'SLACK_BOT_TOKEN was refused by Slack (token_revoked)',
        redis: 'ok',
        mongodb: 'ok',
      });
      expect(refusalLogs()).toHaveLength(1);
      expect(refusalLogs()[0]).toMatchObject({ level: 50, variable: 'SLACK_BOT_TOKEN' });
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);

      // A new token is installed under the same value (the fake forgets the revocation): the next
      // accepted call makes the service ready again.
      h.slack.reset();
      await h.slash({ text: 'run hello name=Cy', channel_id: 'C0REVOKED' });
      await eventually('/readyz to pass again', async () =>
        (await readiness()).status === 200 ? true : undefined,
      );
      expect(refusalLogs()).toHaveLength(1);
    } finally {
      await h.stop();
    }
  });
});
