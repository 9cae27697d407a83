import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Logger } from 'pino';

/**
 * The service's one HTTP server: every surface (health, metrics, Slack's events, the gateway's
 * routes to come) is a list of routes on it.
 */
export interface Route {
  /** Matched exactly against the request's path (its query ignored). */
  path: string;
  method: string;
  /** May return its work: a rejection is answered 500 like a throw. */
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Each check's answer: `ok`, its error's message, or `no answer in N ms` past `timeoutMs`. */
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
