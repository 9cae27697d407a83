import type { Collection } from 'mongoose';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { type FakeSlackApi, startFakeSlackApi } from '../support/fake-slack-api';
import {
  FAKE_APP_TOKEN,
  type FakeSocketMode,
  startFakeSocketMode,
} from '../support/fake-socket-mode';
import { finalRun, runIdIn } from '../support/run-records';
import { testMongoUri, uniqueName } from '../support/test-env';

const SLACK_API = 'https://slack.com/api/';

/**
 * Socket Mode (SLACK_APP_TOKEN set): Bolt's SocketModeReceiver gets its WebSocket URL from
 * `apps.connections.open` and receives commands as envelopes on the socket, acking on it too.
 * Everything runs against fakes on 127.0.0.1; nothing reaches Slack.
 */
describe('Socket Mode, end to end through the WebSocket, BullMQ and MongoDB', () => {
  let slack: FakeSlackApi;
  let socket: FakeSocketMode;
  let h: Harness;
  let runs: Collection;
  const realFetch = globalThis.fetch;
  /** Web API calls the service sent to slack.com instead of SLACK_API_URL. */
  const strayCalls: string[] = [];

  beforeAll(async () => {
    // The harness would create its fake Slack and start the service at once; the receiver calls
    // apps.connections.open while starting, so the fakes are made and wired here and shared.
    slack = await startFakeSlackApi({ tokens: ['xoxb-test-token', FAKE_APP_TOKEN] });
    socket = await startFakeSocketMode();
    socket.attachTo(slack);
    // A call the service makes to slack.com is recorded and sent to the fake instead, so a
    // client that ignores SLACK_API_URL fails its own test below rather than reach Slack.
    globalThis.fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith(SLACK_API)) return realFetch(input, init);
      strayCalls.push(url);
      return realFetch(`${slack.url}${url.slice(SLACK_API.length)}`, init);
    };
    const name = 'socket_mode';
    h = await startHarness(name, {
      env: { SLACK_APP_TOKEN: FAKE_APP_TOKEN },
      share: { slack, mongoUri: testMongoUri(uniqueName(name)), queuePrefix: uniqueName(name) },
    });
    runs = h.db.collection('runs');
  });

  afterAll(async () => {
    // Shared stores are the caller's to drop; the harness only closes its connection.
    await h?.db.dropDatabase().catch(() => undefined);
    await h?.stop();
    globalThis.fetch = realFetch;
    await socket?.close();
    await slack?.close();
  });

  beforeEach(() => {
    slack.reset();
    socket.attachTo(slack); // reset() drops handlers
  });

  const startedRunId = async (channel: string, name: string): Promise<string> => {
    const started = await slack.waitForCall(
      'chat.postMessage',
      (call) =>
        call.args.channel === channel &&
        !call.args.thread_ts &&
        JSON.stringify(call.args.blocks).includes(name),
    );
    const runId = runIdIn(started.args.blocks);
    expect(runId).toBeDefined();
    return runId as string;
  };

  const finishedRun = (id: string) => finalRun(runs, id);

  it('opens the connection with the app token through SLACK_API_URL and gets hello', () => {
    if (strayCalls.length > 0) {
      throw new Error(
        `the service called Slack itself (${strayCalls.join(', ')}): createSlackApp must give ` +
          'SocketModeReceiver installerOptions.clientOptions.slackApiUrl = SLACK_API_URL',
      );
    }
    expect(socket.connectionsOpened).toEqual([FAKE_APP_TOKEN]);
    expect(socket.openConnections).toBe(1);
    const first = socket.frames[0];
    expect(first).toMatchObject({ direction: 'out', kind: 'text', json: { type: 'hello' } });
  });

  it('acks /countersign run over the socket, then a worker runs it and records it', async () => {
    const started = performance.now();
    const ack = await socket.sendSlashCommand({
      text: 'run hello name=Ada',
      user_id: 'U0ADA',
      channel_id: 'C0SOCKET',
      response_url: slack.responseUrl('socket-run'),
    });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(ack).toEqual({});

    const runId = await startedRunId('C0SOCKET', '*hello*');
    const run = await finishedRun(runId);
    expect(run.status).toBe('succeeded');
    expect(run.workflow).toBe('hello');
    expect(run.inputs).toEqual({ name: 'Ada', greeting: 'Hello' });
    expect(run.requester).toEqual({ userId: 'U0ADA', teamId: 'T0TEST', channelId: 'C0SOCKET' });
    expect(run.steps.s0).toMatchObject({ status: 'succeeded', output: 'Hello, Ada!' });
    const headline = await slack.waitForCall(
      'chat.update',
      (call) => call.args.channel === 'C0SOCKET',
    );
    expect(JSON.stringify(headline.args.blocks)).toContain('succeeded');
    // The thread's last word follows the headline: waited for here, it cannot land in a later test.
    await slack.waitForCall(
      'chat.postMessage',
      (call) => call.args.channel === 'C0SOCKET' && String(call.args.text).startsWith('Run '),
    );
    // Nothing went to the response URL: the ack itself answered the command.
    expect(slack.callsTo('response_url')).toHaveLength(0);
  });

  it('answers help in the ack payload, ephemeral, with the usage', async () => {
    const ack = await socket.sendSlashCommand({ text: 'help' });
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('/countersign run &lt;workflow&gt; [name=value …]');
  });

  it('answers an unknown workflow in the ack and records nothing', async () => {
    const before = await runs.countDocuments();
    const ack = await socket.sendSlashCommand({ text: 'run deploy-everything env=prod' });
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('There is no workflow "deploy-everything"');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await runs.countDocuments()).toBe(before);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('answers pings on the socket (the client pings every ~1.7 s)', async () => {
    await eventually('a ping from the client', async () =>
      socket.frames.some((f) => f.direction === 'in' && f.kind === 'ping') ? true : undefined,
    );
    expect(socket.openConnections).toBe(1);
  });

  it('serves the health routes on the port it reports', async () => {
    expect(h.service.port).toBeGreaterThan(0);
    const response = await fetch(`${h.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('has no /slack/events route: events come over the socket, not through the server', async () => {
    const response = await fetch(`${h.baseUrl}/slack/events`, { method: 'POST' });
    expect(response.status).toBe(404);
  });

  it('reconnects when Slack asks it to (disconnect: refresh_requested) and keeps working', async () => {
    const before = socket.totalConnections;
    socket.requestDisconnect();
    // The client closes with 1000, waits clientPingTimeout (5 s), then opens a new connection.
    await socket.waitForConnections(before + 1, 15_000);
    expect(socket.connectionsOpened.at(-1)).toBe(FAKE_APP_TOKEN);
    expect(
      socket.frames.some(
        (f) => f.direction === 'in' && f.kind === 'close' && f.text.startsWith('1000'),
      ),
    ).toBe(true);
    expect(socket.openConnections).toBe(1);

    await socket.sendSlashCommand({
      text: 'run hello name=Grace',
      channel_id: 'C0AGAIN',
      response_url: slack.responseUrl('socket-again'),
    });
    const run = await finishedRun(await startedRunId('C0AGAIN', '*hello*'));
    expect(run.status).toBe('succeeded');
    expect(run.steps.s0.output).toBe('Hello, Grace!');
  }, 30_000);
});
