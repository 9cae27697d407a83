import { webApi } from '@slack/bolt';
import type { ApprovalDeadlineDeps } from '../approvals/approval-deadlines';
import type { DecideApprovalDeps } from '../approvals/decide-approval';
import { approvalSubjects } from '../approvals/subjects';
import type { Config } from '../config';
import { sessionApprovals } from '../gateway/session-approvals';
import { type Waiters, waiters } from '../gateway/waiters';
import { boltLogger, type Logger } from '../observability/logger';
import { createMetrics, type Metrics } from '../observability/metrics';
import { CachedUsergroupDirectory } from '../policy/cached-usergroup-directory';
import { BullmqApprovalTimers } from '../queue/approval-timers';
import { BullmqRunQueue } from '../queue/bullmq-run-queue';
import { connectRedis, type RedisConnections } from '../queue/redis-connections';
import { runApprovals } from '../runs/run-approvals';
import type { Clock } from '../shared/clock';
import type { Redactor } from '../shared/redactor';
import { within } from '../shared/within';
import { type WorkInProgress, workInProgress } from '../shared/work-in-progress';
import type { SlackWeb } from '../slack/create-slack-app';
import { redactingFetch } from '../slack/redacting-fetch';
import { SlackApprovalSurface } from '../slack/slack-approval-surface';
import { SlackUsergroupDirectory } from '../slack/slack-usergroup-directory';
import { type TokenRefusals, watchTokenRefusals } from '../slack/token-refusals';
import { verifyBotToken } from '../slack/verify-bot-token';
import { webClientOptions } from '../slack/web-client-options';
import { type Database, openDatabase } from '../store/database';
import { SecretBroker } from '../tools/secret-broker';

export interface CoreOptions {
  config: Config;
  /** The one `log` was created with: it learns every secret value here, first. */
  redactor: Redactor;
  log: Logger;
  clock: Clock;
}

/** What every surface and worker of the service shares: the stores, the queues, Slack's Web API. */
export interface Core extends CoreOptions {
  secrets: SecretBroker;
  metrics: Metrics;
  database: Database;
  redis: RedisConnections;
  queue: BullmqRunQueue;
  timers: BullmqApprovalTimers;
  /** The bot's identity and fetch for the Slack app; the refusals of its tokens, for readiness. */
  slack: { web: SlackWeb; tokens: TokenRefusals; messages: webApi.WebClient };
  directory: CachedUsergroupDirectory;
  /** What deciding an approval needs, by a click or by its deadline. */
  decisions: DecideApprovalDeps & ApprovalDeadlineDeps;
  /** Gateway requests of this process waiting for an approval: a decision here wakes them. */
  waiters: Waiters;
  /** Work done beside a request (after a Slack ack, an audit write); the drain waits for it. */
  sideWork: WorkInProgress;
}

/**
 * One attempt of a Web API call that no person waits on (run messages, cards, approvers' DMs): a
 * hung request must free its job, whose own backoff retries it; a slow but working Slack gets time.
 */
const WEB_API_TIMEOUT_MS = 10_000;

/**
 * Opens what the service stands on, in this order: the secrets (so that nothing after them can log
 * one), Slack's answer to the bot token, MongoDB, then Redis. A refusal of any stops the start.
 * `stop` closes the queues, then Redis, then MongoDB.
 */
export async function buildCore(
  options: CoreOptions,
): Promise<{ core: Core; stop(): Promise<void> }> {
  const { config, log, clock } = options;
  const secrets = await loadSecrets(options);
  // Before the stores: a token Slack refuses, or a Slack that does not answer, stops the start.
  const slack = await reachSlack(options);
  const database = await openDatabase(config.MONGODB_URI, {
    auditHmacKey: config.AUDIT_HMAC_KEY,
    redactor: options.redactor,
  });
  // Without Redis nothing can be queued: a start refuses, naming it, as it does without MongoDB.
  const redis = await connectRedis(config.REDIS_URL, log, clock).catch(async (error) => {
    await database.close();
    throw error;
  });
  const { queue, timers } = openQueues(redis, config.QUEUE_PREFIX, clock);
  const directory = usergroupDirectory(options, slack.fetch);
  const messages = webClient(options, slack.fetch, {
    // Run messages, cards and approvers' messages: a few quick retries here; longer outages are
    // retried by the jobs' own backoff.
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
  });
  const shared = {
    ...options,
    secrets,
    database,
    redis,
    queue,
    timers,
    directory,
    waiters: waiters(),
  };
  const core: Core = {
    ...shared,
    metrics: createMetrics(),
    slack: { web: slack.web, tokens: slack.tokens, messages },
    decisions: decisionDeps(shared, new SlackApprovalSurface(messages, database.grants)),
    sideWork: workInProgress(),
  };
  return { core, stop: () => closeStores(core) };
}

