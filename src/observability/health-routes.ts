import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { type Route, sendJson } from '../http/routes';
import { within } from '../shared/within';

/** Named dependency checks; each resolves when the dependency answers. */
export type ReadinessChecks = Record<string, () => Promise<void>>;

async function checkAll(checks: ReadinessChecks, timeoutMs: number) {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        const answer = await within(
          timeoutMs,
          check().then(() => 'ok' as const),
        );
        return [name, answer ?? `no answer in ${timeoutMs} ms`] as const;
      } catch (error) {
        return [name, (error as Error).message] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * `/healthz` (the process is alive), `/readyz` (its dependencies answer), and `metrics` (the
 * {@link metricsRoute}) when it is served on the same port.
 */
export function healthRoutes(checks: ReadinessChecks, metrics?: Route): Route[] {
  return [
    {
      path: '/healthz',
      method: 'GET',
      handler: (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      path: '/readyz',
      method: 'GET',
      handler: async (_req, res) => {
        const results = await checkAll(checks, 2_000);
        const ready = Object.values(results).every((result) => result === 'ok');
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'not ready',
          checks: results,
        });
      },
    },
    ...(metrics ? [metrics] : []),
  ];
}

/** Compares digests, so neither the time taken nor a length mismatch tells how much matched. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `/metrics` (Prometheus). With a token, only a request with `Authorization: Bearer <token>` is
 * answered; any other gets 401, since the metrics name the workflows that ran.
 */
export function metricsRoute(registry: Registry, token?: string): Route {
  return {
    path: '/metrics',
    method: 'GET',
    handler: async (req, res) => {
      if (token !== undefined && !sameSecret(req.headers.authorization ?? '', `Bearer ${token}`)) {
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': 'Bearer realm="countersign metrics"',
        });
        res.end(JSON.stringify({ error: 'unauthorized' }));
        return;
      }
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    },
  };
}
