import type { Logger } from 'pino';
import type { Clock } from '../shared/clock';
import type { RunRepository } from './ports';

export interface PruneRunDetailsDeps {
  runs: RunRepository;
  clock: Clock;
  log: Logger;
}

const DAY_MS = 86_400_000;
const BATCH = 100;
/** Per call; the next call (the next recovery tick) carries on. */
const MAX_BATCHES = 10;

/**
 * Retention (AUDIT_RETENTION_DAYS): removes the step outputs and results of runs that ended more
 * than `retentionDays` ago. Their audit events hold only sha256 hashes of that text, so the audit
 * chain still verifies. Safe to run in several workers at once (each run is pruned by one update).
 * @returns how many runs were pruned
 */
export async function pruneRunDetails(
  deps: PruneRunDetailsDeps,
  retentionDays: number,
): Promise<number> {
  const now = deps.clock();
  const before = new Date(now.getTime() - retentionDays * DAY_MS);
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const pruned = await deps.runs.pruneDetails(before, now, BATCH);
    total += pruned;
    if (pruned < BATCH) break;
  }
  if (total > 0) deps.log.info({ pruned: total, before }, 'pruned details of old runs');
  return total;
}
