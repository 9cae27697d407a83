import { type ChildProcess, spawn } from 'node:child_process';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { freePort, redisReachable } from '../support/services';

describe('health, readiness and metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('health');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('reports live, ready with both stores, and Prometheus metrics', async () => {
    const health = await fetch(`${h.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    // The service listens before its Redis connection is up; readiness is what says when it is.
    const ready = await eventually('the service to be ready', async () => {
      const response = await fetch(`${h.baseUrl}/readyz`);
      return response.status === 200 ? response : undefined;
    });
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { redis: 'ok', mongodb: 'ok', slack: 'ok' },
    });
    await h.slash({ text: 'help' });
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toContain('countersign_slash_commands_total{subcommand="help"} 1');
    expect(metrics).toContain('countersign_process_cpu_seconds_total');
  });
});

describe('the worker role', () => {
  it('serves health and metrics, and no Slack endpoint', async () => {
    const h = await startHarness('worker_role', { roles: { http: false, worker: true } });
    try {
      // As for the receiver: it listens before its Redis connection is up, so wait for ready.
      const ready = await eventually('the worker to be ready', async () => {
        const response = await fetch(`${h.baseUrl}/readyz`);
        return response.status === 200 ? response : undefined;
      });
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { redis: 'ok', mongodb: 'ok', slack: 'ok' },
      });
      expect((await fetch(`${h.baseUrl}/metrics`)).status).toBe(200);
      expect((await fetch(`${h.baseUrl}/slack/events`, { method: 'POST' })).status).toBe(404);
    } finally {
      await h.stop();
    }
  });
});

describe('readiness when Redis goes away', () => {
  /** A Redis of this test's own, on a fixed port, so it can be stopped and started again. */
  async function redisOn(port: number): Promise<ChildProcess> {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', ''],
      {
        stdio: 'ignore',
      },
    );
    await eventually('redis-server to answer', async () =>
      (await redisReachable(`redis://127.0.0.1:${port}`)) ? true : undefined,
    );
    return child;
  }
  async function stopRedis(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  it('answers 503 naming Redis while it is down, and ready again once it is back', async () => {
    const port = await freePort();
    let redis = await redisOn(port);
    // The receiver alone: a BullMQ worker would keep reconnecting to the dead server.
    const h = await startHarness('readiness', {
      roles: { http: true, worker: false },
      env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    try {
      expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(200);
      await stopRedis(redis);
      const down = await fetch(`${h.baseUrl}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not ready');
      expect(body.checks.mongodb).toBe('ok');
      expect(body.checks.redis).not.toBe('ok');
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);

      redis = await redisOn(port);
      await eventually('ready again', async () =>
        (await fetch(`${h.baseUrl}/readyz`)).status === 200 ? true : undefined,
      );
    } finally {
      await h.stop();
      await stopRedis(redis);
    }
  });
});
