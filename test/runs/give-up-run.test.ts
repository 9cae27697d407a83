import { canonicalJson } from '../../src/runs/canonical-json';
import { giveUpRun } from '../../src/runs/give-up-run';
import { type NewRun, RunStatus, type StepRecord, StepStatus } from '../../src/runs/run';
import { type Database, openDatabase } from '../../src/store/database';
import { parseManifest } from '../../src/workflows/load-workflows';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

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

  async function runWith(id: string, step?: Partial<StepRecord>) {
    const run: NewRun = {
      id,
      requestKey: id,
      workflow: 'demo',
      manifestHash: hash,
      manifest,
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
