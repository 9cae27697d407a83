import pino from 'pino';
import { pruneRunDetails } from '../../src/runs/prune-run-details';
import { type NewRun, RunStatus, StepStatus } from '../../src/runs/run';
import { canonicalJson } from '../../src/shared/canonical-json';
import { type Database, openDatabase } from '../../src/store/database';
import { parseManifest } from '../../src/workflows/load-workflows';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const parsed = parseManifest(
  'm.yaml',
  'name: demo\nsteps: [{ tool: t }]\ntools: [{ name: t, risk: low, command: { argv: [echo, hi] } }]\n',
);
if (!('workflow' in parsed)) throw new Error('fixture manifest is invalid');
const { manifest, hash } = parsed.workflow;

const newRun = (id: string): NewRun => ({
  id,
  requestKey: id,
  workflow: 'demo',
  manifestHash: hash,
  manifest,
  inputs: {},
  requester: { userId: 'U0A', teamId: 'T0A', channelId: 'C0A' },
});

describe('retention of run details (AUDIT_RETENTION_DAYS)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase(testMongoUri(uniqueName('prune')), {
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
    });
  });
  afterAll(async () => {
    await db.connection.dropDatabase();
    await db.close();
  });

  /** A finished run with one step's output and a result, last updated `daysAgo` days ago. */
  async function finishedRun(id: string, daysAgo: number, status: RunStatus = RunStatus.Succeeded) {
    await db.runs.createOnce(newRun(id), new Date());
    await db.runs.claim(id, 'owner');
    const at = new Date();
    await db.runs.saveStep(
      id,
      {
        index: 0,
        tool: 't',
        args: canonicalJson({}),
        status: StepStatus.Succeeded,
        output: `secret-ish output of ${id}`,
        startedAt: at,
        finishedAt: at,
      },
      'owner',
    );
    await db.runs.transition(id, [RunStatus.Queued], status, at, { result: `result of ${id}` });
    // Straight to the collection: mongoose would stamp updatedAt with now.
    await db.connection
      .collection('runs')
      .updateOne(
        { _id: id as never },
        { $set: { updatedAt: new Date(Date.now() - daysAgo * 86_400_000) } },
      );
  }

  it('removes step outputs and results of runs that ended before the window, and only those', async () => {
    await finishedRun('r-old00001', 40);
    await finishedRun('r-old00002', 31, RunStatus.Failed);
    await finishedRun('r-new00001', 5);
    const clock = () => new Date();
    const deps = { runs: db.runs, clock, log: pino({ level: 'silent' }) };

    expect(await pruneRunDetails(deps, 30)).toBe(2);
    const old = await db.runs.get('r-old00001');
    expect(old?.result).toBeUndefined();
    expect(old?.steps[0]).toMatchObject({ tool: 't', status: 'succeeded' });
    expect(old?.steps[0]?.output).toBeUndefined();
    expect(old?.detailsPrunedAt).toBeInstanceOf(Date);
    expect(old?.status).toBe('succeeded');
    const recent = await db.runs.get('r-new00001');
    expect(recent?.steps[0]?.output).toBe('secret-ish output of r-new00001');
    expect(recent?.result).toBe('result of r-new00001');

    // Already pruned runs are not touched again.
    expect(await pruneRunDetails(deps, 30)).toBe(0);
  });

  it('never prunes a run that is still running, however old', async () => {
    await db.runs.createOnce(newRun('r-live0001'), new Date());
    await db.connection
      .collection('runs')
      .updateOne({ _id: 'r-live0001' as never }, { $set: { updatedAt: new Date(0) } });
    const deps = { runs: db.runs, clock: () => new Date(), log: pino({ level: 'silent' }) };
    await pruneRunDetails(deps, 1);
    expect((await db.runs.get('r-live0001'))?.detailsPrunedAt).toBeUndefined();
    expect((await db.runs.get('r-live0001'))?.status).toBe('queued');
  });
});
