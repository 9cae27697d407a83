import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  commands: Counter<'subcommand'>;
  runsStarted: Counter<'workflow'>;
  runsFinished: Counter<'workflow' | 'status'>;
  gatewayDecisions: Counter<'client' | 'outcome'>;
  gatewayDecisionSeconds: Histogram<'client' | 'outcome'>;
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
    gatewayDecisions: new Counter({
      name: 'countersign_gateway_decisions_total',
      help: 'Gateway answers to outside agents, by client and outcome (allowed, granted, approved, denied, expired, withdrawn, pending, deferred, refused, malformed, failed)',
      labelNames: ['client', 'outcome'],
      registers: [registry],
    }),
    gatewayDecisionSeconds: new Histogram({
      name: 'countersign_gateway_decision_seconds',
      help: 'Time from a gateway request to its answer (waits for a human included), by client and outcome',
      labelNames: ['client', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
  };
}
