import type { Collection } from 'mongoose';
import { FINAL_RUN_STATUSES } from '../../src/runs/run';
import { eventually } from './eventually';

/** The run id a run's headline message names (`run \`r-xxxxxxxx\``), in its blocks or text. */
export function runIdIn(message: unknown): string | undefined {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  return /run `(r-[a-z0-9]{8})`/.exec(text)?.[1];
}

/**
 * Waits for the stored run to reach a final status; with `announced`, also for its outcome to
 * have reached Slack.
 */
export function finalRun(
  runs: Collection,
  id: string,
  { announced = false, timeoutMs = 10_000 }: { announced?: boolean; timeoutMs?: number } = {},
) {
  return eventually(
    `run ${id} to end${announced ? ' and be announced' : ''}`,
    async () => {
      const run = await runs.findOne({ _id: id as never });
      const done =
        run && FINAL_RUN_STATUSES.includes(run.status) && (!announced || run.announcedAt);
      return done ? run : undefined;
    },
    timeoutMs,
  );
}
