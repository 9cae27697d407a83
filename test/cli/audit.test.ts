import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { auditKey, chainEvent } from '../../src/audit/audit-chain';
import type { AuditEvent } from '../../src/audit/audit-event';
import { parseTimeOption } from '../../src/cli/audit';
import { canonicalJson } from '../../src/shared/canonical-json';
import type { AuditEventRow } from '../../src/store/audit-event-model';
import { type Database, openDatabase } from '../../src/store/database';
import { runCountersign } from '../support/countersign-cli';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const at = (minute: number) => new Date(Date.UTC(2026, 4, 1, 12, minute));

/** Five events of two runs, over five minutes; details with what CSV must quote. */
const EVENTS: AuditEvent[] = [
  {
    type: 'manifest.loaded',
    at: at(0),
    actor: 'countersign',
    workflow: 'deploy',
    details: { file: '/workflows/deploy.yaml', hash: 'a1' },
  },
  {
    type: 'run.requested',
    at: at(1),
    actor: 'U0ADA',
    runId: 'r-aaaa2222',
    workflow: 'deploy',
    team: 'T0',
    channel: 'C0OPS',
    details: { inputs: '{"env":"prod","note":"say \\"hi\\", then go"}', dryRun: false },
    key: 'r-aaaa2222:requested',
  },
  {
    type: 'run.refused',
    at: at(2),
    actor: 'U0EVE',
    team: 'T0',
    workflow: 'launch, "missiles"\nnow',
    channel: 'C0OPS',
    reason: 'unknown_workflow',
  },
  {
    type: 'run.started',
    at: at(3),
    actor: 'countersign',
    runId: 'r-bbbb3333',
    workflow: 'hello',
    key: 'r-bbbb3333:started',
  },
  {
    type: 'run.finished',
    at: at(4),
    actor: 'countersign',
    runId: 'r-aaaa2222',
    workflow: 'deploy',
    details: { status: 'succeeded', resultSha256: 'b2' },
  },
];

