import { webApi } from '@slack/bolt';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from './config';
import { healthRoutes, serveRoutes } from './observability/health-routes';
import type { Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { BullmqRunQueue } from './queue/bullmq-run-queue';
import { startRunWorker } from './queue/run-worker';
import type { Clock } from './runs/ports';
import { createSlackApp } from './slack/create-slack-app';
import { SlackRunNotifier } from './slack/slack-run-notifier';
import { openDatabase } from './store/database';
import { ManifestToolRunner } from './tools/manifest-tool-runner';
import { formatProblem, loadWorkflows, type WorkflowCatalog } from './workflows/load-workflows';

export interface ServiceRoles {
  /** Slack receiver plus health routes. */
  http: boolean;
  /** BullMQ workers that carry runs out. */
  worker: boolean;
}

export interface RunningService {
  /** The port the HTTP server listens on (the Slack receiver, or the worker's health server). */
  port: number;
  metrics: Metrics;
  /** Stops taking work, lets jobs in progress finish (up to SHUTDOWN_TIMEOUT_MS), closes connections. */
  stop(): Promise<void>;
}

function redisConnection(url: string): Redis {
  // BullMQ workers block on Redis; they need unlimited retries per request.
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** Wires every part for the chosen roles; the composition root, the only file that knows them all. */
export async function startService(
  config: Config,
  roles: ServiceRoles,
  log: Logger,
  clock: Clock = () => new Date(),
): Promise<RunningService> {
  const catalog: WorkflowCatalog = await loadWorkflows(config.WORKFLOWS_DIR);
  for (const problem of catalog.problems)
    log.error({ problem: formatProblem(problem) }, 'invalid manifest skipped');
  log.info({ workflows: [...catalog.workflows.keys()] }, 'workflows loaded');

  const metrics = createMetrics();
  const database = await openDatabase(config.MONGODB_URI);
  const redis = redisConnection(config.REDIS_URL);
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  const queue = new BullmqRunQueue(redis, config.QUEUE_PREFIX);
  const routes = healthRoutes(
    {
      redis: async () => {
        await redis.ping();
      },
      mongodb: () => database.ping(),
    },
    metrics.registry,
  );

  let worker: Worker | undefined;
  let workerConnection: Redis | undefined;
  if (roles.worker) {
    const client = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
      ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
      // A few quick retries here; longer outages are retried by the job's own backoff.
      retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    });
    workerConnection = redisConnection(config.REDIS_URL);
    workerConnection.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
    worker = startRunWorker(
      {
        runs: database.runs,
        notifier: new SlackRunNotifier(client, log),
        tools: new ManifestToolRunner(),
        clock,
        log,
      },
      {
        connection: workerConnection,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        onFinished: (workflow, status) => metrics.runsFinished.inc({ workflow, status }),
      },
    );
    worker.on('error', (error) => log.error({ err: error }, 'worker error'));
  }

  let port: number;
  let stopHttp: () => Promise<void>;
  if (roles.http) {
    const slack = createSlackApp(config, log, routes, {
      catalog: () => catalog,
      runs: database.runs,
      queue,
      clock,
      log,
      metrics,
    });
    port = await slack.start();
    stopHttp = () => slack.stop();
  } else {
    const server = serveRoutes(routes);
    await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : config.PORT;
    stopHttp = () => new Promise((resolve) => server.close(() => resolve()));
  }
  log.info({ port, roles }, 'countersign started');

  return {
    port,
    metrics,
    async stop() {
      log.info('stopping: no new requests or jobs');
      await stopHttp();
      if (worker) {
        const closing = worker.close();
        const timedOut = await Promise.race([
          closing.then(() => false),
          new Promise<boolean>((resolve) =>
            setTimeout(resolve, config.SHUTDOWN_TIMEOUT_MS, true).unref(),
          ),
        ]);
        // Jobs still running are left to BullMQ's stalled-job check: another worker takes them over.
        if (timedOut) await worker.close(true);
      }
      await queue.close();
      await Promise.all([redis.quit(), workerConnection?.quit()]);
      await database.close();
      log.info('stopped');
    },
  };
}
