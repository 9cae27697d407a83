import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { BullmqApprovalTimers } from '../src/queue/approval-timers';
import { newRunId } from '../src/runs/run-id';
import { openDatabase } from '../src/store/database';
import { TEST_AUDIT_HMAC_KEY } from '../test/support/test-env';
import { approvalWorkflow, execLogIn, timeDecisions, waitingRuns } from './approvals';
import { REDIS_URL } from './bench-env';
import type { CountersignProcess } from './countersign-process';
import { decisionFigures, summary } from './decision-latency';
import { type Deployment, startDeployment } from './deployment';
import { type Figure, inParallel, percentile, round } from './stats';

/** How many runs wait; `BENCH_WAITING_RUNS` lowers it on a slow machine. */
const WAITING = Number(process.env.BENCH_WAITING_RUNS ?? 10_000);
const DECISIONS = Number(process.env.BENCH_WAITING_DECISIONS ?? 3);
const BATCH = 500;
const MiB = 2 ** 20;

/** A copy of `value` with every occurrence of `from` in its strings replaced by `to`. */
function renamed(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.replaceAll(from, to);
  if (Array.isArray(value)) return value.map((item) => renamed(item, from, to));
  if (value instanceof Date) return value;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renamed(item, from, to)]),
    );
  }
  return value;
}

/**
 * Makes `count` more runs wait for approval, fast: copies of one run that reached its approval
 * through Slack (run document, approval document, and its reminder and expiry jobs in BullMQ),
 * each under a new run id and request key. Their audit events are not copied.
 */
async function seedWaitingRuns(d: Deployment, templateRunId: string, count: number) {
  const runs = d.db.collection('runs');
  const approvals = d.db.collection('approvals');
  const run = await runs.findOne({ _id: templateRunId as never });
  const approval = await approvals.findOne({ runId: templateRunId });
  if (!run || !approval) throw new Error('the template run has no approval');
  const database = await openDatabase(d.mongoUri, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
  const record = await database.approvals.get(String(approval._id));
  if (!record) throw new Error('the template approval cannot be read back');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const timers = new BullmqApprovalTimers(redis, d.queuePrefix, () => new Date());
  try {
    for (let done = 0; done < count; done += BATCH) {
      const ids = Array.from({ length: Math.min(BATCH, count - done) }, () => newRunId());
      await runs.insertMany(
        ids.map((id, i) => ({
          ...(renamed(run, templateRunId, id) as object),
          requestKey: `bench-seed-${done + i}`,
        })) as never[],
      );
      await approvals.insertMany(ids.map((id) => renamed(approval, templateRunId, id)) as never[]);
      await inParallel(ids, 50, async (id) => {
        await timers.schedule({
          ...record,
          id: record.id.replaceAll(templateRunId, id),
          runId: id,
        });
      });
    }
  } finally {
    await timers.close();
    redis.disconnect();
    await database.close();
  }
}

interface Memory {
  server: { rss: number; heapUsed: number };
  worker: { rss: number; heapUsed: number };
}

/** The median of 5 readings a second apart: one reading lands anywhere in a GC cycle. */
async function memoryOf(front: CountersignProcess, worker: CountersignProcess): Promise<Memory> {
  const readings: Memory[] = [];
  for (let i = 0; i < 5; i++) {
    const [server, work] = await Promise.all([front.memory(), worker.memory()]);
    readings.push({ server, worker: work });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const median = (pick: (m: Memory) => number) => percentile(readings.map(pick), 50);
  return {
    server: { rss: median((m) => m.server.rss), heapUsed: median((m) => m.server.heapUsed) },
    worker: { rss: median((m) => m.worker.rss), heapUsed: median((m) => m.worker.heapUsed) },
  };
}

const mib = (bytes: number) => round(bytes / MiB, 1);

/**
 * Memory of `countersign serve` and `countersign worker` before and after `WAITING` runs wait
 * for approval, and decision latency among them. Nothing waits in memory, so neither should grow.
 */
export async function waitingRunsMemory(): Promise<{ figures: Figure[]; details: object }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-bench-exec-'));
  const execLog = execLogIn(dir);
  const d = await startDeployment('waiting', {
    workflows: { 'approve-me.yaml': approvalWorkflow(execLog) },
    front: 'serve',
    workers: 1,
  });
  const worker = d.workers[0] as CountersignProcess;
  try {
    const [template] = await waitingRuns(d, 1, 0);
    if (!template) throw new Error('no template run');
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const before = await memoryOf(d.front, worker);
    process.stderr.write(`bench: seeding ${WAITING} waiting runs…\n`);
    const seedStarted = performance.now();
    await seedWaitingRuns(d, template.runId, WAITING);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const waiting = await d.runs.countDocuments({ status: 'awaiting_approval' });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const after = await memoryOf(d.front, worker);
    process.stderr.write(`bench: ${DECISIONS} decisions among them…\n`);
    // With this many runs waiting on FerretDB, new runs may not reach their card in time: that is
    // a finding to report, not a reason to lose the memory figures.
    let times: { cardMs: number[]; executingMs: number[] } = { cardMs: [], executingMs: [] };
    let decisionError: string | undefined;
    try {
      const cards = await waitingRuns(d, DECISIONS, 1, 60_000);
      times = await timeDecisions(d, cards, execLog, 20_000);
    } catch (error) {
      decisionError = error instanceof Error ? error.message.slice(0, 300) : String(error);
      process.stderr.write(`bench: decisions among the waiting runs failed: ${decisionError}\n`);
    }
    const afterDecisions = await memoryOf(d.front, worker);
    const label = ` (${waiting} waiting)`;
    return {
      figures: [
        {
          measurement: `worker RSS${label}`,
          value: mib(after.worker.rss),
          baseline: mib(before.worker.rss),
          unit: 'MiB',
          note: 'baseline: same process with 1 run waiting',
        },
        {
          measurement: `worker heap used${label}`,
          value: mib(after.worker.heapUsed),
          baseline: mib(before.worker.heapUsed),
          unit: 'MiB',
        },
        {
          measurement: `server RSS${label}`,
          value: mib(after.server.rss),
          baseline: mib(before.server.rss),
          unit: 'MiB',
        },
        {
          measurement: `server heap used${label}`,
          value: mib(after.server.heapUsed),
          baseline: mib(before.server.heapUsed),
          unit: 'MiB',
        },
        ...(decisionError ? [] : decisionFigures(times, label)),
      ],
      details: {
        waitingRuns: waiting,
        seededRuns: WAITING,
        seedSeconds: round(seedSeconds, 1),
        seededHow:
          'one run reached its approval through Slack; its run and approval documents were copied ' +
          'under new ids (insertMany, 500 a batch) and its reminder and expiry jobs scheduled ' +
          'through BullmqApprovalTimers; audit events were not copied',
        memoryMiB: {
          before: { server: toMiB(before.server), worker: toMiB(before.worker) },
          after: { server: toMiB(after.server), worker: toMiB(after.worker) },
          afterDecisions: {
            server: toMiB(afterDecisions.server),
            worker: toMiB(afterDecisions.worker),
          },
        },
        decisions: DECISIONS,
        ...(decisionError ? { decisionError } : summary(times)),
      },
    };
  } finally {
    await d.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function toMiB(memory: { rss: number; heapUsed: number }) {
  return { rss: mib(memory.rss), heapUsed: mib(memory.heapUsed) };
}
