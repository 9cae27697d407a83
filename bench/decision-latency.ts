import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { approvalWorkflow, execLogIn, timeDecisions, waitingRuns } from './approvals';
import { startDeployment } from './deployment';
import { type Figure, percentile, round } from './stats';

const DECISIONS = 40;

/** Approve click → card updated, and → the approved call executing; one decision at a time. */
export async function decisionLatency(): Promise<{ figures: Figure[]; details: object }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-bench-exec-'));
  const execLog = execLogIn(dir);
  const d = await startDeployment('decision', {
    workflows: { 'approve-me.yaml': approvalWorkflow(execLog) },
    front: 'serve',
    workers: 1,
  });
  try {
    const cards = await waitingRuns(d, DECISIONS);
    const times = await timeDecisions(d, cards, execLog);
    return {
      figures: decisionFigures(times, ''),
      details: { decisions: DECISIONS, ...summary(times) },
    };
  } finally {
    await d.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function summary(times: { cardMs: number[]; executingMs: number[] }) {
  const of = (samples: number[]) => ({
    p50: round(percentile(samples, 50)),
    p90: round(percentile(samples, 90)),
    p99: round(percentile(samples, 99)),
    max: round(percentile(samples, 100)),
  });
  return { cardUpdated: of(times.cardMs), callExecuting: of(times.executingMs) };
}

export function decisionFigures(
  times: { cardMs: number[]; executingMs: number[] },
  among: string,
): Figure[] {
  const s = summary(times);
  return [
    { measurement: `click → card updated p50${among}`, value: s.cardUpdated.p50, unit: 'ms' },
    { measurement: `click → card updated p99${among}`, value: s.cardUpdated.p99, unit: 'ms' },
    { measurement: `click → call executing p50${among}`, value: s.callExecuting.p50, unit: 'ms' },
    { measurement: `click → call executing p99${among}`, value: s.callExecuting.p99, unit: 'ms' },
  ];
}
