import { startHarness } from '../support/countersign-harness';
import { finalRun, runIdIn } from '../support/run-records';

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
});
