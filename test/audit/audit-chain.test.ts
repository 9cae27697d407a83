import { createHmac } from 'node:crypto';
import {
  type AuditKey,
  auditKey,
  type ChainedAuditEvent,
  chainEvent,
  GENESIS_HASH,
} from '../../src/audit/audit-chain';
import type { AuditEvent } from '../../src/audit/audit-event';
import { verifyChain } from '../../src/audit/verify-chain';
import { TEST_AUDIT_HMAC_KEY } from '../support/test-env';

const key = auditKey(TEST_AUDIT_HMAC_KEY);

const started = (n: number): AuditEvent => ({
  type: 'run.started',
  at: new Date(Date.UTC(2026, 4, 1, 12, 0, n)),
  actor: 'countersign',
  runId: `r-${n}`,
  workflow: 'hello',
});

function chainOf(events: AuditEvent[], signer: AuditKey = key): ChainedAuditEvent[] {
  const chained: ChainedAuditEvent[] = [];
  for (const event of events) chained.push(chainEvent(event, chained.at(-1), signer));
  return chained;
}

async function* from<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

const verify = (documents: Record<string, unknown>[], keys: AuditKey[] = [key]) =>
  verifyChain(from(documents), { keys });

describe('the audit hash chain', () => {
  it('signs the canonical JSON of the event, its seq and its link, with dates as ISO strings', () => {
    const [first] = chainOf([
      {
        type: 'run.refused',
        at: new Date('2026-05-01T12:00:00.000Z'),
        actor: 'U0EVE',
        team: 'T0',
        workflow: 'deploy',
        channel: 'C0',
        reason: 'not_allowed',
        details: { manifestHash: 'abc' },
      },
    ]);
    const keyId = createHmac('sha256', TEST_AUDIT_HMAC_KEY)
      .update('countersign audit key id')
      .digest('hex')
      .slice(0, 16);
    // The exact text that is signed: changing it breaks every chain already written.
    const signed =
      '{"actor":"U0EVE","at":"2026-05-01T12:00:00.000Z","channel":"C0","details":{"manifestHash":"abc"},' +
      `"hmacKeyId":"${keyId}","prevHash":"${GENESIS_HASH}","reason":"not_allowed","seq":1,"team":"T0","type":"run.refused","workflow":"deploy"}`;
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, hmacKeyId: keyId });
    expect(first?.hash).toBe(
      createHmac('sha256', TEST_AUDIT_HMAC_KEY).update(signed).digest('hex'),
    );
  });

  it('links each event to the hash of the one before', () => {
    const chain = chainOf([started(1), started(2), started(3)]);
    expect(chain.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(chain[1]?.prevHash).toBe(chain[0]?.hash);
    expect(chain[2]?.prevHash).toBe(chain[1]?.hash);
    expect(new Set(chain.map((event) => event.hash)).size).toBe(3);
  });

  it('stores only the fields an event has, as the database will give them back', () => {
    const [event] = chainOf([
      {
        ...started(1),
        team: undefined,
        details: { note: 'half \ud800 pair', gone: undefined as unknown as string },
        extra: 'not an event field',
      } as unknown as AuditEvent,
    ]);
    expect(Object.keys(event ?? {}).sort()).toEqual(
      [
        'actor',
        'at',
        'details',
        'hash',
        'hmacKeyId',
        'prevHash',
        'runId',
        'seq',
        'type',
        'workflow',
      ].sort(),
    );
    expect(event && 'details' in event ? event.details : undefined).toEqual({
      note: 'half \ufffd pair',
    });
  });

  it('refuses an event without a valid time', () => {
    expect(() => chainEvent({ ...started(1), at: new Date('nope') }, undefined, key)).toThrow(
      'audit event run.started has no valid date (at)',
    );
  });

  it('names each key by an id that is stable and reveals nothing of the key', () => {
    const other = auditKey('another-key-that-is-long-enough-0123456789');
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(auditKey(TEST_AUDIT_HMAC_KEY).id).toBe(key.id);
    expect(other.id).not.toBe(key.id);
    expect(TEST_AUDIT_HMAC_KEY).not.toContain(key.id);
  });
});

