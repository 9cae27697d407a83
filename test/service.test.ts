import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RUNS_QUEUE } from '../src/queue/run-jobs';
import { type Harness, startHarness } from './support/countersign-harness';
import { eventually } from './support/eventually';
import { startFakeSlackApi } from './support/fake-slack-api';
import { testMongoUri, testRedisUrl, uniqueName } from './support/test-env';

const fixtures = path.join(__dirname, 'fixtures/workflows');

describe('the service stops in reverse order of start', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('a shutdown refuses connections at once, gives the running step its time, then stops', async () => {
    h = await startHarness('stop_order', {
      workflowsDir: fixtures,
      env: { SHUTDOWN_TIMEOUT_MS: '2000' },
    });
    const harness = h;
    const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-marker-')), 'started');
    await harness.slash({ text: `run interruptible marker=${marker}` });
    await eventually('the step to be executing', async () => {
      const run = await harness.db.collection('runs').findOne({});
      return run?.steps?.s0?.status === 'executing' ? true : undefined;
    });

    const stopping = harness.service.stop();
    // A load balancer sees the server go while the worker still drains.
    await eventually('the server to refuse connections', () =>
      fetch(`${harness.baseUrl}/healthz`).then(
        () => undefined,
        () => true,
      ),
    );
    const messages = () => harness.logs.map((line) => line.msg);
    expect(messages()).not.toContain('shutdown timeout reached; interrupting jobs in progress');
    await stopping;
    const stop = messages().slice(messages().indexOf('stopping: no new requests or jobs'));
    expect(stop.filter((msg) => /^(stopping|shutdown timeout|stopped)/.test(String(msg)))).toEqual([
      'stopping: no new requests or jobs',
      'shutdown timeout reached; interrupting jobs in progress',
      'stopped',
    ]);
  }, 30_000);
});

describe('a start that fails', () => {
  let taken: Server;
  beforeEach(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await new Promise((resolve) => taken.close(resolve));
  });

  it('on a PORT already taken stops what it had started: no worker is left taking jobs', async () => {
    const slack = await startFakeSlackApi();
    const queuePrefix = uniqueName('busy_port');
    const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const queue = new Queue(RUNS_QUEUE, { connection, prefix: queuePrefix });
    try {
      const port = (taken.address() as { port: number }).port;
      const share = { slack, queuePrefix, mongoUri: testMongoUri(queuePrefix) };
      await expect(
        startHarness('busy_port', { share, env: { PORT: String(port) } }),
      ).rejects.toThrow(/EADDRINUSE/);
      expect(await queue.getWorkers()).toEqual([]);
    } finally {
      await queue.close();
      await connection.quit();
      await slack.close();
    }
  }, 30_000);
});
