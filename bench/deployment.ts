import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose, { type Collection, type Connection } from 'mongoose';
import { buttonsIn } from '../test/support/approval-clicks';
import { type FakeSlackApi, startFakeSlackApi } from '../test/support/fake-slack-api';
import {
  newTriggerId,
  type SlackResponse,
  sendInteraction,
  sendSlashCommand,
} from '../test/support/slack-request';
import { TEST_AUDIT_HMAC_KEY } from '../test/support/test-env';
import { benchMongoUri, benchName, dropQueuePrefix, REDIS_URL } from './bench-env';
import { type CountersignProcess, type Role, startCountersign } from './countersign-process';

export const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';

/** A deployment on this machine: fake Slack here, the service in child processes, real stores. */
export interface Deployment {
  slack: FakeSlackApi;
  /** The process that receives Slack's requests (`serve` or `all`). */
  front: CountersignProcess;
  workers: CountersignProcess[];
  db: Connection;
  runs: Collection;
  mongoUri: string;
  queuePrefix: string;
  workflowsDir: string;
  env: Record<string, string>;
  /** Another `countersign worker` of this deployment. */
  addWorker(extraEnv?: Record<string, string>): Promise<CountersignProcess>;
  slash(text: string, user?: string): Promise<SlackResponse>;
  /** A signed click on a card's button, as Slack sends it. */
  click(
    card: { channel: string; ts: string },
    actionId: string,
    value: string,
    user: string,
  ): Promise<SlackResponse>;
  stop(): Promise<void>;
}

export interface DeploymentOptions {
  workflows: Record<string, string>;
  /** `all` runs the receiver and a worker in one process; `serve` plus `workers` separates them. */
  front: Extract<Role, 'serve' | 'all'>;
  workers?: number;
  env?: Record<string, string>;
}

export async function startDeployment(
  name: string,
  options: DeploymentOptions,
): Promise<Deployment> {
  const workflowsDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-bench-'));
  for (const [file, text] of Object.entries(options.workflows)) {
    await writeFile(path.join(workflowsDir, file), text);
  }
  const slack = await startFakeSlackApi();
  const dbName = benchName(name);
  const mongoUri = benchMongoUri(dbName);
  const queuePrefix = dbName;
  const env = {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_API_URL: slack.url,
    AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
    REDIS_URL,
    MONGODB_URI: mongoUri,
    QUEUE_PREFIX: queuePrefix,
    WORKFLOWS_DIR: workflowsDir,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const front = await startCountersign(options.front, env);
  const workers: CountersignProcess[] = [];
  const addWorker = async (extraEnv: Record<string, string> = {}) => {
    const worker = await startCountersign('worker', { ...env, ...extraEnv });
    workers.push(worker);
    return worker;
  };
  await Promise.all(Array.from({ length: options.workers ?? 0 }, () => addWorker()));
  const db = await mongoose.createConnection(mongoUri).asPromise();
  const receiver = `http://127.0.0.1:${front.port}/slack/events`;
  let responses = 0;
  return {
    slack,
    front,
    workers,
    db,
    runs: db.collection('runs'),
    mongoUri,
    queuePrefix,
    workflowsDir,
    env,
    addWorker,
    slash(text, user = 'U0DEV') {
      responses += 1;
      return sendSlashCommand(receiver, SIGNING_SECRET, {
        text,
        user_id: user,
        channel_id: 'C0OPS',
        response_url: slack.responseUrl(`cmd-${responses}`),
      });
    },
    click(card, actionId, value, user) {
      responses += 1;
      return sendInteraction(receiver, SIGNING_SECRET, {
        type: 'block_actions',
        user: {
          id: user,
          username: user.toLowerCase(),
          name: user.toLowerCase(),
          team_id: 'T0TEST',
        },
        api_app_id: 'A0APP',
        token: 'legacy-verification-token',
        container: { type: 'message', message_ts: card.ts, channel_id: card.channel },
        trigger_id: newTriggerId(),
        team: { id: 'T0TEST', domain: 'test' },
        channel: { id: card.channel, name: 'approvals' },
        message: { type: 'message', ts: card.ts, text: 'card' },
        response_url: slack.responseUrl(`click-${responses}`),
        actions: [
          {
            type: 'button',
            action_id: actionId,
            block_id: 'approval_actions',
            value,
            action_ts: String(Date.now() / 1000),
            text: { type: 'plain_text', text: actionId },
          },
        ],
      });
    },
    async stop() {
      await Promise.all([front, ...workers].map((p) => p.stop()));
      await db.dropDatabase().catch(() => undefined);
      await db.close();
      await slack.close();
      await dropQueuePrefix(queuePrefix);
      await rm(workflowsDir, { recursive: true, force: true });
    },
  };
}

/** The Approve button's value on a posted card, if it has one. */
export function approveValueIn(blocks: unknown): string | undefined {
  for (const block of (blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[]) {
    for (const element of block.elements ?? []) {
      if (element.action_id === 'approval_approve') return element.value;
    }
  }
  return undefined;
}

/** Whether a card's message, as it stands in the fake Slack, has lost its buttons. */
export function cardDecided(d: Deployment, card: { channel: string; ts: string }): boolean {
  const message = d.slack.message(card.channel, card.ts);
  return message !== undefined && buttonsIn(message.blocks).length === 0;
}
