import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Registry } from 'prom-client';
import { within } from '../shared/within';
import type { Logger } from './logger';

export interface Route {
  /** Matched exactly against the request's path (its query ignored). */
  path: string;
  method: string;
  /** May return its work: a rejection is answered 500 like a throw. */
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/** Named dependency checks; each resolves when the dependency answers. */
export type ReadinessChecks = Record<string, () => Promise<void>>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Each check's answer: `ok`, its error's message, or `no answer in N ms` past `timeoutMs`. */
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

/** The request's path; undefined for a target no URL parser reads (`//`, `http://[`). */
function pathOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/**
 * Answers each request from `routes`: 404 for a path no route serves, 405 (with `Allow`) for a
 * path served under other methods; HEAD is answered as GET. Whatever a handler throws or rejects
 * with is logged and answered 500: no request, however odd, can end the process.
 */
export function routeRequests(routes: Route[], log: Logger): RequestListener {
  return (req, res) => {
    const path = pathOf(req);
    const fail = (error: unknown) => {
      log.error({ err: error, method: req.method, path }, 'request failed; answered 500');
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: 'internal error' });
    };
    try {
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const served = routes.filter((r) => r.path === path);
      const route = served.find((r) => r.method === method);
      if (route) {
        const work = route.handler(req, res);
        if (work) work.catch(fail);
      } else if (served.length > 0) {
        const allowed = served.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]));
        res.setHeader('allow', [...new Set(allowed)].join(', '));
        sendJson(res, 405, { error: 'method not allowed' });
      } else {
        sendJson(res, 404, { error: 'not found' });
      }
    } catch (error) {
      fail(error);
    }
  };
}

/** A server that answers every request from `routes` (the service has one, with every surface on it). */
export function serveRoutes(routes: Route[], log: Logger): Server {
  return createServer(routeRequests(routes, log));
}

/** Listens on `port`/`host` (0: any free port); resolves with the bound port. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return boundPort(server, port);
}

/** The port a listening server is bound to. */
export function boundPort(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : fallback;
}

/** Closes the server, dropping idle keep-alive connections so the close does not wait on them. */
export function closeServer(server: Server): Promise<void> {
  server.closeIdleConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
