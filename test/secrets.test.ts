import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RUNS_QUEUE } from '../src/queue/run-jobs';
import { type Harness, startHarness } from './support/countersign-harness';
import { eventually } from './support/eventually';
import { finalRun, runIdIn } from './support/run-records';
import { testRedisUrl } from './support/test-env';

// Short enough for JSON.parse to quote it whole in its error message.
const SECRET = 'vault-Zq81/x+Yw';
const FORMS = [
  SECRET,
  encodeURIComponent(SECRET),
  Buffer.from(SECRET).toString('base64'),
  Buffer.from(SECRET).toString('base64url'),
];
const expectNoSecret = (what: unknown) => {
  const text = typeof what === 'string' ? what : JSON.stringify(what);
  for (const form of FORMS) expect(text).not.toContain(form);
};

describe('a secret value, through the whole service', () => {
  let dir: string;
  let h: Harness;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-secret-e2e-'));
    // A step that prints the value (as a careless tool might), without naming it anywhere.
    const leaked = path.join(dir, 'leaked.txt');
    await writeFile(leaked, `token=${SECRET}\n`);
    await writeFile(
      path.join(dir, 'leaky.yaml'),
      `name: leaky\nsteps: [{ tool: show }]\ntools:\n  - name: show\n    risk: low\n    command: { argv: [cat, ${JSON.stringify(leaked)}] }\n`,
    );
    h = await startHarness('secrets_e2e', {
      workflowsDir: dir,
      env: { COUNTERSIGN_SECRET_VAULT_TOKEN: SECRET },
    });
  });
  afterAll(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('that a step prints reaches neither Slack nor MongoDB: its name shows instead', async () => {
    await h.slash({ text: 'run leaky', user_id: 'U0ADA', channel_id: 'C0OPS' });
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    const runId = runIdIn(started.args.blocks) as string;
    const run = await finalRun(h.db.collection('runs'), runId, { announced: true });

    expect(run.status).toBe('succeeded');
    expect(run.steps.s0.output).toBe('token=[secret:VAULT_TOKEN]');
    expectNoSecret(run);
    const thread = h.slack.messages('C0OPS').filter((m) => m.thread_ts !== undefined);
    expect(JSON.stringify(thread)).toContain('token=[secret:VAULT_TOKEN]');
    expectNoSecret(h.slack.calls.map((call) => call.args));
    expectNoSecret(await h.db.collection('audit_events').find().toArray());
    expectNoSecret(h.logs);
  });

  it('in the error of a failed attempt is kept neither in Redis nor in the log', async () => {
    // A damaged run record: reading its manifest fails with an error that quotes the text.
    const runId = 'r-damaged1';
    const at = new Date();
    await h.db.collection('runs').insertOne({
      _id: runId as never,
      schemaVersion: 1,
      requestKey: runId,
      workflow: 'leaky',
      manifestHash: 'x',
      manifestJson: SECRET,
      inputs: {},
      requester: { userId: 'U0ADA', teamId: 'T0TEST', channelId: 'C0OPS' },
      status: 'queued',
      history: [{ status: 'queued', at }],
      steps: {},
      createdAt: at,
      updatedAt: at,
    });
    const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const queue = new Queue(RUNS_QUEUE, { connection, prefix: h.queuePrefix });
    try {
      await queue.add('run', { runId }, { jobId: runId, attempts: 1 });
      const job = await eventually('the attempt to fail', async () => {
        const stored = await queue.getJob(runId);
        return stored?.failedReason ? stored : undefined;
      });
      expect(job.failedReason).toContain('[secret:VAULT_TOKEN]');
      expect((job.stacktrace ?? []).join('\n')).toContain('[secret:VAULT_TOKEN]');
      const raw = await connection.hgetall(`${h.queuePrefix}:${RUNS_QUEUE}:${runId}`);
      expectNoSecret(raw);
      const logged = h.logs.find((line) => line.msg === 'run attempt failed; the queue retries it');
      expect(JSON.stringify(logged)).toContain('[secret:VAULT_TOKEN]');
      expectNoSecret(h.logs);
    } finally {
      await queue.close();
      await connection.quit();
    }
  });
});
