import { closeServer, listen, type Route, serveRoutes } from '../http/routes';
import { healthRoutes, metricsRoute } from '../observability/health-routes';
import type { Core } from './core';

export interface RunningHttp {
  /** The port the service's server listens on: PORT, or the one bound when PORT is 0. */
  port: number;
  /** The port of the metrics listener, when METRICS_PORT gives /metrics one of its own. */
  metricsPort?: number;
  /** Closes the server, then the metrics listener: each once its requests in flight are answered. */
  stop(): Promise<void>;
}

/**
 * The service's one HTTP server on PORT/HOST: /healthz, /readyz, /metrics (unless METRICS_PORT
 * serves it apart), and the surfaces' `routes` beside them (Slack's `POST /slack/events`).
 */
export async function startHttp(core: Core, routes: Route[]): Promise<RunningHttp> {
  const { config, log } = core;
  const scrape = metricsRoute(core.metrics.registry, config.METRICS_TOKEN);
  // With METRICS_PORT, /metrics is served only there (loopback by default), not on the public PORT.
  const apart = config.METRICS_PORT !== undefined;
  const server = serveRoutes([...readiness(core, apart ? undefined : scrape), ...routes], log);
  const port = await listen(server, config.PORT, config.HOST);
  if (!apart) return { port, stop: () => closeServer(server) };
  const metricsServer = serveRoutes([scrape], log);
  const metricsPort = await listen(
    metricsServer,
    config.METRICS_PORT ?? 0,
    config.METRICS_HOST,
  ).catch(async (error) => {
    await closeServer(server);
    throw error;
  });
  const stop = async () => {
    await closeServer(server);
    await closeServer(metricsServer);
  };
  return { port, metricsPort, stop };
}

/** /healthz and /readyz, which asks Redis, MongoDB and Slack (whether it refuses a token). */
function readiness({ redis, database, slack }: Core, metrics: Route | undefined): Route[] {
  const checks = {
    redis: async () => {
      await redis.commands.ping();
    },
    mongodb: () => database.ping(),
    slack: () => slack.tokens.check(),
  };
  return healthRoutes(checks, metrics);
}
