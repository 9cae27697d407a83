import type { Logger } from './logger';

/** Between two "still unreachable" lines of one outage. */
export const OUTAGE_LOG_INTERVAL_MS = 30_000;

export interface OutageLog {
  /**
   * An error that says the dependency cannot be reached. The first opens the outage (one warn);
   * later ones are counted, and summed up in at most one line per interval.
   */
  failed(error: Error): void;
  /** The dependency answers again: closes an open outage with one line. */
  recovered(): void;
  /** Whether an outage is open. */
  isDown(): boolean;
}

export interface OutageLogOptions {
  /** What is down, as the operator knows it: `Redis at redis://127.0.0.1:6379 (REDIS_URL)`. */
  subject: string;
  log: Logger;
  clock: () => Date;
  intervalMs?: number;
}

/**
 * A dependency's outage in a few lines instead of one per failed attempt: every client that
 * retries on its own reports here, so a reconnect loop does not flood the log with stacks.
 */
export function outageLog(options: OutageLogOptions): OutageLog {
  const { subject, log, clock } = options;
  const intervalMs = options.intervalMs ?? OUTAGE_LOG_INTERVAL_MS;
  let outage: { since: Date; errors: number; loggedAt: number } | undefined;
  return {
    failed(error) {
      const now = clock();
      if (outage === undefined) {
        outage = { since: now, errors: 1, loggedAt: now.getTime() };
        log.warn(
          { error: error.message, code: (error as NodeJS.ErrnoException).code },
          `${subject} is unreachable: ${error.message}; retrying, and logging at most once every ${Math.round(intervalMs / 1_000)} s until it answers`,
        );
        return;
      }
      outage.errors += 1;
      if (now.getTime() - outage.loggedAt < intervalMs) return;
      outage.loggedAt = now.getTime();
      log.warn(
        { errors: outage.errors, since: outage.since.toISOString(), error: error.message },
        `${subject} still unreachable: ${outage.errors} errors since ${outage.since.toISOString()}`,
      );
    },
    recovered() {
      if (outage === undefined) return;
      const { since, errors } = outage;
      outage = undefined;
      const downMs = clock().getTime() - since.getTime();
      log.info(
        { errors, since: since.toISOString(), downMs },
        `${subject} reachable again after ${Math.round(downMs / 1_000)} s (${errors} errors)`,
      );
    },
    isDown: () => outage !== undefined,
  };
}
