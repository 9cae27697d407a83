import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { type Harness, SIGNING_SECRET, startHarness } from './countersign-harness';
import type { FakeAnthropicApi } from './fake-anthropic-api';
import { runIdIn } from './run-records';
import { TEST_AUDIT_HMAC_KEY } from './test-env';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

/** How long a dead worker's job stays locked in crash tests (the production default is 30 s). */
export const CRASH_LOCK_MS = '2000';

/** Writes manifests into a fresh folder; returns the folder, for WORKFLOWS_DIR. */
export async function writeWorkflows(
  prefix: string,
  files: Record<string, string>,
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `countersign-${prefix}-`));
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  return dir;
}

/**
 * One deployment for crash tests: the Slack-facing service in this process (no worker),
 * `countersign worker` processes a test may SIGKILL, and second workers (in this process) that
 * take over once a dead one's lock expires; all against the fake Slack and a fake Anthropic API.
 */
export interface CrashDeployment {
  front: Harness;
  runs: Collection;
  /** A `countersign worker` process of this deployment. */
  workerProcess(): Promise<WorkerProcess>;
  /** A worker in this process that takes over what a killed one held. */
  secondWorker(): Promise<Harness>;
  /** Starts a run from Slack; resolves with its id once its headline is posted. */
  startRun(text: string): Promise<string>;
  /** Kills the worker processes, stops every service. */
  stop(): Promise<void>;
}

export async function startCrashDeployment(
  name: string,
  workflowsDir: string,
  anthropic: FakeAnthropicApi,
): Promise<CrashDeployment> {
  const front = await startHarness(name, {
    roles: { http: true, worker: false },
    workflowsDir,
    env: { WORKER_LOCK_MS: CRASH_LOCK_MS },
  });
  const others: Harness[] = [];
  const processes: WorkerProcess[] = [];
  const model = { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: anthropic.baseUrl };
  return {
    front,
    runs: front.db.collection('runs'),
    async workerProcess() {
      const worker = await startWorkerProcess({
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_API_URL: front.slack.url,
        AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
        REDIS_URL: process.env.REDIS_URL as string,
        MONGODB_URI: front.mongoUri,
        QUEUE_PREFIX: front.queuePrefix,
        WORKFLOWS_DIR: workflowsDir,
        WORKER_LOCK_MS: CRASH_LOCK_MS,
        ...model,
      });
      processes.push(worker);
      return worker;
    },
    async secondWorker() {
      const h = await startHarness(name, {
        roles: { http: false, worker: true },
        workflowsDir,
        share: front,
        env: { WORKER_LOCK_MS: CRASH_LOCK_MS, RUN_RECOVERY_INTERVAL_MS: '1000', ...model },
      });
      others.push(h);
      return h;
    },
    async startRun(text) {
      await front.slash({ text, user_id: 'U0DEV', channel_id: 'C0OPS' });
      const started = await front.slack.waitForCall(
        'chat.postMessage',
        (call) => !call.args.thread_ts,
        20_000,
      );
      return runIdIn(started.args.blocks) as string;
    },
    async stop() {
      for (const worker of processes.splice(0)) await worker.kill();
      for (const h of others.splice(0)) await h.stop();
      await front.stop();
    },
  };
}
