import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cardOf, click } from '../support/approval-clicks';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { type FakeSlackApi, startFakeSlackApi } from '../support/fake-slack-api';
import {
  type RestartableStore,
  startOwnFerretDb,
  startOwnRedis,
} from '../support/restartable-store';
import { finalRun, runIdIn } from '../support/run-records';
import { testMongoUri, uniqueName } from '../support/test-env';

const CHANGE = `name: change
inputs:
  ledger: { type: string, required: true }
steps:
  - tool: change
    with: { ledger: "{{inputs.ledger}}" }
tools:
  - name: change
    risk: high
    input_schema: { type: object, properties: { ledger: { type: string } }, required: [ledger] }
    command: { argv: [sh, -c, 'echo ran >> "$1"; echo changed', sh, "{{args.ledger}}"], timeout: 10s }
approval:
  approvers: { users: [U0LEAD] }
`;

interface Readiness {
  status: number;
  body: { status: string; checks: Record<string, string> };
}

async function readiness(h: Harness): Promise<Readiness> {
  const response = await fetch(`${h.baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

const untilReadiness = (h: Harness, status: number) =>
  eventually(
    `/readyz to answer ${status}`,
    async () => {
      const answer = await readiness(h);
      return answer.status === status ? answer : undefined;
    },
    20_000,
  );

describe('Redis or the MongoDB-protocol server restarting while a run waits for approval', () => {
  let workflowsDir: string;
  let slack: FakeSlackApi;

  beforeAll(async () => {
    workflowsDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-restart-'));
    await writeFile(path.join(workflowsDir, 'change.yaml'), CHANGE);
    slack = await startFakeSlackApi();
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(() => slack.reset());

  /** The whole service (receiver and worker) on `stores`; the test's own where given. */
  const startService = (stores: { redisUrl?: string; mongoUri: string }) =>
    startHarness('restart', {
      workflowsDir,
      share: { slack, mongoUri: stores.mongoUri, queuePrefix: uniqueName('restart') },
      env: stores.redisUrl ? { REDIS_URL: stores.redisUrl } : {},
    });
  /** Starts a run of `change` and waits until its card is posted. */
  const runWaitingForApproval = async (h: Harness) => {
    const ledger = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-ledger-')), 'ledger');
    await h.slash({ text: `run change ledger=${ledger}`, user_id: 'U0DEV', channel_id: 'C0OPS' });
    const headline = await slack.waitForCall(
      'chat.postMessage',
      (call) => !call.args.thread_ts,
      15_000,
    );
    const runId = runIdIn(headline.args.blocks) as string;
    const card = await cardOf(h, runId);
    return { runId, card, ledger };
  };
  /** The approver approves; the run carries out its call once and succeeds. */
  const approveAndFinish = async (
    h: Harness,
    waiting: Awaited<ReturnType<typeof runWaitingForApproval>>,
  ) => {
    const clicked = await click(h, waiting.card, 'approval_approve', waiting.card.value, 'U0LEAD');
    expect(clicked.response.status).toBe(200);
    const run = await finalRun(h.db.collection('runs'), waiting.runId, {
      announced: true,
      timeoutMs: 20_000,
    });
    expect(run.status).toBe('succeeded');
    expect(await readFile(waiting.ledger, 'utf8')).toBe('ran\n');
  };

  it('Redis: /readyz says 503 naming redis while it is down, recovers, and the run goes on', async () => {
    const redis: RestartableStore = await startOwnRedis();
    let h: Harness | undefined;
    try {
      h = await startService({
        redisUrl: redis.url,
        mongoUri: testMongoUri(uniqueName('restart')),
      });
      // Ready once its Redis connection is up.
      await untilReadiness(h, 200);
      const waiting = await runWaitingForApproval(h);

      await redis.stop();
      const down = await untilReadiness(h, 503);
      expect(down.body.status).toBe('not ready');
      expect(down.body.checks.redis).not.toBe('ok');
      expect(down.body.checks.mongodb).toBe('ok');
      // A command meanwhile: recorded as failed, and the requester is told nothing ran.
      await h.slash({
        text: 'run change ledger=/nonexistent/x',
        user_id: 'U0DEV',
        channel_id: 'C0OPS',
      });
      const told = await slack.waitForCall('response_url', undefined, 10_000);
      expect(String(told.args.text)).toMatch(
        /is recorded as failed\): its database or queue is unavailable\. Nothing ran/,
      );
      const refusedId = /run `(r-[a-z0-9]{8})`/.exec(String(told.args.text))?.[1];
      expect((await h.db.collection('runs').findOne({ _id: refusedId as never }))?.status).toBe(
        'failed',
      );

      await redis.start();
      const up = await untilReadiness(h, 200);
      expect(up.body.checks).toEqual({ redis: 'ok', mongodb: 'ok', slack: 'ok' });
      await approveAndFinish(h, waiting);
    } finally {
      await redis.start().catch(() => undefined);
      if (h) {
        await h.db.dropDatabase().catch(() => undefined);
        await h.stop();
      }
      await redis.dispose();
    }
  }, 60_000);

  it('Redis (AOF on) restarting before any worker took a queued run: the job survives, a worker carries it out', async () => {
    const redis: RestartableStore = await startOwnRedis();
    const mongoUri = testMongoUri(uniqueName('restart'));
    const started: Harness[] = [];
    try {
      const front = await startHarness('restart', {
        roles: { http: true, worker: false },
        workflowsDir,
        share: { slack, mongoUri, queuePrefix: uniqueName('restart') },
        env: { REDIS_URL: redis.url },
      });
      started.push(front);
      await untilReadiness(front, 200);
      await front.slash({
        text: 'run change ledger=/nonexistent/y',
        user_id: 'U0DEV',
        channel_id: 'C0OPS',
      });
      const queued = await eventually(
        'the run to be queued',
        async () => (await front.db.collection('runs').findOne({ status: 'queued' })) ?? undefined,
      );

      await redis.stop();
      await untilReadiness(front, 503);
      await redis.start();
      await untilReadiness(front, 200);

      // The worker starts after the restart; its first recovery sweep only takes runs quiet for
      // RUN_RECOVERY_INTERVAL_MS (60 s), so what it picks up is the job Redis kept.
      started.push(
        await startHarness('restart', {
          roles: { http: false, worker: true },
          workflowsDir,
          share: { slack, mongoUri, queuePrefix: front.queuePrefix },
          env: { REDIS_URL: redis.url },
        }),
      );
      await cardOf(front, String(queued._id));
      await eventually('the run to wait for approval', async () => {
        const run = await front.db.collection('runs').findOne({ _id: queued._id });
        return run?.status === 'awaiting_approval' ? true : undefined;
      });
    } finally {
      await redis.start().catch(() => undefined);
      for (const h of started.reverse()) await h.stop();
      await redis.dispose();
    }
  }, 60_000);

  it('MongoDB: /readyz says 503 naming mongodb while it is down, recovers, and the run goes on', async () => {
    const ferret: RestartableStore = await startOwnFerretDb();
    let h: Harness | undefined;
    try {
      h = await startService({ mongoUri: testMongoUri(uniqueName('restart'), ferret.url) });
      const waiting = await runWaitingForApproval(h);

      await ferret.stop();
      const down = await untilReadiness(h, 503);
      expect(down.body.status).toBe('not ready');
      expect(down.body.checks.mongodb).not.toBe('ok');
      expect(down.body.checks.redis).toBe('ok');

      await ferret.start();
      const up = await untilReadiness(h, 200);
      expect(up.body.checks).toEqual({ redis: 'ok', mongodb: 'ok', slack: 'ok' });
      await approveAndFinish(h, waiting);
    } finally {
      if (h) await h.stop();
      await ferret.dispose();
    }
  }, 60_000);
});
