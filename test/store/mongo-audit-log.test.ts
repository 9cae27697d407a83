import { auditKey } from '../../src/audit/audit-chain';
import type { AuditEvent } from '../../src/audit/audit-event';
import { verifyChain } from '../../src/audit/verify-chain';
import { AuditAppendError } from '../../src/store/audit-append-error';
import { auditEventModel } from '../../src/store/audit-event-model';
import { auditHeadModel } from '../../src/store/audit-head-model';
import { type Database, openDatabase } from '../../src/store/database';
import { MongoAuditLog } from '../../src/store/mongo-audit-log';
import { MongoAuditReader } from '../../src/store/mongo-audit-reader';
import { eventually } from '../support/eventually';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const key = auditKey(TEST_AUDIT_HMAC_KEY);

const event = (n: number, extra: Partial<AuditEvent> = {}): AuditEvent =>
  ({
    type: 'run.started',
    at: new Date(Date.UTC(2026, 4, 1, 12, 0, 0, n)),
    actor: 'countersign',
    runId: `r-${n}`,
    workflow: 'hello',
    ...extra,
  }) as AuditEvent;

describe('the audit log in MongoDB', () => {
  // A database per test: a writer remembers the head it saw, as a process does.
  let uri: string;
  let database: Database;
  let reader: MongoAuditReader;
  let writers: Database[] = [];
  const rows = () => database.connection.collection('audit_events');

  beforeEach(async () => {
    uri = testMongoUri(uniqueName('audit_log'));
    database = await openDatabase(uri, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
    reader = await MongoAuditReader.open(uri);
  });
  afterEach(async () => {
    // Closed here, not in the test: a failed expectation must not leave a connection open.
    await Promise.all(writers.map((writer) => writer.close()));
    writers = [];
    await reader.close();
    await database.connection.dropDatabase();
    await database.close();
  });

  /** A second writer process's worth: its own connection and its own idea of the head. */
  async function anotherWriter(options: { maxAttempts?: number } = {}) {
    const other = await openDatabase(uri, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
    writers.push(other);
    const log = new MongoAuditLog(
      auditEventModel(other.connection),
      auditHeadModel(other.connection),
      { key, ...options },
    );
    return { log };
  }

  const verified = async () =>
    verifyChain(reader.documents(), {
      keys: [key],
      storageFields: reader.storageFields,
      recordedHead: await reader.recordedHead(),
    });

  it('appends events as a chain: seq from 1, each linked to the hash of the one before', async () => {
    for (let n = 1; n <= 3; n++) await database.audit.record(event(n));
    const stored = await rows().find({}).sort({ seq: 1 }).toArray();
    expect(stored.map((doc) => [doc._id, doc.seq, doc.schemaVersion])).toEqual([
      ['000000000001', 1, 2],
      ['000000000002', 2, 2],
      ['000000000003', 3, 2],
    ]);
    expect(stored[0]).toMatchObject({ prevHash: '0'.repeat(64), hmacKeyId: key.id, runId: 'r-1' });
    expect(stored[1]?.prevHash).toBe(stored[0]?.hash);
    expect(stored[2]?.prevHash).toBe(stored[1]?.hash);
    expect(await verified()).toEqual({
      ok: true,
      count: 3,
      head: { seq: 3, hash: stored[2]?.hash },
    });
  });

  it('records an event with an idempotency key once, however often it is recorded', async () => {
    await database.audit.record(event(1, { key: 'r-1:started' }));
    await database.audit.record(event(2));
    await database.audit.record(event(1, { key: 'r-1:started' }));
    // A retried attempt sees a later time: still the same fact, still stored once.
    await database.audit.record(event(5, { key: 'r-1:started' }));
    const writer = await anotherWriter();
    await writer.log.record(event(1, { key: 'r-1:started' }));
    await writer.log.record(event(3, { key: 'r-3:started' }));
    const stored = await rows().find({}).sort({ seq: 1 }).toArray();
    expect(stored.map((doc) => [doc.seq, doc.key])).toEqual([
      [1, 'r-1:started'],
      [2, undefined],
      [3, 'r-3:started'],
    ]);
    expect((await verified()).ok).toBe(true);
  });

  it('appends events recorded at once in the order they were recorded, skipping keys already in', async () => {
    await database.audit.record(event(100, { key: 'seen-a' }));
    await database.audit.record(event(101, { key: 'seen-b' }));
    const keyed = (n: number) => (n === 3 ? 'seen-a' : n === 7 ? 'seen-b' : `new-${n}`);
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => database.audit.record(event(n, { key: keyed(n) }))),
    );
    const stored = await rows().find({}).sort({ seq: 1 }).toArray();
    expect(stored.map((doc) => doc.key)).toEqual([
      'seen-a',
      'seen-b',
      ...[0, 1, 2, 4, 5, 6, 8, 9].map((n) => `new-${n}`),
    ]);
    expect(await verified()).toMatchObject({ ok: true, count: 10 });
  });

  it('fails an event without a valid time alone, not the events recorded with it', async () => {
    const results = await Promise.allSettled([
      database.audit.record(event(1)),
      database.audit.record({ ...event(2), at: new Date('not a time') }),
      database.audit.record(event(3)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await rows().countDocuments()).toBe(2);
  });

  it('keeps one gap-free chain while several writers append at once', async () => {
    const others = await Promise.all([anotherWriter(), anotherWriter(), anotherWriter()]);
    await Promise.all(
      others.flatMap((writer, w) =>
        Array.from({ length: 15 }, (_, n) => writer.log.record(event(w * 100 + n))),
      ),
    );
    const seqs = (await rows().find({}).toArray()).map((doc) => doc.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 45 }, (_, n) => n + 1));
    expect(await verified()).toMatchObject({ ok: true, count: 45 });
  });

  it('lets a new writer continue where the last one stopped, from the recorded head or without it', async () => {
    for (let n = 1; n <= 3; n++) await database.audit.record(event(n));
    const fresh = await anotherWriter();
    await fresh.log.record(event(4));
    // The recorded head lags (a writer died before moving it): the next writer probes forward.
    await database.connection
      .collection<{ _id: string }>('audit_head')
      .updateOne(
        { _id: 'head' },
        { $set: { seq: 1, hash: (await rows().findOne({ seq: 1 }))?.hash } },
      );
    const lagging = await anotherWriter();
    await lagging.log.record(event(5));
    // No recorded head at all: the highest seq stored.
    await database.connection.collection('audit_head').deleteMany({});
    const lost = await anotherWriter();
    await lost.log.record(event(6));
    expect((await rows().find({}).toArray()).map((doc) => doc.seq).sort()).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect(await verified()).toMatchObject({ ok: true, count: 6 });
  });

  it('makes events cut from the end visible: the next event still links to the old head', async () => {
    for (let n = 1; n <= 5; n++) await database.audit.record(event(n));
    await rows().deleteMany({ seq: { $gte: 4 } });
    expect(await verified()).toMatchObject({
      ok: false,
      problem: { kind: 'missing', seq: 4 },
    });
    const next = await anotherWriter();
    await next.log.record(event(6));
    const result = await verified();
    expect(!result.ok && result.problem.message).toBe(
      'seq 4-5 are missing: the log goes from seq 3 to seq 6',
    );
  });

  it('refuses to append past an event that is not where its _id says, rather than add to the damage', async () => {
    for (let n = 1; n <= 3; n++) await database.audit.record(event(n));
    // The head hint moves on just after an append resolves; alter it only once it has.
    await eventually('the head hint at seq 3', async () => {
      const head = await database.connection
        .collection<{ _id: string; seq: number }>('audit_head')
        .findOne({ _id: 'head' });
      return head?.seq === 3 ? true : undefined;
    });
    await rows().updateOne({ seq: 2 }, { $set: { seq: 9 } });
    await database.connection
      .collection<{ _id: string }>('audit_head')
      .updateOne({ _id: 'head' }, { $set: { seq: 1 } });
    const { log } = await anotherWriter();
    await expect(log.record(event(4))).rejects.toThrow(
      'audit event 000000000002 does not hold seq 2: the audit log was altered; run `countersign audit verify`',
    );
  });

  it('gives up with a clear error when other writers keep taking the seq it tries', async () => {
    const slow = await anotherWriter({ maxAttempts: 1 });
    await slow.log.record(event(1));
    await database.audit.record(event(2)); // slow's idea of the head is now stale
    await expect(slow.log.record(event(3))).rejects.toThrow(
      new AuditAppendError('run.started', 1, 2),
    );
    await expect(slow.log.record(event(3))).resolves.toBeUndefined(); // it learned the head
    expect((await verified()).ok).toBe(true);
  });
});
