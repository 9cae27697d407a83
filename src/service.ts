import os from 'node:os';
import { webApi } from '@slack/bolt';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createAnthropicClient } from './agent/anthropic-client';
import { AnthropicModel } from './agent/anthropic-model';
import type { Config } from './config';
import {
  closeServer,
  healthRoutes,
  listen,
  metricsRoute,
  serveRoutes,
} from './observability/health-routes';
import { boltLogger, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { CachedUsergroupDirectory } from './policy/cached-usergroup-directory';
import { BullmqApprovalTimers, startApprovalWorker } from './queue/approval-timers';
import { BullmqRunQueue } from './queue/bullmq-run-queue';
import { jobsInProgress } from './queue/jobs-in-progress';
import { redisOutage, untilRedisReady } from './queue/redis-outage';
import { startRunWorker } from './queue/run-worker';
import { pruneRunDetails } from './runs/prune-run-details';
import { recoverRuns } from './runs/recover-runs';
import { runApprovals } from './runs/run-approvals';
import type { Clock } from './shared/clock';
import type { Redactor } from './shared/redactor';
import { within } from './shared/within';
import { workInProgress } from './shared/work-in-progress';
import { boundedSlackFetch } from './slack/bounded-slack-fetch';
import { createSlackApp } from './slack/create-slack-app';
import { redactingFetch } from './slack/redacting-fetch';
import { SlackApprovalNotifier } from './slack/slack-approval-notifier';
import { SlackRunNotifier } from './slack/slack-run-notifier';
import { SlackUsergroupDirectory } from './slack/slack-usergroup-directory';
import { watchTokenRefusals } from './slack/token-refusals';
import { verifyBotToken } from './slack/verify-bot-token';
import { openDatabase } from './store/database';
import { ManifestToolRunner } from './tools/manifest-tool-runner';
import { SecretBroker } from './tools/secret-broker';
import { formatProblem } from './workflows/load-workflows';
import { manifestChangeEvent } from './workflows/manifest-change-event';
import { startWorkflowRegistry, type WorkflowChange } from './workflows/workflow-registry';

export interface ServiceRoles {
  /** Slack receiver plus health routes. */
  http: boolean;
  /** BullMQ workers that carry runs out, and the recovery of stranded runs. */
  worker: boolean;
}

export interface RunningService {
  /** The port the HTTP server listens on (the Slack receiver, or the worker's health server). */
  port: number;
  /** The port of the metrics listener, when METRICS_PORT gives /metrics one of its own. */
  metricsPort?: number;
  metrics: Metrics;
  /** Stops taking work, lets work in progress finish (up to SHUTDOWN_TIMEOUT_MS), closes connections. */
  stop(): Promise<void>;
}

/** Slack waits 3 s for a slash command's answer; looking up user groups may take half of that. */
const ACCESS_CHECK_TIMEOUT_MS = 1_500;

/**
 * One attempt of a Web API call that no person waits on (run messages, cards, approvers' DMs): a
 * hung request must free its job, whose own backoff retries it; a slow but working Slack gets time.
 */
const WEB_API_TIMEOUT_MS = 10_000;

/** Quits politely if Redis answers soon, else drops the connection. */
async function closeRedis(redis: Redis): Promise<void> {
  // Not connected: a QUIT would wait in the offline queue for a server that is not there.
  if (redis.status !== 'ready') return redis.disconnect();
  const quit = redis.quit().catch(() => undefined);
  if ((await within(2_000, quit)) === undefined) redis.disconnect();
}

function logWorkflowChange(log: Logger, change: WorkflowChange): void {
  if (change.kind !== 'rejected') {
    log.info(change, `workflow ${change.kind}`);
    return;
  }
  const { problems, ...rest } = change;
  log.error(
    { ...rest, problems: problems.map(formatProblem) },
    change.servingHash
      ? 'invalid manifest refused; its previous version keeps serving'
      : 'invalid manifest skipped',
  );
}

/**
 * Wires every part for the chosen roles; the composition root, the only file that knows them all.
 * `redactor` is the one `log` was created with: it learns every secret value here, first.
 */
export async function startService(
  config: Config,
  roles: ServiceRoles,
  log: Logger,
  clock: Clock = () => new Date(),
  redactor: Redactor,
): Promise<RunningService> {
  const secrets = new SecretBroker({
    variables: config.secretValues,
    file: config.COUNTERSIGN_SECRETS_FILE,
    redactor,
    log,
  });
  // Before anything is logged, posted or stored: every value is scrubbed from the start.
  await secrets.preload();
  // The service's own credentials are scrubbed too: none of them has a reason to appear anywhere.
  for (const name of [
    'SLACK_BOT_TOKEN',
    'SLACK_SIGNING_SECRET',
    'SLACK_APP_TOKEN',
    'ANTHROPIC_API_KEY',
    'AUDIT_HMAC_KEY',
    'METRICS_TOKEN',
  ] as const) {
    const value = config[name];
    if (value) redactor.add(name, value);
  }
  const slackApiUrl = config.SLACK_API_URL ?? 'https://slack.com/api/';
  // Before the stores: a token Slack refuses, or a Slack that does not answer, stops the start.
  const bot = await verifyBotToken({
    token: config.SLACK_BOT_TOKEN,
    apiUrl: slackApiUrl,
    fetch: redactingFetch(redactor),
    logger: boltLogger(log),
  });
  const tokens = watchTokenRefusals(
    { SLACK_BOT_TOKEN: config.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: config.SLACK_APP_TOKEN },
    log,
  );
  const slackFetch = redactingFetch(redactor, tokens.fetch);
  const web = { fetch: slackFetch, bot };
  const metrics = createMetrics();
  const database = await openDatabase(config.MONGODB_URI, {
    auditHmacKey: config.AUDIT_HMAC_KEY,
    redactor,
  });
  // Work done beside a request (after a Slack ack, an audit write); the drain waits for it
  // before closing the stores.
  const sideWork = workInProgress();
  const track = (work: Promise<unknown>) => sideWork.add(work);
  const processName = `${os.hostname()}:${process.pid}`;
  // Only the Slack side reads manifests from disk: a worker runs the copy stored with each run.
  const registry = roles.http
    ? await startWorkflowRegistry({
        dir: config.WORKFLOWS_DIR,
        watch: config.WORKFLOWS_WATCH,
        onChange: (change) => {
          logWorkflowChange(log, change);
          const event = manifestChangeEvent(change, clock(), processName);
          track(
            database.audit
              .record(event)
              .catch((error) =>
                log.error({ err: error, event }, 'could not audit a manifest change'),
              ),
          );
        },
        onError: (error) => log.error({ err: error }, 'workflows could not be reloaded'),
      })
    : undefined;
  if (registry) {
    log.info({ workflows: [...registry.catalog().workflows.keys()] }, 'workflows loaded');
  }

  // Commands and probes fail fast when Redis is down instead of waiting in an offline queue.
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // Without Redis nothing can be queued: a start refuses, naming it, as it does without MongoDB.
  await untilRedisReady(redis, config.REDIS_URL).catch(async (error) => {
    await registry?.stop();
    await database.close();
    throw error;
  });
  // Every client, queue and worker on Redis reports here: an outage is a few lines, not one per retry.
  const outage = redisOutage(config.REDIS_URL, log, clock);
  outage.client(redis);
  const queue = new BullmqRunQueue(redis, config.QUEUE_PREFIX);
  outage.emitter(queue.queue, 'queue', 'warn');
  const timers = new BullmqApprovalTimers(redis, config.QUEUE_PREFIX, clock);
  outage.emitter(timers.queue, 'approval queue', 'warn');
  // Every Web API client: Slack's URL (or a test's), the redacting fetch, logs through pino, and
  // a bounded wait for each attempt, whose failure is logged with its method and host.
  const slackClient = (options: webApi.WebClientOptions) =>
    new webApi.WebClient(config.SLACK_BOT_TOKEN, {
      ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
      fetch: boundedSlackFetch(slackFetch, { log, timeoutMs: WEB_API_TIMEOUT_MS }),
      logger: boltLogger(log),
      timeout: WEB_API_TIMEOUT_MS,
      ...options,
    });
  // Run messages, cards and approvers' messages: a few quick retries here; longer outages are
  // retried by the jobs' own backoff.
  const messagesClient = slackClient({
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
  });
  const approvalNotifier = new SlackApprovalNotifier(messagesClient);
  const usergroupClient = slackClient({
    // Asked while a slash command or a click waits for its answer: no retries, no waiting out a
    // rate limit; a lookup that hangs is dropped (and not cached) after a few seconds.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 5_000,
  });
  const directory = new CachedUsergroupDirectory(
    new SlackUsergroupDirectory(usergroupClient, log),
    config.USERGROUP_CACHE_TTL_MS,
    clock,
  );
  const decisions = {
    approvals: database.approvals,
    subject: runApprovals({ runs: database.runs, queue, clock }),
    notifier: approvalNotifier,
    timers,
    audit: database.audit,
    groups: directory,
    clock,
    log,
  };
  const scrape = metricsRoute(metrics.registry, config.METRICS_TOKEN);
  // With METRICS_PORT, /metrics is served only there (loopback by default), not on the public PORT.
  const metricsServer = config.METRICS_PORT === undefined ? undefined : serveRoutes([scrape], log);
  const routes = healthRoutes(
    {
      redis: async () => {
        await redis.ping();
      },
      mongodb: () => database.ping(),
      slack: () => tokens.check(),
    },
    metricsServer ? undefined : scrape,
  );

  let worker: Worker | undefined;
  let approvalWorker: Worker | undefined;
  let workerRedis: Redis | undefined;
  let recovery: NodeJS.Timeout | undefined;
  const jobs = jobsInProgress();
  if (roles.worker) {
    // BullMQ workers block on Redis; they need unlimited retries per request.
    workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    outage.client(workerRedis);
    const deps = {
      runs: database.runs,
      audit: database.audit,
      notifier: new SlackRunNotifier(messagesClient, log),
      tools: new ManifestToolRunner({ secrets, redactor, log }),
      approvals: database.approvals,
      approvalNotifier,
      approvalTimers: timers,
      // Without a key, agent workflows fail with a message saying so; runbooks still run.
      ...(config.ANTHROPIC_API_KEY
        ? { model: new AnthropicModel(createAnthropicClient(config), redactor) }
        : {}),
      defaultModel: config.ANTHROPIC_MODEL,
      clock,
      log,
    };
    worker = startRunWorker(deps, {
      connection: workerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockMs: config.WORKER_LOCK_MS,
      queue,
      redactor,
      onFinished: (workflow, status) => metrics.runsFinished.inc({ workflow, status }),
      jobs,
    });
    outage.emitter(worker, 'worker', 'error');
    approvalWorker = startApprovalWorker(decisions, {
      connection: workerRedis,
      prefix: config.QUEUE_PREFIX,
      log,
      jobs,
    });
    outage.emitter(approvalWorker, 'approval worker', 'error');
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
    recovery = setInterval(recover, config.RUN_RECOVERY_INTERVAL_MS);
  }

  let port: number;
  let stopHttp: () => Promise<void>;
  // The registry exists exactly when roles.http does: the Slack side.
  if (registry) {
    const slack = createSlackApp(config, log, routes, web, {
      catalog: registry.catalog,
      runs: database.runs,
      queue,
      groups: { directory, timeoutMs: ACCESS_CHECK_TIMEOUT_MS },
      audit: database.audit,
      admins: new Set(config.COUNTERSIGN_ADMINS),
      clock,
      log,
      metrics,
      decisions,
      track,
    });
    port = await slack.start();
    stopHttp = () => slack.stop();
  } else {
    const server = serveRoutes(routes, log);
    port = await listen(server, config.PORT, config.HOST);
    stopHttp = () => closeServer(server);
  }
  const metricsPort =
    metricsServer && (await listen(metricsServer, config.METRICS_PORT ?? 0, config.METRICS_HOST));
  log.info({ port, metricsPort, roles }, 'countersign started');

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
    const left = () => Math.max(0, deadline - Date.now());
    log.info('stopping: no new requests or jobs');
    clearInterval(recovery);
    await registry?.stop();
    await stopHttp();
    if (metricsServer) await closeServer(metricsServer);
    await within(left(), sideWork.idle());
    const workers = [worker, approvalWorker].filter((w): w is Worker => w !== undefined);
    // BullMQ's graceful close goes through Redis (its fetch loop, its blocking connection) and
    // hangs while Redis is down: then wait only for the jobs running here, and close by force.
    const redisDown = workerRedis?.status !== 'ready';
    const drained: Promise<unknown> = redisDown
      ? Promise.all(workers.map((w) => w.pause(true))).then(() => jobs.idle())
      : Promise.all(workers.map((w) => w.close()));
    if (
      (await within(
        left(),
        drained.then(() => true),
      )) === undefined
    ) {
      // Out of time: abort the steps in progress (their commands are killed); the runs stay
      // claimable, and the next worker resumes them.
      log.warn('shutdown timeout reached; interrupting jobs in progress');
      for (const w of workers) w.cancelAllJobs('shutting down');
      await within(5_000, drained);
    }
    if (redisDown) await within(5_000, Promise.all(workers.map((w) => w.close(true))));
    await within(5_000, queue.close());
    await within(5_000, timers.close());
    await Promise.all([closeRedis(redis), workerRedis && closeRedis(workerRedis)]);
    await within(5_000, database.close());
    log.info('stopped');
  };
  return {
    port,
    metricsPort,
    metrics,
    // A second signal, or a second caller, waits for the same drain.
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