type DecisionParts = Pick<
  Core,
  'database' | 'queue' | 'timers' | 'directory' | 'clock' | 'log' | 'waiters'
>;

function decisionDeps(parts: DecisionParts, surface: SlackApprovalSurface): Core['decisions'] {
  const { database, queue, timers, directory, clock, log } = parts;
  const { approvals, runs, audit, calls } = database;
  // The runs carry out their approvals' decisions; a gateway session's wakes its waiting request.
  const subject = approvalSubjects({
    runs: runApprovals({ runs, queue, clock }),
    sessions: sessionApprovals({ calls, waiters: parts.waiters }),
  });
  return { approvals, subject, audit, timers, surfaces: surface, groups: directory, clock, log };
}

/** The queues, then Redis, then MongoDB: each bounded, so a store that hangs cannot hold the exit. */
async function closeStores({ queue, timers, redis, database }: Core): Promise<void> {
  await within(5_000, queue.close());
  await within(5_000, timers.close());
  await redis.close();
  await within(5_000, database.close());
}

/** The run queue and the approval deadlines' queue, their errors told through the outage log. */
function openQueues(redis: RedisConnections, prefix: string, clock: Clock) {
  const queue = new BullmqRunQueue(redis.commands, prefix);
  redis.outage.emitter(queue.queue, 'queue', 'warn');
  const timers = new BullmqApprovalTimers(redis.commands, prefix, clock);
  redis.outage.emitter(timers.queue, 'approval queue', 'warn');
  return { queue, timers };
}

/** The broker with every secret value loaded, and the redactor taught them and our credentials. */
async function loadSecrets({ config, redactor, log }: CoreOptions): Promise<SecretBroker> {
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
  return secrets;
}

/** The bot the token belongs to (asked of Slack), and the fetch that watches for its refusal. */
async function reachSlack({ config, redactor, log }: CoreOptions) {
  const bot = await verifyBotToken({
    token: config.SLACK_BOT_TOKEN,
    apiUrl: config.SLACK_API_URL ?? 'https://slack.com/api/',
    fetch: redactingFetch(redactor),
    logger: boltLogger(log),
  });
  const tokens = watchTokenRefusals(
    { SLACK_BOT_TOKEN: config.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: config.SLACK_APP_TOKEN },
    log,
  );
  const fetch = redactingFetch(redactor, tokens.fetch);
  return { web: { fetch, bot }, tokens, fetch };
}

/** A Web API client with the bot token, logging through pino, each attempt bounded. */
function webClient(
  { config, log }: CoreOptions,
  fetch: webApi.FetchFunction,
  options: webApi.WebClientOptions,
): webApi.WebClient {
  return new webApi.WebClient(config.SLACK_BOT_TOKEN, {
    ...webClientOptions({
      fetch,
      apiUrl: config.SLACK_API_URL,
      log,
      timeoutMs: WEB_API_TIMEOUT_MS,
    }),
    logger: boltLogger(log),
    ...options,
  });
}

function usergroupDirectory(options: CoreOptions, fetch: webApi.FetchFunction) {
  const client = webClient(options, fetch, {
    // Asked while a slash command or a click waits for its answer: no retries, no waiting out a
    // rate limit; a lookup that hangs is dropped (and not cached) after a few seconds.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 5_000,
  });
  return new CachedUsergroupDirectory(
    new SlackUsergroupDirectory(client, options.log),
    options.config.USERGROUP_CACHE_TTL_MS,
    options.clock,
  );
}
