import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finalRun } from '../test/support/run-records';
import { startDeployment } from './deployment';
import { type Figure, round } from './stats';

const LOCK_MS = 2_000;
const TRIALS = 3;

/** A low-risk step that marks its start and hangs the first time; run again, it notes when. */
const HANGS_ONCE = `name: hangs-once
inputs:
  marker: { type: string, required: true }
steps:
  - tool: probe
    with: { marker: "{{inputs.marker}}" }
tools:
  - name: probe
    risk: low
    input_schema: { type: object, properties: { marker: { type: string } }, required: [marker] }
    command:
      argv: [sh, -c, 'if [ -e "$1" ]; then date +%s%N > "$1.resumed"; else touch "$1"; sleep 30; fi', sh, "{{args.marker}}"]
      timeout: 60s
`;

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * SIGKILL of the worker process in the middle of a tool call → the step executing again on
 * another worker process (already running). BullMQ hands the job over once the dead worker's lock
 * expires and a stalled-job check notices: between WORKER_LOCK_MS and twice that.
 */
export async function crashRecovery(): Promise<{ figures: Figure[]; details: object }> {
  const d = await startDeployment('crash', {
    workflows: { 'hangs-once.yaml': HANGS_ONCE },
    front: 'serve',
    env: { WORKER_LOCK_MS: String(LOCK_MS) },
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-bench-crash-'));
  const samples: number[] = [];
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      const marker = path.join(dir, `started-${trial}`);
      const victim = await d.addWorker();
      await d.slash(`run hangs-once marker=${marker}`);
      await until('the tool to start', async () =>
        (await readFile(marker).catch(() => null)) ? true : undefined,
      );
      const survivor = await d.addWorker();
      const killedAt = Date.now();
      await victim.kill();
      const resumedAt = await until('the step to run again', async () => {
        const text = await readFile(`${marker}.resumed`, 'utf8').catch(() => '');
        return text.trim() ? Number(BigInt(text.trim()) / 1_000_000n) : undefined;
      });
      samples.push(resumedAt - killedAt);
      const run = await d.runs.findOne({ 'inputs.marker': marker });
      await finalRun(d.runs, String(run?._id), { timeoutMs: 30_000 });
      await survivor.stop();
    }
  } finally {
    await d.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    figures: [
      {
        measurement: `crash recovery, median of ${TRIALS} (lock ${LOCK_MS / 1000} s)`,
        value: round((sorted[Math.floor(TRIALS / 2)] as number) / 1000, 2),
        baseline: LOCK_MS / 1000,
        unit: 's',
        note: 'baseline: WORKER_LOCK_MS; expect lock..2×lock; default lock 30 s → 30–60 s',
      },
    ],
    details: {
      workerLockMs: LOCK_MS,
      trialsMs: samples.map((ms) => round(ms, 0)),
      what: 'SIGKILL of the worker mid tool call → the low-risk step started again on another worker process',
    },
  };
}
