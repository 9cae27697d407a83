import { pruneRunDetails } from '../runs/prune-run-details';
import { recoverRuns } from '../runs/recover-runs';
import type { Core } from './core';

/**
 * Every RUN_RECOVERY_INTERVAL_MS, and once now: requeues runs left stranded by a crash, and prunes
 * run details past AUDIT_RETENTION_DAYS. A failure is logged and tried again next time.
 */
export function startRecovery({ config, database, queue, clock, log }: Core): { stop(): void } {
  const retentionDays = config.AUDIT_RETENTION_DAYS;
  const recover = async () => {
    await recoverRuns(
      { runs: database.runs, queue, clock, log },
      config.RUN_RECOVERY_INTERVAL_MS,
    ).catch((error) => log.warn({ err: error }, 'run recovery failed; it runs again later'));
    if (retentionDays === undefined) return;
    await pruneRunDetails({ runs: database.runs, clock, log }, retentionDays).catch((error) =>
      log.warn({ err: error }, 'pruning old run details failed; it runs again later'),
    );
  };
  void recover();
  const timer = setInterval(recover, config.RUN_RECOVERY_INTERVAL_MS);
  return { stop: () => clearInterval(timer) };
}
