import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createAnthropicClient } from '../agent/anthropic-client';
import { AnthropicModel } from '../agent/anthropic-model';
import type { Logger } from '../observability/logger';
import { startApprovalWorker } from '../queue/approval-timers';
import { type JobsInProgress, jobsInProgress } from '../queue/jobs-in-progress';
import { startRunWorker } from '../queue/run-worker';
import { within } from '../shared/within';
import { SlackRunNotifier } from '../slack/slack-run-notifier';
import { ManifestToolRunner } from '../tools/manifest-tool-runner';
import type { Core } from './core';
import type { TimeLeft } from './stop-stack';

/** The BullMQ workers that carry runs out and handle approval deadlines. */
export function startWorkers(core: Core): { stop(left: TimeLeft): Promise<void> } {
  const { config, redis } = core;
  const connection = redis.forWorkers();
  const jobs = jobsInProgress();
  const runWorker = startRunWorker(runDeps(core), {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockMs: config.WORKER_LOCK_MS,
    queue: core.queue,
    redactor: core.redactor,
    onFinished: (workflow, status) => core.metrics.runsFinished.inc({ workflow, status }),
    jobs,
  });
  redis.outage.emitter(runWorker, 'worker', 'error');
  const approvalWorker = startApprovalWorker(core.decisions, {
    connection,
    prefix: config.QUEUE_PREFIX,
    log: core.log,
    jobs,
  });
  redis.outage.emitter(approvalWorker, 'approval worker', 'error');
  const workers = [runWorker, approvalWorker];
  return { stop: (left) => drainWorkers(workers, jobs, connection, core.log, left) };
}

/**
 * Lets the jobs running here finish within `left()`, then interrupts them. BullMQ's graceful close
 * goes through Redis (its fetch loop, its blocking connection) and hangs while Redis is down: then
 * it waits only for the jobs running here, and closes by force.
 */
async function drainWorkers(
  workers: Worker[],
  jobs: JobsInProgress,
  connection: Redis,
  log: Logger,
  left: TimeLeft,
): Promise<void> {
  const redisDown = connection.status !== 'ready';
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
}

function runDeps(core: Core) {
  const { database, config, secrets, redactor, clock, log, slack, decisions, timers } = core;
  return {
    runs: database.runs,
    audit: database.audit,
    notifier: new SlackRunNotifier(slack.messages, log),
    tools: new ManifestToolRunner({ secrets, redactor, log }),
    approvals: database.approvals,
    approvalSurfaces: decisions.surfaces,
    approvalTimers: timers,
    // Without a key, agent workflows fail with a message saying so; runbooks still run.
    ...(config.ANTHROPIC_API_KEY
      ? { model: new AnthropicModel(createAnthropicClient(config), redactor) }
      : {}),
    defaultModel: config.ANTHROPIC_MODEL,
    clock,
    log,
  };
}
