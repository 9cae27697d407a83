import { auditKey } from '../../src/audit/audit-chain';
import { verifyChain } from '../../src/audit/verify-chain';
import { type NewRun, RunStatus, StepStatus } from '../../src/runs/run';
import { canonicalJson } from '../../src/shared/canonical-json';
import { Redactor } from '../../src/shared/redactor';
import { type Database, openDatabase } from '../../src/store/database';
import { MongoAuditReader } from '../../src/store/mongo-audit-reader';
import { parseManifest } from '../../src/workflows/load-workflows';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const SECRET = 'db-pass-7QvX9!zz';

const parsed = parseManifest(
  'm.yaml',
  'name: demo\nsteps: [{ tool: t }]\ntools: [{ name: t, risk: low, command: { argv: [echo, hi] } }]\n',
);
if (!('workflow' in parsed)) throw new Error('fixture manifest is invalid');
const { manifest, hash } = parsed.workflow;

const newRun = (id: string, inputs: Record<string, string> = {}): NewRun => ({
  id,
  requestKey: id,
  workflow: 'demo',
  manifestHash: hash,
  manifest,
  inputs,
  requester: { userId: 'U0A', teamId: 'T0A', channelId: 'C0A' },
});

/** Every form of the secret that must not be stored. */
const FORMS = [SECRET, encodeURIComponent(SECRET), Buffer.from(SECRET).toString('base64')];
const expectNoSecret = (stored: unknown) => {
  const text = JSON.stringify(stored);
  for (const form of FORMS) expect(text).not.toContain(form);
};

describe('what is written to MongoDB', () => {
  let uri: string;
  let db: Database;
  const runs = () => db.connection.collection('runs');

  beforeEach(async () => {
    uri = testMongoUri(uniqueName('redact'));
    const redactor = new Redactor();
    redactor.add('DB_PASSWORD', SECRET);
    db = await openDatabase(uri, { auditHmacKey: TEST_AUDIT_HMAC_KEY, redactor });
  });
  afterEach(async () => {
    await db.connection.dropDatabase();
    await db.close();
  });

  it('holds no secret in a new run, its steps or its outcome, only the name', async () => {
    await db.runs.createOnce(newRun('r-1', { note: `use ${SECRET}` }), new Date());
    await db.runs.claim('r-1', 'owner');
    const at = new Date();
    await db.runs.saveStep(
      'r-1',
      {
        index: 0,
        tool: 't',
        args: canonicalJson({ password: SECRET }),
        status: StepStatus.Failed,
        output: `connecting with ${Buffer.from(`admin:${SECRET}`).toString('base64')}`,
        error: `login ${encodeURIComponent(SECRET)} refused`,
        startedAt: at,
        finishedAt: at,
      },
      'owner',
    );
    const returned = await db.runs.transition('r-1', [RunStatus.Queued], RunStatus.Failed, at, {
      error: `gave up: password ${SECRET} expired`,
      detail: `${SECRET} in a detail`,
    });

    const stored = await runs().findOne({ _id: 'r-1' as never });
    expectNoSecret(stored);
    expect(stored?.inputs).toEqual({ note: 'use [secret:DB_PASSWORD]' });
    expect(JSON.parse(stored?.steps.s0.args)).toEqual({ password: '[secret:DB_PASSWORD]' });
    expect(stored?.steps.s0.output).toMatch(/^connecting with .*\[secret:DB_PASSWORD\]/);
    expect(stored?.steps.s0.error).toBe('login [secret:DB_PASSWORD] refused');
    expect(stored?.error).toBe('gave up: password [secret:DB_PASSWORD] expired');
    expect(stored?.history.at(-1).detail).toBe('[secret:DB_PASSWORD] in a detail');
    // What findOneAndUpdate hands back is what was stored.
    expect(returned?.error).toBe('gave up: password [secret:DB_PASSWORD] expired');
  });

  it('records an audit event without the secret, and the chain still verifies', async () => {
    await db.audit.record({
      type: 'tool_call.executed',
      at: new Date(),
      actor: 'countersign',
      runId: 'r-1',
      workflow: 'demo',
      details: { step: 0, tool: 't', args: canonicalJson({ password: SECRET }), outcome: 'failed' },
    });
    await db.audit.record({
      type: 'run.finished',
      at: new Date(),
      actor: 'countersign',
      runId: 'r-1',
      workflow: 'demo',
      details: { status: 'failed', error: `bad password ${SECRET}` },
    });

    const stored = await db.connection.collection('audit_events').find().sort({ seq: 1 }).toArray();
    expectNoSecret(stored);
    expect(JSON.parse(stored[0]?.details.args)).toEqual({ password: '[secret:DB_PASSWORD]' });
    expect(stored[1]?.details.error).toBe('bad password [secret:DB_PASSWORD]');

    const reader = await MongoAuditReader.open(uri);
    try {
      const verified = await verifyChain(reader.documents(), {
        keys: [auditKey(TEST_AUDIT_HMAC_KEY)],
        storageFields: reader.storageFields,
        recordedHead: await reader.recordedHead(),
      });
      expect(verified).toMatchObject({ ok: true, count: 2 });
    } finally {
      await reader.close();
    }
  });

  it('scrubs each database with its own secrets when a process opens two', async () => {
    const other = new Redactor();
    other.add('OTHER_TOKEN', 'other-token-value');
    const second = await openDatabase(testMongoUri(uniqueName('redact_other')), {
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
      redactor: other,
    });
    try {
      await second.runs.createOnce(
        newRun('r-2', { a: SECRET, b: 'other-token-value' }),
        new Date(),
      );
      const stored = await second.connection.collection('runs').findOne({ _id: 'r-2' as never });
      expect(stored?.inputs).toEqual({ a: SECRET, b: '[secret:OTHER_TOKEN]' });
    } finally {
      await second.connection.dropDatabase();
      await second.close();
    }
  });
});
