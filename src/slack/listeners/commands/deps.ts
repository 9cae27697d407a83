import type { Logger } from 'pino';
import type { Metrics } from '../../../observability/metrics';
import type { Clock, RunQueue, RunRepository } from '../../../runs/ports';
import type { WorkflowCatalog } from '../../../workflows/load-workflows';

/** What the slash-command listeners need; built once by the service. */
export interface CommandDeps {
  catalog: () => WorkflowCatalog;
  runs: RunRepository;
  queue: RunQueue;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Registers work done after the ack, so a shutdown waits for it. */
  track: (work: Promise<unknown>) => void;
}