describe('verifying the chain', () => {
  const chain = () => chainOf([1, 2, 3, 4, 5].map(started)) as unknown as Record<string, unknown>[];

  it('passes an untouched chain and gives its head', async () => {
    const documents = chain();
    expect(await verify(documents)).toEqual({
      ok: true,
      count: 5,
      head: { seq: 5, hash: documents[4]?.hash },
    });
    expect(await verify([])).toEqual({ ok: true, count: 0 });
  });

  it.each<[string, (documents: Record<string, unknown>[]) => void, string]>([
    [
      'an edited field',
      (d) => Object.assign(d[2] ?? {}, { actor: 'U0MALLORY' }),
      'seq 3: changed: its content does not match its hash',
    ],
    [
      'a deleted event',
      (d) => d.splice(1, 1),
      'seq 2 is missing: the log goes from seq 1 to seq 3',
    ],
    ['a deleted first event', (d) => d.splice(0, 1), 'seq 1 is missing: the log starts at seq 2'],
    [
      'two events swapped',
      (d) => {
        const [a, b] = [{ ...d[1] }, { ...d[3] }];
        Object.assign(d[1] ?? {}, b, { seq: 2 });
        Object.assign(d[3] ?? {}, a, { seq: 4 });
      },
      'seq 2: out of order: it does not follow seq 1',
    ],
    [
      'an event claiming a taken seq',
      (d) => d.splice(2, 0, { ...d[1] }),
      'seq 2: duplicated: a second event claims seq 2',
    ],
    [
      'an unknown field',
      (d) => Object.assign(d[3] ?? {}, { approvedBy: 'U0MALLORY' }),
      'seq 4: unknown field "approvedBy": the audit log never writes it',
    ],
    [
      'an event signed with another key',
      (d) => {
        const forged = chainEvent(
          started(9),
          { seq: 4, hash: String(d[3]?.hash) },
          auditKey('x'.repeat(32)),
        );
        d.splice(4, 1, forged as unknown as Record<string, unknown>);
      },
      'seq 5: signed with an unknown key',
    ],
    [
      'a link edited to fit',
      (d) => Object.assign(d[4] ?? {}, { prevHash: 'f'.repeat(64) }),
      'seq 5: out of order',
    ],
    [
      'a time turned into text',
      (d) => Object.assign(d[0] ?? {}, { at: (d[0]?.at as Date | undefined)?.toISOString() }),
      'seq 1: malformed: its time (at) is not a date',
    ],
  ])('stops at the first bad event: %s', async (_name, tamper, message) => {
    const documents = chain();
    tamper(documents);
    const result = await verify(documents);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toContain(message);
  });

  it('reports a valid event that does not link to the one before as a broken link', async () => {
    const documents = chain();
    // Re-signed with the key: only the key holder could do this; the link still shows it.
    documents[2] = chainEvent(
      started(7),
      { seq: 2, hash: 'a'.repeat(64) },
      key,
    ) as unknown as Record<string, unknown>;
    const result = await verify(documents);
    expect(!result.ok && result.problem).toMatchObject({ kind: 'broken-link', seq: 3 });
  });

  it('verifies events signed before a key rotation with the old key, and says up to where', async () => {
    const old = auditKey('the-key-before-the-rotation-0123456789');
    const before = chainOf([started(1), started(2)], old);
    const after = chainEvent(started(3), before[1], key);
    const documents = [...before, after] as unknown as Record<string, unknown>[];
    const unknown = await verify(documents);
    expect(!unknown.ok && unknown.problem).toMatchObject({ kind: 'unknown-key', seq: 1 });
    expect(await verify(documents, [key, old])).toMatchObject({
      ok: true,
      count: 3,
      lastSeqUnderOldKey: 2,
    });
  });

  it('notices events cut from the end when the writers recorded a later head', async () => {
    const documents = chain().slice(0, 3);
    const result = await verifyChain(from(documents), {
      keys: [key],
      recordedHead: { seq: 5, hash: 'b'.repeat(64) },
    });
    expect(!result.ok && result.problem.message).toBe(
      'seq 4-5 are missing: the log ends at seq 3, but writers had appended seq 5 (events cut from the end)',
    );
  });

  it('holds the chain to an anchor kept elsewhere: the anchored event, and nothing cut after it', async () => {
    const documents = chain();
    const anchor = { seq: 4, hash: String(documents[3]?.hash) };
    const check = (docs: Record<string, unknown>[], kept = anchor) =>
      verifyChain(from(docs), { keys: [key], anchor: kept });
    expect(await check(documents)).toMatchObject({ ok: true, count: 5 });
    const cut = await check(documents.slice(0, 3));
    expect(!cut.ok && cut.problem.message).toBe(
      'seq 4 is missing: the log ends at seq 3, but the anchor names seq 4 (events cut from the end)',
    );
    // Rewritten by someone holding the key: every hash fits, but not the anchored one.
    const rewritten = chainOf([1, 2, 3, 4, 5].map((n) => ({ ...started(n), actor: 'U0MALLORY' })));
    const result = await check(rewritten as unknown as Record<string, unknown>[]);
    expect(!result.ok && result.problem).toMatchObject({ kind: 'anchor-mismatch', seq: 4 });
  });
});
