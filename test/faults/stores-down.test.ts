import {
  type CountersignProcess,
  runCountersign,
  spawnCountersign,
} from '../support/countersign-cli';
import { eventually } from '../support/eventually';
import { type FakeSlackApi, startFakeSlackApi } from '../support/fake-slack-api';
import { type RestartableStore, startOwnRedis } from '../support/restartable-store';
import { freePort } from '../support/services';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, testRedisUrl, uniqueName } from '../support/test-env';

/** A password that must appear in no output. */
const PASSWORD = 'pw-never-shown-7d1f';

/** Its exit code, or 'still running' after `ms`. */
async function exitWithin(process: CountersignProcess, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => {
    timer = setTimeout(resolve, ms, 'still running');
  });
  try {
    return await Promise.race([process.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

const levelOf = (line: Record<string, unknown>) => Number(line.level ?? 0);
const WARN = 40;

describe('stores down', () => {
  let slack: FakeSlackApi;

  beforeAll(async () => {
    slack = await startFakeSlackApi();
  });
  afterAll(async () => {
    await slack.close();
  });

  const serviceEnv = (stores: { redisUrl: string; mongoUri: string }) => ({
    SLACK_SIGNING_SECRET: 'stores-down-secret',
    SLACK_BOT_TOKEN: 'xoxb-stores-down',
    SLACK_API_URL: slack.url,
    AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
    REDIS_URL: stores.redisUrl,
    MONGODB_URI: stores.mongoUri,
    QUEUE_PREFIX: uniqueName('stores_down'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
  });

  describe('MongoDB unreachable', () => {
    let uri: string;
    let shown: string;
    beforeAll(async () => {
      // Nothing listens on a port just found free.
      const port = await freePort();
      uri = `mongodb://countersign:${PASSWORD}@127.0.0.1:${port}/countersign?authSource=admin`;
      shown = `countersign: MongoDB at mongodb://***@127.0.0.1:${port}/countersign (MONGODB_URI) is unreachable: connect ECONNREFUSED 127.0.0.1:${port}; check that it is running and the URL is right\n`;
    });

    it('at start: exit 2 and one line naming MongoDB, the URL without its password, and what to check', async () => {
      const result = await runCountersign(
        ['all'],
        serviceEnv({ redisUrl: testRedisUrl(), mongoUri: uri }),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(shown);
      expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    });

    it('for audit verify and audit export: the same line and exit 2', async () => {
      for (const command of [['verify'], ['export']]) {
        const result = await runCountersign(['audit', ...command], {
          MONGODB_URI: uri,
          AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
        });
        expect({ command, code: result.code, stderr: result.stderr }).toEqual({
          command,
          code: 2,
          stderr: shown,
        });
        expect(result.stdout).toBe('');
      }
    });
  });

  it('Redis unreachable at start: exit 2 and one line naming Redis and the URL without its password', async () => {
    const port = await freePort();
    const all = spawnCountersign(
      ['all'],
      serviceEnv({
        redisUrl: `redis://default:${PASSWORD}@127.0.0.1:${port}`,
        mongoUri: testMongoUri(uniqueName('stores_down')),
      }),
    );
    try {
      // Bounded, since a service that starts anyway would never end by itself.
      expect(await exitWithin(all, 20_000)).toBe(2);
      expect(all.stderr()).toBe(
        `countersign: Redis at redis://***@127.0.0.1:${port} (REDIS_URL) is unreachable: connect ECONNREFUSED 127.0.0.1:${port}; check that it is running and the URL is right\n`,
      );
      expect(all.logs.map((line) => line.msg)).not.toContain('countersign started');
      expect(JSON.stringify(all.logs) + all.stderr()).not.toContain(PASSWORD);
    } finally {
      all.child.kill('SIGKILL');
    }
  }, 30_000);

  describe('Redis stopping while the service runs', () => {
    let redis: RestartableStore;
    let service: CountersignProcess | undefined;
    let mongoUri: string;

    beforeEach(async () => {
      redis = await startOwnRedis();
      mongoUri = testMongoUri(uniqueName('stores_down'));
    });
    afterEach(async () => {
      if (service && service.child.exitCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
      service = undefined;
      await redis.dispose();
    });

    /** `countersign all` on the test's own Redis, once it is ready. */
    const startAll = async (env: Record<string, string> = {}) => {
      const started = spawnCountersign(['all'], {
        ...serviceEnv({ redisUrl: redis.url, mongoUri }),
        ...env,
      });
      service = started;
      const port = await eventually(
        'the service to log its port',
        async () => {
          if (started.child.exitCode !== null)
            throw new Error(`exited at start: ${started.stderr()}`);
          return started.logs.find((line) => line.msg === 'countersign started')?.port as
            | number
            | undefined;
        },
        20_000,
      );
      const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
      await eventually('/readyz to answer 200', async () =>
        (await readyz()) === 200 ? true : undefined,
      );
      return { process: started, readyz };
    };

    it('logs the outage once, not once per error, and the recovery', async () => {
      const { process: all, readyz } = await startAll();
      const before = all.logs.length;
      await redis.stop();
      await eventually('/readyz to answer 503', async () =>
        (await readyz()) === 503 ? true : undefined,
      );
      // Long enough for dozens of reconnection attempts by every Redis connection.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      const during = all.logs.slice(before);
      const outage = during.filter((line) => /Redis .*is unreachable/.test(String(line.msg)));
      expect(outage).toHaveLength(1);
      expect(String(outage[0]?.msg)).toMatch(
        /^Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\) is unreachable: /,
      );
      // Nothing else at warn or above while it is down: no line per failed attempt, no stacks.
      expect(during.filter((line) => levelOf(line) >= WARN)).toEqual(outage);

      await redis.start();
      await eventually('/readyz to answer 200 again', async () =>
        (await readyz()) === 200 ? true : undefined,
      );
      const recovered = await eventually('the recovery to be logged', async () =>
        all.logs.find((line) => /^Redis .*reachable again/.test(String(line.msg))),
      );
      expect(levelOf(recovered)).toBeLessThan(WARN);
    }, 60_000);

    it('SIGTERM while Redis is down: stops without waiting out SHUTDOWN_TIMEOUT_MS, logs stopped, exits 0', async () => {
      const { process: all, readyz } = await startAll({ SHUTDOWN_TIMEOUT_MS: '20000' });
      await redis.stop();
      await eventually('/readyz to answer 503', async () =>
        (await readyz()) === 503 ? true : undefined,
      );
      all.child.kill('SIGTERM');
      // Nothing runs, so nothing is owed a drain: well within the 20 s timeout.
      expect(await exitWithin(all, 10_000)).toBe(0);
      expect(all.logs.map((line) => line.msg)).toEqual(
        expect.arrayContaining(['shutdown requested', 'stopped']),
      );
    }, 60_000);
  });
});
