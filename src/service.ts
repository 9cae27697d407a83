import { buildCore, type Core } from './compose/core';
import { gatewayRoutes } from './compose/gateway-surface';
import { type RunningHttp, startHttp } from './compose/http';
import { startRecovery } from './compose/recovery';
import { startSlackSurface } from './compose/slack-surface';
import { type StopStack, stopStack } from './compose/stop-stack';
import { startWorkers } from './compose/workers';
import type { Config } from './config';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import type { Clock } from './shared/clock';
import type { Redactor } from './shared/redactor';
import { within } from './shared/within';

export interface ServiceRoles {
  /**
   * The Slack surface (its events route on the server, or Socket Mode) and the gateway's routes,
   * with the manifests they decide on.
   */
  http: boolean;
  /** BullMQ workers that carry runs out, and the recovery of stranded runs. Health is served either way. */
  worker: boolean;
}

export interface ServiceOptions {
  config: Config;
  roles: ServiceRoles;
  log: Logger;
  /** The one `log` was created with: the service teaches it every secret value before anything else. */
  redactor: Redactor;
  /** @defaultValue the system clock */
  clock?: Clock;
}

export interface RunningService {
  /** The port the service's HTTP server listens on: health, metrics, and Slack's events over HTTP. */
  port: number;
  /** The port of the metrics listener, when METRICS_PORT gives /metrics one of its own. */
  metricsPort?: number;
  metrics: Metrics;
  /** Stops taking work, lets work in progress finish (up to SHUTDOWN_TIMEOUT_MS), closes connections. */
  stop(): Promise<void>;
}

/**
 * The composition root: starts the pieces for the chosen roles, each stopped in reverse order of
 * start. So a shutdown refuses new requests and jobs first, closes the server, waits for side work,
 * drains the workers, and closes the queues, Redis and MongoDB last. A start that fails stops what
 * it had started.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, roles, log } = options;
  const { core, stop: closeStores } = await buildCore({
    ...options,
    clock: options.clock ?? (() => new Date()),
  });
  const stops = stopStack(config.SHUTDOWN_TIMEOUT_MS);
  stops.push(closeStores);
  const http = await startPieces(core, roles, stops).catch(async (error: unknown) => {
    await stops.stopAll();
    throw error;
  });
  log.info({ port: http.port, metricsPort: http.metricsPort, roles }, 'countersign started');
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    log.info('stopping: no new requests or jobs');
    await stops.stopAll();
    log.info('stopped');
  };
  // A second signal, or a second caller, waits for the same drain.
  return {
    port: http.port,
    metricsPort: http.metricsPort,
    metrics: core.metrics,
    stop: () => (stopping ??= stop()),
  };
}

/** Each piece on top of the core, its stop pushed as it starts: the last started stops first. */
async function startPieces(core: Core, roles: ServiceRoles, stops: StopStack) {
  if (roles.worker) stops.push(startWorkers(core).stop);
  // Work a request set going beside its answer: waited for once no request can come in.
  stops.push((left) => within(left(), core.sideWork.idle()));
  const http = await startDoors(core, roles, stops);
  if (roles.worker) stops.push(startRecovery(core).stop);
  return http;
}

/**
 * The server, with the Slack surface's routes and the gateway's (which decides on the workflows
 * the Slack surface reads); the surface stops before the server closes.
 */
async function startDoors(core: Core, roles: ServiceRoles, stops: StopStack): Promise<RunningHttp> {
  const slack = roles.http ? await startSlackSurface(core) : undefined;
  try {
    const routes = slack ? [...slack.routes, ...gatewayRoutes(core, slack.catalog)] : [];
    const http = await startHttp(core, routes);
    stops.push(http.stop);
    await slack?.connect();
    if (slack) stops.push(slack.stop);
    return http;
  } catch (error) {
    await slack?.stop();
    throw error;
  }
}
