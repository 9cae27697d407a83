import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { auditKey } from '../../src/audit/audit-chain';
import { verifyChain } from '../../src/audit/verify-chain';
import { MongoAuditReader } from '../../src/store/mongo-audit-reader';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const WRITERS = 4;
const EACH = 50;
const script = path.join(__dirname, '../support/append-audit-events.ts');

/** A writer process; resolves `ready` once it is connected, `done` with its stdout when it exits. */
function writerProcess(uri: string, name: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    // One insert per event: every append races the other processes.
    ['--import', 'tsx', script, uri, name, String(EACH), '1'],
    { cwd: path.join(__dirname, '../..'), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, ready, done };
}

describe('several processes appending to the audit log at once', () => {
  const uri = testMongoUri(uniqueName('audit_writers'));
  let db: Connection;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await mongoose.createConnection(uri).asPromise();
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await db.dropDatabase();
    await db.close();
  });

  it(`produce one gap-free chain that verifies (${WRITERS} processes × ${EACH} events)`, async () => {
    const writers = Array.from({ length: WRITERS }, (_, w) => writerProcess(uri, `U0WRITER${w}`));
    children.push(...writers.map((writer) => writer.child));
    await Promise.all(writers.map((writer) => writer.ready));
    for (const writer of writers) writer.child.stdin?.write('go\n');
    const results = await Promise.all(writers.map((writer) => writer.done));
    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' });

    const stored = await db.collection('audit_events').find({}).sort({ seq: 1 }).toArray();
    expect(stored.map((doc) => doc.seq)).toEqual(
      Array.from({ length: WRITERS * EACH }, (_, n) => n + 1),
    );
    for (let w = 0; w < WRITERS; w++) {
      const own = stored.filter((doc) => doc.actor === `U0WRITER${w}`);
      expect(own.map((doc) => doc.details.n).sort((a, b) => a - b)).toEqual(
        Array.from({ length: EACH }, (_, n) => n),
      );
    }
    // They did write at the same time: the chain passes from one writer to another many times.
    const handovers = stored.filter((doc, i) => i > 0 && doc.actor !== stored[i - 1]?.actor);
    expect(handovers.length).toBeGreaterThan(WRITERS);

    const reader = await MongoAuditReader.open(uri);
    try {
      const result = await verifyChain(reader.documents(), {
        keys: [auditKey(TEST_AUDIT_HMAC_KEY)],
        storageFields: reader.storageFields,
        recordedHead: await reader.recordedHead(),
      });
      expect(result).toMatchObject({ ok: true, count: WRITERS * EACH });
    } finally {
      await reader.close();
    }
  }, 120_000);
});
