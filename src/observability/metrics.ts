import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  commands: Counter<'subcommand'>;
  runsStarted: Counter<'workflow'>;
  runsFinished: Counter<'workflow' | 'status'>;
}

/** A registry per service instance, so tests running several in one process do not collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'countersign_' });
  return {
    registry,
    commands: new Counter({
      name: 'countersign_slash_commands_total',
      help: 'Slash commands received, by subcommand',
      labelNames: ['subcommand'],
      registers: [registry],
    }),
    runsStarted: new Counter({
      name: 'countersign_runs_started_total',
      help: 'Runs recorded and queued, by workflow',
      labelNames: ['workflow'],
      registers: [registry],
    }),
    runsFinished: new Counter({
      name: 'countersign_runs_finished_total',
      help: 'Runs that reached a final status, by workflow and status',
      labelNames: ['workflow', 'status'],
      registers: [registry],
    }),
  };
}
