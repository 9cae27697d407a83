import { Gauge } from 'prom-client';
import { ConfigError, loadConfig } from '../../src/config';
import { type Harness, SIGNING_SECRET, startHarness } from '../support/countersign-harness';
import { TEST_AUDIT_HMAC_KEY } from '../support/test-env';

const TOKEN = 'metrics-token-0123456789abcdef';

function scrape(port: number, headers: Record<string, string> = {}) {
  return fetch(`http://127.0.0.1:${port}/metrics`, { headers });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('METRICS_TOKEN', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('metrics_token', {
      roles: { http: true, worker: false },
      env: { METRICS_TOKEN: TOKEN },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('answers /metrics 401 without the bearer token, and scrapes with it', async () => {
    const port = portOf(h.baseUrl);
    const anonymous = await scrape(port);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const text = await anonymous.text();
    expect(text).not.toContain('countersign_');
    expect((await scrape(port, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await scrape(port, { authorization: TOKEN })).status).toBe(401);

    await h.slash({ text: 'help' });
    const allowed = await scrape(port, { authorization: `Bearer ${TOKEN}` });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('countersign_slash_commands_total{subcommand="help"} 1');
    // The probes stay open: an orchestrator has no token.
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe.each([
  ['the Slack receiver', { http: true, worker: false }],
  ['the worker role', { http: false, worker: true }],
])('METRICS_PORT on %s', (_name, roles) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('metrics_port', {
      roles,
      env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('serves /metrics only on its own listener, and not on the public port', async () => {
    const metricsPort = h.service.metricsPort;
    expect(metricsPort).toEqual(expect.any(Number));
    expect(metricsPort).not.toBe(portOf(h.baseUrl));
    const started = h.logs.find((line) => line.msg === 'countersign started');
    expect(started).toMatchObject({ port: portOf(h.baseUrl), metricsPort });

    expect((await scrape(portOf(h.baseUrl), { authorization: `Bearer ${TOKEN}` })).status).toBe(
      404,
    );
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);

    const scraped = await scrape(metricsPort ?? 0, { authorization: `Bearer ${TOKEN}` });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('countersign_process_cpu_seconds_total');
    // The token still holds there, and nothing else is served.
    expect((await scrape(metricsPort ?? 0)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
  });
});

describe('a request whose handler fails', () => {
  it('is logged and answered 500, and the service keeps serving', async () => {
    const h = await startHarness('metrics_failure', { roles: { http: true, worker: false } });
    try {
      // A collector that throws while /metrics is being answered.
      new Gauge({
        name: 'countersign_broken_gauge',
        help: 'fails to collect',
        registers: [h.service.metrics.registry],
        collect() {
          throw new Error('collector broke');
        },
      });
      const failed = await fetch(`${h.baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
      expect(failed.status).toBe(500);
      expect(h.logs).toContainEqual(
        expect.objectContaining({
          msg: 'request failed; answered 500',
          path: '/metrics',
          err: expect.objectContaining({ message: 'collector broke' }),
        }),
      );
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await h.stop();
    }
  });
});

describe('metrics settings', () => {
  const base = {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
  };

  it('serves /metrics on PORT without a token unless told otherwise; its own bind is loopback', () => {
    const config = loadConfig(base);
    expect(config.METRICS_PORT).toBeUndefined();
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(config.METRICS_HOST).toBe('127.0.0.1');
  });

  it.each([
    [
      { METRICS_PORT: '3000' },
      'METRICS_PORT must differ from PORT (unset it to serve /metrics on PORT)',
    ],
    [{ METRICS_PORT: 'nine' }, 'METRICS_PORT must be a port number (0-65535)'],
    [
      { METRICS_TOKEN: 'short' },
      'METRICS_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 32`)',
    ],
  ])('refuses %j with one line', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(new ConfigError(message));
  });
});
