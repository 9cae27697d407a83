import path from 'node:path';
import { Writable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { type RunningService, type ServiceRoles, startService } from '../../src/service';
import type { Clock } from '../../src/shared/clock';
import { Redactor } from '../../src/shared/redactor';
import { type FakeSlackApi, startFakeSlackApi } from './fake-slack-api';
import {
  type SignedRequestOptions,
  type SlashCommandFields,
  sendSlashCommand,
} from './slack-request';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, testRedisUrl, uniqueName } from './test-env';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export interface Harness {
  slack: FakeSlackApi;
  service: RunningService;
  /** `http://127.0.0.1:<port>` of the service. */
  baseUrl: string;
  /** The test's own database, to inspect what the service stored. */
  db: Connection;
  queuePrefix: string;
  mongoUri: string;
  /** Every JSON log line the service wrote. */
  logs: Record<string, unknown>[];
  slash(
    command: SlashCommandFields,
    options?: SignedRequestOptions,
  ): ReturnType<typeof sendSlashCommand>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  roles?: ServiceRoles;
  workflowsDir?: string;
  env?: Record<string, string>;
  /** Share another harness's stores and fake Slack (a second process of the same deployment). */
  share?: Pick<Harness, 'slack' | 'mongoUri' | 'queuePrefix'>;
  /** The service's clock (run times, cache expiry); the real one by default. */
  clock?: Clock;
}

/** The real service (Bolt receiver, BullMQ worker, mongoose) against the fake Slack and real stores. */
export async function startHarness(name: string, options: HarnessOptions = {}): Promise<Harness> {
  const shared = options.share;
  const slack = shared?.slack ?? (await startFakeSlackApi());
  const mongoUri = shared?.mongoUri ?? testMongoUri(uniqueName(name));
  const queuePrefix = shared?.queuePrefix ?? uniqueName(name);
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: slack.url,
    AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
    REDIS_URL: testRedisUrl(),
    MONGODB_URI: mongoUri,
    WORKFLOWS_DIR: options.workflowsDir ?? path.join(__dirname, '../../workflows'),
    QUEUE_PREFIX: queuePrefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const redactor = new Redactor();
  const service = await startService({
    config,
    roles: options.roles ?? { http: true, worker: true },
    log: createLogger('debug', sink, redactor),
    redactor,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const baseUrl = `http://127.0.0.1:${service.port}`;
  const db = await mongoose.createConnection(mongoUri).asPromise();
  let responses = 0;
  return {
    slack,
    service,
    baseUrl,
    db,
    queuePrefix,
    mongoUri,
    logs,
    slash(command, signed) {
      responses += 1;
      return sendSlashCommand(
        `${baseUrl}/slack/events`,
        SIGNING_SECRET,
        { response_url: slack.responseUrl(`cmd-${responses}`), ...command },
        signed,
      );
    },
    async stop() {
      await service.stop();
      // What is shared belongs to the harness that created it.
      if (!shared) await db.dropDatabase().catch(() => undefined);
      await db.close();
      if (!shared) await slack.close();
    },
  };
}
