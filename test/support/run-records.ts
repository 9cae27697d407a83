import type { Collection } from 'mongoose';
import { FINAL_RUN_STATUSES } from '../../src/runs/run';
import type { Harness } from './countersign-harness';
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

/**
 * Starts runs from Slack in one channel, and tells each new run's headline from earlier ones:
 * resolves with the id of the run the command started, once its headline is posted.
 */
export function runStarter(h: Harness, channel = 'C0OPS') {
  const seen = new Set<string>();
  return async (text: string, user: string): Promise<string> => {
    await h.slash({ text, user_id: user, channel_id: channel });
    const started = await h.slack.waitForCall(
      'chat.postMessage',
      (call) =>
        call.args.channel === channel &&
        !call.args.thread_ts &&
        !seen.has(runIdIn(call.args.blocks) ?? ''),
    );
    const runId = runIdIn(started.args.blocks) as string;
    seen.add(runId);
    return runId;
  };
}
