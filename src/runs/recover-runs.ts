import type { Logger } from 'pino';
import type { Clock } from '../shared/clock';
import { giveUpRun } from './give-up-run';
import type { RunQueue, RunRepository } from './ports';
import { ACTIVE_RUN_STATUSES } from './run';

export interface RecoverRunsDeps {
  runs: RunRepository;
  queue: RunQueue;
  clock: Clock;
  log: Logger;
}

/**
 * Finds runs that no job will move forward — recorded but never queued (a crash after the ack),
 * or whose job failed for good (workers killed while holding it) — and hands them back to the
 * queue; also re-queues final runs whose outcome never reached Slack. Idempotent: several
 * workers may run it at once.
 * @returns how many runs were re-queued
 */
export async function recoverRuns(deps: RecoverRunsDeps, quietForMs: number): Promise<number> {
  const before = new Date(deps.clock().getTime() - quietForMs);
  let requeued = 0;
  const stale = await deps.runs.findStale(ACTIVE_RUN_STATUSES, before, 100);
  for (const run of stale) {
    const state = await deps.queue.runJobState(run.id);
    if (state === 'pending') continue;
    if (state === 'failed') {
      await giveUpRun(deps, run.id, 'its job failed after repeated worker crashes or errors');
    }
    deps.log.warn(
      { runId: run.id, status: run.status, jobState: state },
      'recovering stranded run',
    );
    await deps.queue.requeueRun(run.id);
    requeued += 1;
  }
  for (const run of await deps.runs.findUnannounced(before, 100)) {
    if ((await deps.queue.runJobState(run.id)) === 'pending') continue;
    deps.log.warn({ runId: run.id }, 're-queueing a finished run whose outcome was not announced');
    await deps.queue.requeueRun(run.id);
    requeued += 1;
  }
  return requeued;
}
