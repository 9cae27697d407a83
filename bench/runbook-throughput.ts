import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { benchName, dropQueuePrefix, REDIS_URL } from './bench-env';
import { startDeployment } from './deployment';
import { type Figure, inParallel, round } from './stats';

const RUNS = 80;
const SENDERS = 10;
const CONCURRENCY = 10;
const NOOP_JOBS = 5_000;

const THREE_STEPS = `name: three-steps
steps:
  - tool: step
    with: { n: "1" }
  - tool: step
    with: { n: "2" }
  - tool: step
    with: { n: "3" }
tools:
  - name: step
    risk: low
    input_schema: { type: object, properties: { n: { type: string } }, required: [n] }
    command: { argv: [echo, "step {{args.n}}"], timeout: 5s }
`;

/** Runs of a 3-step low-risk runbook, from the slash command to the announced outcome, per second. */
async function runbookRate(): Promise<{ perSecond: number; seconds: number }> {
  const d = await startDeployment('throughput', {
    workflows: { 'three-steps.yaml': THREE_STEPS },
    front: 'serve',
    workers: 1,
    env: { WORKER_CONCURRENCY: String(CONCURRENCY) },
  });
  try {
    const started = performance.now();
    await inParallel(Array.from({ length: RUNS }), SENDERS, async () => {
      const response = await d.slash('run three-steps');
      if (response.status !== 200) throw new Error(`slash answered ${response.status}`);
    });
    const deadline = Date.now() + 180_000;
    for (;;) {
      const done = await d.runs.countDocuments({ status: 'succeeded', announcedAt: { $ne: null } });
      if (done >= RUNS) break;
      const failed = await d.runs.countDocuments({
        status: { $nin: ['queued', 'running', 'succeeded'] },
      });
      if (failed > 0) throw new Error(`${failed} runs did not succeed`);
      if (Date.now() > deadline) throw new Error(`only ${done} of ${RUNS} runs ended in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: RUNS / seconds, seconds };
  } finally {
    await d.stop();
  }
}

/** BullMQ alone on the same Redis: no-op jobs through one worker of the same concurrency. */
async function noopJobRate(): Promise<{ perSecond: number; seconds: number }> {
  const prefix = benchName('noop');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix });
  let completed = 0;
  let finish: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = new Worker('noop', async () => undefined, {
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    prefix,
    concurrency: CONCURRENCY,
  });
  worker.on('completed', () => {
    completed += 1;
    if (completed === NOOP_JOBS) finish();
  });
  try {
    await worker.waitUntilReady();
    const started = performance.now();
    for (let i = 0; i < NOOP_JOBS; i += 500) {
      const batch = Array.from({ length: Math.min(500, NOOP_JOBS - i) }, (_, j) => ({
        name: 'noop',
        data: { n: i + j },
        opts: { removeOnComplete: true },
      }));
      await queue.addBulk(batch);
    }
    await allDone;
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: NOOP_JOBS / seconds, seconds };
  } finally {
    await worker.close();
    await queue.close();
    connection.disconnect();
    await dropQueuePrefix(prefix);
  }
}

export async function runbookThroughput(): Promise<{ figures: Figure[]; details: object }> {
  const runbook = await runbookRate();
  const noop = await noopJobRate();
  return {
    figures: [
      {
        measurement: 'runbook throughput (3 low-risk steps)',
        value: round(runbook.perSecond, 2),
        baseline: round(noop.perSecond, 0),
        unit: 'runs/s',
        note: 'baseline: raw BullMQ no-op jobs/s, same Redis, same concurrency',
      },
    ],
    details: {
      runs: RUNS,
      senders: SENDERS,
      workerConcurrency: CONCURRENCY,
      workers: 1,
      runbookSeconds: round(runbook.seconds, 2),
      noopJobs: NOOP_JOBS,
      noopSeconds: round(noop.seconds, 2),
    },
  };
}
