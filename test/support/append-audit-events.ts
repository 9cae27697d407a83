// A writer process for the concurrency test: `node --import tsx append-audit-events.ts <mongoUri>
// <writer> <count> [maxBatch]`. Connects, prints "ready", waits for "go" on stdin, then records
// <count> events from 10 callers at once (as 10 jobs of a worker would), each waiting for its
// previous event, and prints how long that took, in ms. maxBatch 1 makes every event its own
// insert: the most races between processes.
import { createInterface } from 'node:readline';
import { auditKey } from '../../src/audit/audit-chain';
import { auditEventModel } from '../../src/store/audit-event-model';
import { auditHeadModel } from '../../src/store/audit-head-model';
import { openDatabase } from '../../src/store/database';
import { MongoAuditLog } from '../../src/store/mongo-audit-log';
import { TEST_AUDIT_HMAC_KEY } from './test-env';

async function main(): Promise<void> {
  const [uri, writer, count, maxBatch] = process.argv.slice(2);
  if (uri === undefined || writer === undefined || count === undefined) {
    throw new Error('usage: append-audit-events <mongoUri> <writer> <count> [maxBatch]');
  }
  const database = await openDatabase(uri, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
  const audit = new MongoAuditLog(
    auditEventModel(database.connection),
    auditHeadModel(database.connection),
    { key: auditKey(TEST_AUDIT_HMAC_KEY), ...(maxBatch ? { maxBatch: Number(maxBatch) } : {}) },
  );
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'go') break;
  const started = performance.now();
  const callers = 10;
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let n = caller; n < Number(count); n += callers) {
        await audit.record({
          type: 'tool_call.executed',
          at: new Date(),
          actor: writer,
          runId: `r-${writer}`,
          workflow: 'concurrency',
          details: { n },
        });
      }
    }),
  );
  process.stdout.write(`${Math.round(performance.now() - started)}\n`);
  lines.close();
  await database.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
