import { webApi } from '@slack/bolt';
import { Redis } from 'ioredis';
import pino from 'pino';
import { BullmqApprovalTimers } from '../../src/queue/approval-timers';
import { giveUpRun } from '../../src/runs/give-up-run';
import { type NewRun, RunStatus, type StepRecord, StepStatus } from '../../src/runs/run';
import { canonicalJson } from '../../src/shared/canonical-json';
import { SlackApprovalSurface } from '../../src/slack/slack-approval-surface';
import { type Database, openDatabase } from '../../src/store/database';
import { parseManifest } from '../../src/workflows/load-workflows';
import { startFakeSlackApi } from '../support/fake-slack-api';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, testRedisUrl, uniqueName } from '../support/test-env';

const parsed = parseManifest(
  'm.yaml',
  'name: demo\nsteps: [{ tool: t }]\ntools: [{ name: t, risk: low, command: { argv: [echo, hi] } }]\n',
);
if (!('workflow' in parsed)) throw new Error('fixture manifest is invalid');
const { manifest, hash } = parsed.workflow;

describe('giving up on a run whose job failed for good', () => {
  let db: Database;
  const clock = () => new Date();
  beforeAll(async () => {
    db = await openDatabase(testMongoUri(uniqueName('give_up')), {
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
    });
  });
  afterAll(async () => {
    await db.connection.dropDatabase();
    await db.close();
  });

  async function runWith(
    id: string,
    step?: Partial<StepRecord>,
    workflow: { manifest: typeof manifest; hash: string } = { manifest, hash },
  ) {
    const run: NewRun = {
      id,
      requestKey: id,
      workflow: workflow.manifest.name,
      manifestHash: workflow.hash,
      manifest: workflow.manifest,
      inputs: {},
      requester: { userId: 'U0A', teamId: 'T0A', channelId: 'C0A' },
    };
    await db.runs.createOnce(run, new Date());
    await db.runs.claim(id, 'owner');
    await db.runs.transition(id, [RunStatus.Queued], RunStatus.Running, new Date());
    if (step) {
      await db.runs.saveStep(
        id,
        {
          index: 0,
          tool: 't',
          args: canonicalJson({}),
          status: StepStatus.Executing,
          startedAt: new Date(),
          ...step,
        },
        'owner',
      );
    }
  }

  it('asks a human when a call above low risk may have run', async () => {
    await runWith('r-giveup01', { risk: 'high' });
    const run = await giveUpRun({ runs: db.runs, clock }, 'r-giveup01', 'gave up: job stalled');
    expect(run?.status).toBe('needs_attention');
    expect(run?.error).toBe(
      'gave up: job stalled; call 1 (t) may have run, so it is not repeated automatically',
    );
  });

  it('asks the approvers what to do, with an outcome-unknown card, when the run has a thread', async () => {
    const slack = await startFakeSlackApi();
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    const timers = new BullmqApprovalTimers(redis, uniqueName('give_up'), clock);
    try {
      const guarded = parseManifest(
        'g.yaml',
        'name: guarded\nsteps: [{ tool: t }]\ntools: [{ name: t, risk: high, command: { argv: [echo, hi] } }]\napproval: { approvers: { users: [U0LEAD] } }\n',
      );
      if (!('workflow' in guarded)) throw new Error('fixture manifest is invalid');
      await runWith('r-giveup05', { risk: 'high' }, guarded.workflow);
      await db.runs.setThreadOnce('r-giveup05', { channel: 'C0A', ts: '1700000000.000100' });
      const surface = new SlackApprovalSurface(
        new webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.url }),
      );
      const run = await giveUpRun(
        {
          runs: db.runs,
          clock,
          askApprovers: {
            approvals: db.approvals,
            surfaces: surface,
            timers,
            audit: db.audit,
            clock,
            log: pino({ level: 'silent' }),
          },
        },
        'r-giveup05',
        'gave up: job stalled more than allowable limit',
      );
      expect(run?.status).toBe('needs_attention');
      const approval = await db.approvals.get('r-giveup05:0:outcome');
      expect(approval).toMatchObject({ kind: 'outcome_unknown', status: 'pending' });
      const card = slack.callsTo('chat.postMessage')[0];
      expect(card?.args).toMatchObject({ channel: 'C0A', thread_ts: '1700000000.000100' });
      expect(JSON.stringify(card?.args.blocks)).toContain('outcome_retry');
    } finally {
      await timers.queue.obliterate({ force: true });
      await timers.close();
      await redis.quit();
      await slack.close();
    }
  });

  it('records a plain failure when nothing risky was in flight', async () => {
    await runWith('r-giveup02', { risk: 'low' });
    await runWith('r-giveup03');
    for (const id of ['r-giveup02', 'r-giveup03']) {
      const run = await giveUpRun({ runs: db.runs, clock }, id, 'gave up: boom');
      expect(run).toMatchObject({ status: 'failed', error: 'gave up: boom' });
    }
  });

  it('leaves a run that already ended alone', async () => {
    await runWith('r-giveup04');
    await db.runs.transition('r-giveup04', [RunStatus.Running], RunStatus.Succeeded, new Date());
    expect(await giveUpRun({ runs: db.runs, clock }, 'r-giveup04', 'late')).toBeNull();
    expect((await db.runs.get('r-giveup04'))?.status).toBe('succeeded');
  });
});
