import type { Collection } from 'mongoose';
import { type Harness, SIGNING_SECRET, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun, runIdIn } from '../support/run-records';
import { newTriggerId, sendSlashCommand } from '../support/slack-request';

describe('/countersign run, end to end through Bolt, BullMQ and MongoDB', () => {
  let h: Harness;
  let runs: Collection;

  beforeAll(async () => {
    h = await startHarness('run_command');
    runs = h.db.collection('runs');
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  const finishedRun = (id: string) => finalRun(runs, id);

  it('acks at once, posts a started message, runs the hello runbook in a worker and records it', async () => {
    const response = await h.slash({
      text: 'run hello name=Ada',
      user_id: 'U0ADA',
      channel_id: 'C0GENERAL',
    });
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(response.ms).toBeLessThan(3000);

    const started = await h.slack.waitForCall(
      'chat.postMessage',
      (call) => call.args.channel === 'C0GENERAL' && !call.args.thread_ts,
    );
    const headline = JSON.stringify(started.args.blocks);
    expect(headline).toContain('*hello*');
    expect(headline).toContain('<@U0ADA>');
    const runId = runIdIn(headline);
    expect(runId).toBeDefined();

    const run = await finishedRun(runId as string);
    expect(run.status).toBe('succeeded');
    expect(run.workflow).toBe('hello');
    expect(run.inputs).toEqual({ name: 'Ada', greeting: 'Hello' });
    expect(run.requester).toEqual({ userId: 'U0ADA', teamId: 'T0TEST', channelId: 'C0GENERAL' });
    expect(run.history.map((change: { status: string }) => change.status)).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    expect(run.steps.s0).toMatchObject({
      tool: 'greet',
      status: 'succeeded',
      output: 'Hello, Ada!',
    });
    expect(JSON.parse(run.steps.s0.args)).toEqual({ greeting: 'Hello', name: 'Ada' });
    expect(run.manifestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(run.manifestJson).name).toBe('hello');

    const ts = started.response.body as { ts: string };
    expect(run.thread).toEqual({ channel: 'C0GENERAL', ts: ts.ts });
    const threadReplies = () => h.slack.messages('C0GENERAL').filter((m) => m.thread_ts === ts.ts);
    await h.slack.waitForCall(
      'chat.postMessage',
      (call) => call.args.thread_ts === ts.ts && String(call.args.text).startsWith('Run '),
    );
    const replies = threadReplies().map((m) => JSON.stringify(m.blocks));
    expect(replies[0]).toContain('Hello, Ada!');
    expect(replies[1]).toContain('succeeded');
    const updated = h.slack.message('C0GENERAL', ts.ts);
    expect(JSON.stringify(updated?.blocks)).toContain('succeeded');
  });

  it('starts one run when Slack delivers the same command twice', async () => {
    const trigger_id = newTriggerId();
    const url = `${h.baseUrl}/slack/events`;
    const response_url = h.slack.responseUrl('dup');
    const command = { text: 'run hello name=Grace', trigger_id, response_url };
    const first = await sendSlashCommand(url, SIGNING_SECRET, command);
    const retry = await sendSlashCommand(url, SIGNING_SECRET, command, { retryNum: 1 });
    const concurrent = await Promise.all([
      sendSlashCommand(url, SIGNING_SECRET, command, { retryNum: 2 }),
      sendSlashCommand(url, SIGNING_SECRET, command, { retryNum: 3 }),
    ]);
    for (const response of [first, retry, ...concurrent]) expect(response.status).toBe(200);

    const stored = await eventually('the run', async () => {
      const found = await runs.find({ requestKey: trigger_id }).toArray();
      return found.length > 0 && found.every((run) => run.status === 'succeeded')
        ? found
        : undefined;
    });
    expect(stored).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const headlines = h.slack.callsTo('chat.postMessage').filter((call) => !call.args.thread_ts);
    expect(headlines).toHaveLength(1);
  });

  it('answers an unknown workflow with an ephemeral error and records nothing', async () => {
    const before = await runs.countDocuments();
    const response = await h.slash({ text: 'run deploy-everything env=prod' });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ response_type: 'ephemeral' });
    expect((response.json as { text: string }).text).toContain(
      'There is no workflow "deploy-everything"',
    );
    expect(await runs.countDocuments()).toBe(before);
  });

  it('names a missing required input and shows the usage line', async () => {
    const response = await h.slash({ text: 'run hello' });
    const { text, response_type } = response.json as { text: string; response_type: string };
    expect(response_type).toBe('ephemeral');
    expect(text).toContain('name is required');
    expect(text).toContain('/countersign run hello name=&lt;string&gt; [greeting=&lt;string&gt;]');
  });

  it('rejects unknown inputs and values that break the manifest rules', async () => {
    const response = await h.slash({ text: `run hello name=${'x'.repeat(81)} colour=red` });
    const { text } = response.json as { text: string };
    expect(text).toContain('name must be at most 80 characters');
    expect(text).toContain('unknown input "colour"');
  });

  it('keeps quoted values whole', async () => {
    await h.slash({ text: 'run hello name="Ada Lovelace" greeting=\'Good morning\'' });
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    const runId = runIdIn(started.args.blocks);
    const run = await finishedRun(runId as string);
    expect(run.steps.s0.output).toBe('Good morning, Ada Lovelace!');
  });

  it('never lets typed or printed text ping the channel or form links', async () => {
    const refused = await h.slash({ text: 'run <!channel> name=<@U0BOSS>' });
    expect((refused.json as { text: string }).text).toContain('"&lt;!channel&gt;"');
    const badInput = await h.slash({ text: 'run hello name=Ada <!here>=1' });
    expect((badInput.json as { text: string }).text).toContain('unknown input "&lt;!here&gt;"');

    await h.slash({ text: 'run hello name="<!channel> <https://evil.example|click>"' });
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    const runId = runIdIn(started.args.blocks);
    await finishedRun(runId as string);
    await h.slack.waitForCall('chat.update', () => true);
    const posted = h.slack.calls
      .filter((call) => call.method.startsWith('chat.'))
      .map((call) => JSON.stringify([call.args.text, call.args.blocks]));
    expect(posted.length).toBeGreaterThanOrEqual(3);
    for (const text of posted) {
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<https://evil');
    }
    expect(posted.join('')).toContain('&lt;!channel&gt;');
  });

  it('answers help, an empty command and a mistyped subcommand with the usage', async () => {
    for (const text of ['help', '', 'rnu hello']) {
      const response = await h.slash({ text });
      const body = response.json as { text: string; response_type: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain('/countersign run &lt;workflow&gt; [name=value …]');
      if (text === 'rnu hello') expect(body.text).toContain('Unknown subcommand `rnu`');
    }
  });

  it('lists the workflows the user may run', async () => {
    const response = await h.slash({ text: 'list' });
    const { text, blocks } = response.json as { text: string; blocks: unknown[] };
    expect(text).toContain('hello');
    const shown = JSON.stringify(blocks);
    expect(shown).toContain('*hello*');
    expect(shown).toContain('/countersign run hello name=&lt;string&gt;');
  });

  it('refuses a forged signature with 401 and starts nothing', async () => {
    const before = await runs.countDocuments();
    const forged = await h.slash(
      { text: 'run hello name=Mallory' },
      { secret: 'not-the-signing-secret' },
    );
    const garbage = await h.slash({ text: 'run hello name=Mallory' }, { signature: 'v0=deadbeef' });
    expect(forged.status).toBe(401);
    expect(garbage.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await runs.countDocuments()).toBe(before);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('refuses a correctly signed request older than five minutes with 401', async () => {
    const before = await runs.countDocuments();
    const stale = await h.slash(
      { text: 'run hello name=Mallory' },
      { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    expect(stale.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await runs.countDocuments()).toBe(before);
  });

  it('tells the requester privately when the bot cannot post in the channel, and records the failure', async () => {
    h.slack.removeBotFromChannel('C0PRIVATE');
    const response_url = h.slack.responseUrl('private');
    await h.slash({ text: 'run hello name=Ada', channel_id: 'C0PRIVATE', response_url });
    const told = await h.slack.waitForCall('response_url', (call) =>
      String(call.path).endsWith('/private'),
    );
    expect(told.args).toMatchObject({ response_type: 'ephemeral' });
    expect(String(told.args.text)).toContain('not_in_channel');
    const run = await eventually('the failed run', async () => {
      const found = await runs.findOne({ 'requester.channelId': 'C0PRIVATE' });
      return found?.status === 'failed' ? found : undefined;
    });
    expect(run.error).toContain('not_in_channel');
  });
});