describe('countersign audit verify and export', () => {
  const databases: Database[] = [];

  /** A database holding the EVENTS chain; `rows` is its audit_events, to tamper with. */
  async function seeded() {
    const uri = testMongoUri(uniqueName('audit_cli'));
    const database = await openDatabase(uri, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
    databases.push(database);
    for (const event of EVENTS) await database.audit.record(event);
    return {
      uri,
      rows: database.connection.collection<AuditEventRow>('audit_events'),
      heads: database.connection.collection<{ _id: string; seq: number; hash: string }>(
        'audit_head',
      ),
    };
  }

  afterAll(async () => {
    for (const database of databases) {
      await database.connection.dropDatabase();
      await database.close();
    }
  });

  const verify = (uri: string, args: string[] = []) =>
    runCountersign(['audit', 'verify', ...args], {
      MONGODB_URI: uri,
      AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
    });

  it('passes an untouched chain and prints its head, to anchor elsewhere', async () => {
    const { uri, rows } = await seeded();
    const head = await rows.findOne({ seq: 5 });
    expect(await verify(uri)).toEqual({
      code: 0,
      stdout: `5 events verified, head seq 5 hash ${head?.hash}\n`,
      stderr: '',
    });
  });

  it('tells a database without an audit log (a wrong MONGODB_URI) from an empty log', async () => {
    const wrong = uniqueName('audit_none');
    expect(await verify(testMongoUri(wrong))).toEqual({
      code: 2,
      stdout: '',
      stderr: `countersign: no audit log in database "${wrong}" (no audit_events collection): check that MONGODB_URI names the database the service writes to\n`,
    });
    // A database the service has opened holds an empty log until the first event.
    const uri = testMongoUri(uniqueName('audit_empty'));
    databases.push(await openDatabase(uri, { auditHmacKey: TEST_AUDIT_HMAC_KEY }));
    expect(await verify(uri)).toEqual({
      code: 0,
      stdout: '0 events verified: the audit log is empty\n',
      stderr: '',
    });
  });

  it('needs only MONGODB_URI and AUDIT_HMAC_KEY, and says which is missing', async () => {
    const { uri } = await seeded();
    expect(await runCountersign(['audit', 'verify'], { MONGODB_URI: uri })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'countersign: AUDIT_HMAC_KEY is required\n',
    });
  });

  it.each<[string, (rows: Awaited<ReturnType<typeof seeded>>['rows']) => Promise<unknown>, string]>(
    [
      [
        'a field edited',
        (rows) => rows.updateOne({ seq: 3 }, { $set: { actor: 'U0SOMEONE' } }),
        'seq 3: changed: its content does not match its hash (edited after it was written, or forged without the audit key)',
      ],
      [
        'an event deleted',
        (rows) => rows.deleteOne({ seq: 3 }),
        'seq 3 is missing: the log goes from seq 2 to seq 4',
      ],
      [
        "two events' contents swapped",
        async (rows) => {
          const content = async (seq: number) => {
            const { _id, seq: _seq, ...rest } = (await rows.findOne({ seq })) ?? { _id: '' };
            return rest;
          };
          const [three, five] = [await content(3), await content(5)];
          await rows.replaceOne({ seq: 3 }, { seq: 3, ...five });
          await rows.replaceOne({ seq: 5 }, { seq: 5, ...three });
        },
        "seq 3: out of order: it does not follow seq 2 (its prevHash is not that event's hash) and its content does not match its hash (moved, renumbered, or its link edited)",
      ],
      [
        'a forged event appended without the key',
        async (rows) => {
          const head = await rows.findOne({ seq: 5 });
          const forged: Record<string, unknown> = {
            type: 'run.finished',
            at: at(9),
            actor: 'countersign',
            runId: 'r-bbbb3333',
            workflow: 'hello',
            details: { status: 'succeeded' },
            seq: 6,
            prevHash: head?.hash,
            hmacKeyId: head?.hmacKeyId,
          };
          // The forger's best guess: the right form, signed with a key that is not ours.
          forged.hash = createHmac('sha256', 'a guess at the key')
            .update(canonicalJson({ ...forged, at: at(9).toISOString() }))
            .digest('hex');
          await rows.insertOne({ _id: '000000000006', schemaVersion: 2, ...forged });
        },
        'seq 6: changed: its content does not match its hash (edited after it was written, or forged without the audit key)',
      ],
      [
        'a forged event signed with another key',
        async (rows) => {
          const head = await rows.findOne({ seq: 5 });
          const forged = chainEvent(
            EVENTS[4] as AuditEvent,
            { seq: 5, hash: String(head?.hash) },
            auditKey('not-the-audit-key-but-long-enough-0123'),
          );
          await rows.insertOne({ _id: '000000000006', schemaVersion: 2, ...forged });
        },
        'seq 6: signed with an unknown key',
      ],
      [
        'an unknown key added to an event',
        (rows) => rows.updateOne({ seq: 4 }, { $set: { approvedBy: 'U0MALLORY' } }),
        'seq 4: unknown field "approvedBy": the audit log never writes it',
      ],
      [
        'the last events cut off',
        (rows) => rows.deleteMany({ seq: { $gte: 4 } }),
        'seq 4-5 are missing: the log ends at seq 3, but writers had appended seq 5 (events cut from the end)',
      ],
    ],
  )('detects %s, naming the first bad seq, and exits 1', async (_name, tamper, message) => {
    const { uri, rows } = await seeded();
    await tamper(rows);
    const result = await verify(uri);
    expect(result.code).toBe(1);
    const [first, summary] = result.stdout.split('\n');
    expect(first?.startsWith(message)).toBe(true);
    expect(summary).toMatch(/^audit log NOT verified: \d event\(s\) checked out before that one$/);
  });

  it('holds the chain to a head anchored elsewhere, which shows events cut from the end', async () => {
    const { uri, rows, heads } = await seeded();
    const four = await rows.findOne({ seq: 4 });
    const anchor = `4:${four?.hash}`;
    expect(await verify(uri, ['--anchor', anchor])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^5 events verified, head seq 5 hash [0-9a-f]{64}\nthe anchored event \(seq 4\) is in the chain, unchanged\n$/,
      ),
    });
    // Cut, and the recorded head rewound to match: only the anchor still knows.
    await rows.deleteMany({ seq: { $gte: 4 } });
    await heads.updateOne(
      { _id: 'head' },
      { $set: { seq: 3, hash: (await rows.findOne({ seq: 3 }))?.hash } },
    );
    expect((await verify(uri)).code).toBe(0);
    expect(await verify(uri, ['--anchor', anchor])).toMatchObject({
      code: 1,
      stdout: expect.stringContaining(
        'seq 4 is missing: the log ends at seq 3, but the anchor names seq 4 (events cut from the end)',
      ),
    });
    expect((await verify(uri, ['--anchor', 'yesterday'])).stderr).toMatch(
      /^countersign: --anchor must be <seq>:<hash>/,
    );
  });

  it('verifies events signed before a key rotation when given the old key', async () => {
    const { uri, rows } = await seeded();
    const newKey = 'the-key-after-the-rotation-0123456789abcdef';
    const rotated = await openDatabase(uri, { auditHmacKey: newKey });
    databases.push(rotated);
    await rotated.audit.record({
      type: 'run.finished',
      at: at(5),
      actor: 'countersign',
      runId: 'r-bbbb3333',
      workflow: 'hello',
      key: 'after-rotation',
    });
    const withNewKey = { MONGODB_URI: uri, AUDIT_HMAC_KEY: newKey };
    const without = await runCountersign(['audit', 'verify'], withNewKey);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('seq 1: signed with an unknown key');

    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-keys-'));
    await writeFile(path.join(dir, 'old-keys'), `# retired 2026-05-01\n${TEST_AUDIT_HMAC_KEY}\n`);
    const head = await rows.findOne({ seq: 6 });
    const withOld = await runCountersign(
      ['audit', 'verify', '--old-keys', path.join(dir, 'old-keys')],
      withNewKey,
    );
    expect(withOld).toMatchObject({
      code: 0,
      stdout: `6 events verified, head seq 6 hash ${head?.hash}\nthe last event signed with an old key (--old-keys) is seq 5\n`,
    });
  });

  describe('export', () => {
    let uri: string;
    beforeAll(async () => {
      ({ uri } = await seeded());
    });
    const exported = (args: string[]) =>
      runCountersign(['audit', 'export', ...args], { MONGODB_URI: uri });

    it('streams every event as a JSON line, in seq order, with everything needed to re-verify it', async () => {
      const result = await exported([]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const lines = result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => [line.seq, line.type])).toEqual(
        EVENTS.map((event, n) => [n + 1, event.type]),
      );
      expect(Object.keys(lines[1])).toEqual([
        'seq',
        'at',
        'type',
        'actor',
        'team',
        'workflow',
        'channel',
        'runId',
        'key',
        'details',
        'prevHash',
        'hmacKeyId',
        'hash',
      ]);
      expect(lines[2]).toMatchObject({
        at: '2026-05-01T12:02:00.000Z',
        workflow: 'launch, "missiles"\nnow',
        reason: 'unknown_workflow',
      });
      // Whoever holds the key can check an exported event on their own.
      const { hash, ...signed } = lines[1];
      expect(auditKey(TEST_AUDIT_HMAC_KEY).sign(canonicalJson(signed))).toBe(hash);
    });

    it('filters by run and by time: --since inclusive, --until exclusive', async () => {
      const seqs = async (args: string[]) =>
        (await exported(args)).stdout
          .trimEnd()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line).seq);
      expect(await seqs(['--run', 'r-aaaa2222'])).toEqual([2, 5]);
      expect(
        await seqs(['--since', '2026-05-01T12:01:00Z', '--until', '2026-05-01T12:03:00Z']),
      ).toEqual([2, 3]);
      expect(await seqs(['--run', 'r-aaaa2222', '--since', '2026-05-01T14:02:00+02:00'])).toEqual([
        5,
      ]);
      expect(await seqs(['--until', '2026-05-01'])).toEqual([]);
    });

    it('writes CSV with a header, quoting commas, quotes and line breaks, details as JSON', async () => {
      const result = await exported(['--format', 'csv', '--until', '2026-05-01T12:03:00Z']);
      expect(result.code).toBe(0);
      const rows = result.stdout.split('\r\n');
      expect(rows[0]).toBe(
        'seq,at,type,actor,team,workflow,channel,runId,reason,key,details,prevHash,hmacKeyId,hash',
      );
      expect(rows[2]).toMatch(
        /^2,2026-05-01T12:01:00.000Z,run.requested,U0ADA,T0,deploy,C0OPS,r-aaaa2222,,r-aaaa2222:requested,"{""dryRun"":false,""inputs"":""{\\""env\\"":\\""prod\\"",\\""note\\"":\\""say \\\\\\""hi\\\\\\"", then go\\""}""}",[0-9a-f]{64},[0-9a-f]{16},[0-9a-f]{64}$/,
      );
      expect(rows[3]).toMatch(
        /^3,2026-05-01T12:02:00.000Z,run.refused,U0EVE,T0,"launch, ""missiles""\nnow",C0OPS,,unknown_workflow,,,/,
      );
      expect(rows.at(-1)).toBe('');
      expect(rows).toHaveLength(5);
    });

    it('refuses a run id that no run could have, and a time range with nothing in it', async () => {
      expect(await exported(['--run', 'not a run'])).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'countersign: --run must be a run id such as r-7kq2m9xd, as Slack shows it (got "not a run")\n',
      });
      expect(await exported(['--since', '2026-05-02', '--until', '2026-05-01T12:00:00Z'])).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'countersign: --since (2026-05-02) must be earlier than --until (2026-05-01T12:00:00Z): no event is in between\n',
      });
    });

    it('says so when the database holds no audit log, rather than export nothing', async () => {
      const wrong = uniqueName('audit_none');
      const result = await runCountersign(['audit', 'export'], {
        MONGODB_URI: testMongoUri(wrong),
      });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toMatch(
        new RegExp(`^countersign: no audit log in database "${wrong}"`),
      );
    });

    it('refuses a time it cannot read, before touching the database, with one line', async () => {
      expect(await exported(['--since', 'yesterday'])).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'countersign: --since must be an ISO 8601 date or time with a zone, e.g. 2026-05-01 or 2026-05-01T12:00:00Z (got "yesterday")\n',
      });
    });
  });
});

describe('times on the audit command line', () => {
  it.each([
    ['2026-05-01', '2026-05-01T00:00:00.000Z'],
    ['2026-05-01T12:30:00Z', '2026-05-01T12:30:00.000Z'],
    ['2026-05-01T14:30+02:00', '2026-05-01T12:30:00.000Z'],
    ['2026-05-01T12:30:00.250Z', '2026-05-01T12:30:00.250Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseTimeOption('--since', text).toISOString()).toBe(iso);
  });

  it.each([
    'yesterday',
    '2026-02-30',
    '2026-13-01',
    '2026-05-01T12:00',
    '2026-05-01 12:00Z',
    '1714564800',
  ])('refuses %s: a day that does not exist, or a time without its zone', (text) => {
    expect(() => parseTimeOption('--until', text)).toThrow(
      `--until must be an ISO 8601 date or time with a zone, e.g. 2026-05-01 or 2026-05-01T12:00:00Z (got "${text}")`,
    );
  });
});
