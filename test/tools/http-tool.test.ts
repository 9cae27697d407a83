import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { callHttpTool, type HttpCallSpec, type HttpToolScopes } from '../../src/tools/http-tool';
import { eventually } from '../support/eventually';
import { closeServer, listenOnLoopback, readBody } from '../support/loopback-server';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An API on 127.0.0.1 that records every request it gets; the path picks how it answers. */
class RecordingApi {
  readonly seen: SeenRequest[] = [];
  /** Bytes `/endless` managed to hand to its socket before the client hung up. */
  endlessBytesSent = 0;
  endlessClosed = false;
  origin = '';
  private readonly server: Server;

  constructor(private readonly routes: (api: RecordingApi) => Routes = defaultRoutes) {
    this.server = createServer(async (req, res) => {
      const body = await readBody(req);
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '/').split('?')[0] as string;
      const route = this.routes(this)[path];
      if (route) route(res);
      else {
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-request-id': 'req-42',
          'set-cookie': 'session=cookie-value',
          'www-authenticate': 'Bearer realm="api"',
        });
        res.end(JSON.stringify({ path }));
      }
    });
  }

  async start(): Promise<this> {
    this.origin = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

type Routes = Record<string, (res: ServerResponse) => void>;

function defaultRoutes(api: RecordingApi): Routes {
  const redirect = (status: number, location: string) => (res: ServerResponse) => {
    res.writeHead(status, { location });
    res.end('moved');
  };
  return {
    '/same-host': redirect(302, '/landed'),
    '/see-other': redirect(303, '/landed'),
    '/temporary': redirect(307, '/landed'),
    '/loop': redirect(302, '/loop'),
    '/missing': (res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such service: payments');
    },
    '/hang': () => {},
    '/hang-body': (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part');
    },
    '/endless': (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      res.on('close', () => {
        api.endlessClosed = true;
      });
      const pump = (): void => {
        while (!res.destroyed) {
          api.endlessBytesSent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
    },
    '/ten-megabytes': (res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 10 * 1024 * 1024 });
      res.end(Buffer.alloc(10 * 1024 * 1024, 'y'));
    },
    '/accents': (res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('ééééé');
    },
    '/image': (res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]));
    },
  };
}

const noValues: HttpToolScopes = { inputs: {}, args: {}, secrets: {} };

function spec(fields: Partial<HttpCallSpec> & { url: string }): HttpCallSpec {
  return { method: 'GET', timeout: 5_000, ...fields };
}

function scopes(values: Partial<HttpToolScopes>): HttpToolScopes {
  return { ...noValues, ...values };
}

describe('calling an http tool', () => {
  let api: RecordingApi;
  let other: RecordingApi;
  beforeEach(async () => {
    api = await new RecordingApi().start();
    other = await new RecordingApi().start();
  });
  afterEach(async () => {
    await api.stop();
    await other.stop();
  });

  describe('filling the URL', () => {
    it.each([
      ['a/b', '/items/a%2Fb/view'],
      ['what?x=1#top', '/items/what%3Fx%3D1%23top/view'],
      ['café ☕', '/items/caf%C3%A9%20%E2%98%95/view'],
      ['../admin', '/items/..%2Fadmin/view'],
      ['%2e%2e', '/items/%252e%252e/view'],
    ])('an argument %j fills exactly one path segment', async (name, path) => {
      const outcome = await callHttpTool(
        spec({ url: `${api.origin}/items/{{args.name}}/view` }),
        scopes({ args: { name } }),
      );
      expect(outcome.ok).toBe(true);
      expect(api.seen.map((request) => request.url)).toEqual([path]);
    });

    it.each(['..', '.'])(
      'an argument %j as a whole segment is refused and nothing is sent',
      async (name) => {
        const outcome = await callHttpTool(
          spec({ url: `${api.origin}/v1/items/{{args.name}}` }),
          scopes({ args: { name } }),
        );
        expect(outcome).toEqual({
          ok: false,
          output:
            'could not build the request: the path segment filled by {{args.name}} cannot be "." or "..": it would climb the URL',
        });
        expect(api.seen).toEqual([]);
      },
    );

    it('a query value is one component: `&` and `=` in it add no parameters', async () => {
      await callHttpTool(
        spec({ url: `${api.origin}/search?q={{args.q}}&env={{inputs.env}}` }),
        scopes({ inputs: { env: 'prod' }, args: { q: 'x&admin=true #1 + 2' } }),
      );
      const url = new URL(api.seen[0]?.url ?? '', api.origin);
      expect([...url.searchParams]).toEqual([
        ['q', 'x&admin=true #1 + 2'],
        ['env', 'prod'],
      ]);
    });

    it('an optional argument the call left out is empty in the query', async () => {
      const outcome = await callHttpTool(
        spec({ url: `${api.origin}/releases?limit={{args.limit}}` }),
        noValues,
      );
      expect(outcome.ok).toBe(true);
      expect(api.seen[0]?.url).toBe('/releases?limit=');
    });

    it('an argument the path needs but the call left out is a clear error', async () => {
      const outcome = await callHttpTool(
        spec({ url: `${api.origin}/services/{{args.service}}/health` }),
        scopes({ args: { service: '' } }),
      );
      expect(outcome).toEqual({
        ok: false,
        output: 'could not build the request: argument "service" is required for the URL',
      });
      expect(api.seen).toEqual([]);
    });
  });

  describe('headers', () => {
    it('a secret in the Authorization header reaches the server as written', async () => {
      const outcome = await callHttpTool(
        spec({
          url: `${api.origin}/me`,
          headers: { Authorization: 'Bearer {{secrets.TOKEN}}', 'X-Service': '{{args.service}}' },
        }),
        scopes({ args: { service: 'api' }, secrets: { TOKEN: 'abc+/=def' } }),
      );
      expect(outcome.ok).toBe(true);
      expect(api.seen[0]?.headers.authorization).toBe('Bearer abc+/=def');
      expect(api.seen[0]?.headers['x-service']).toBe('api');
    });

    it.each([
      ['a line break', 'hello\r\nX-Admin: yes', 'contains a line break or NUL'],
      ['a NUL', 'hello\0X-Admin: yes', 'contains a line break or NUL'],
      ['a control character', 'hello\u0007', 'contains characters a header cannot carry'],
    ])('a value with %s is refused, and the error does not repeat it', async (_what, note, why) => {
      const outcome = await callHttpTool(
        spec({ url: `${api.origin}/notes`, headers: { 'X-Note': '{{args.note}}' } }),
        scopes({ args: { note } }),
      );
      expect(outcome.ok).toBe(false);
      expect(outcome.output).toContain(`header X-Note: argument "note" ${why}`);
      expect(outcome.output).not.toContain('X-Admin');
      expect(api.seen).toEqual([]);
    });

    it('a secret with a line break is refused without showing it', async () => {
      const outcome = await callHttpTool(
        spec({ url: `${api.origin}/me`, headers: { Authorization: 'Bearer {{secrets.TOKEN}}' } }),
        scopes({ secrets: { TOKEN: 'leaky\nvalue' } }),
      );
      expect(outcome.output).toBe(
        'could not build the request: header Authorization: {{secrets.TOKEN}} contains a line break or NUL, which could add headers; refused',
      );
      expect(api.seen).toEqual([]);
    });
  });

  describe('the JSON body', () => {
    it('keeps the type of a whole placeholder, and puts embedded ones in the text', async () => {
      const outcome = await callHttpTool(
        spec({
          method: 'POST',
          url: `${api.origin}/deploys`,
          body: {
            count: '{{args.count}}',
            dry: '{{ args.dry }}',
            tags: '{{args.tags}}',
            reason: 'ship "{{args.name}}" to {{inputs.env}}',
            note: '{{args.note}}',
            fixed: [1, '{{args.note}}', '{{args.count}}'],
          },
        }),
        scopes({
          inputs: { env: 'prod' },
          args: { count: 3, dry: false, tags: ['a', 'b'], name: 'api\n"v2"' },
        }),
      );
      expect(outcome.ok).toBe(true);
      const [request] = api.seen;
      expect(request?.method).toBe('POST');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request?.body ?? '')).toEqual({
        count: 3,
        dry: false,
        tags: ['a', 'b'],
        reason: 'ship "api\n"v2"" to prod',
        // `note` was left out of the call: its key is not sent (null in an array).
        fixed: [1, null, 3],
      });
    });

    it("keeps the manifest's own content-type", async () => {
      await callHttpTool(
        spec({
          method: 'PUT',
          url: `${api.origin}/doc`,
          headers: { 'Content-Type': 'application/merge-patch+json' },
          body: { title: '{{args.title}}' },
        }),
        scopes({ args: { title: 'New' } }),
      );
      expect(api.seen[0]?.headers['content-type']).toBe('application/merge-patch+json');
      expect(api.seen[0]?.body).toBe('{"title":"New"}');
    });

    it('refuses a body on a GET', async () => {
      const outcome = await callHttpTool(
        spec({ url: `${api.origin}/x`, body: { a: 1 } }),
        noValues,
      );
      expect(outcome.output).toBe(
        'could not build the request: a GET request has no body: use POST, PUT or PATCH',
      );
      expect(api.seen).toEqual([]);
    });
  });

  describe('redirects', () => {
    it('follows a redirect on the same host', async () => {
      const outcome = await callHttpTool(spec({ url: `${api.origin}/same-host` }), noValues);
      expect(outcome).toEqual({
        ok: true,
        output:
          'HTTP 200 OK\ncontent-type: application/json\nx-request-id: req-42\n\n{"path":"/landed"}',
      });
      expect(api.seen.map((request) => request.url)).toEqual(['/same-host', '/landed']);
    });

    it('continues a 303 as a GET without the body, and a 307 with the same method and body', async () => {
      const post = (path: string) =>
        callHttpTool(
          spec({ method: 'POST', url: `${api.origin}${path}`, body: { n: 1 } }),
          noValues,
        );
      await post('/see-other');
      await post('/temporary');
      expect(api.seen.map(({ method, url, body }) => [method, url, body])).toEqual([
        ['POST', '/see-other', '{"n":1}'],
        ['GET', '/landed', ''],
        ['POST', '/temporary', '{"n":1}'],
        ['POST', '/landed', '{"n":1}'],
      ]);
      expect(api.seen[1]?.headers['content-type']).toBeUndefined();
    });

    it('refuses a redirect to another host, which is never contacted', async () => {
      const away = await new RecordingApi(() => ({
        '/away': (res) => {
          res.writeHead(302, { location: `${other.origin}/collect?token=leaked` });
          res.end();
        },
      })).start();
      try {
        const outcome = await callHttpTool(
          spec({ url: `${away.origin}/away`, headers: { Authorization: 'Bearer {{secrets.T}}' } }),
          scopes({ secrets: { T: 'secret-token' } }),
        );
        expect(outcome).toEqual({
          ok: false,
          output: `HTTP 302 Found: refused redirect to other host ${other.origin}; this tool may only contact ${away.origin}`,
        });
        expect(other.seen).toEqual([]);
      } finally {
        await away.stop();
      }
    });

    it('stops after 5 redirects', async () => {
      const outcome = await callHttpTool(spec({ url: `${api.origin}/loop` }), noValues);
      expect(outcome).toEqual({
        ok: false,
        output: 'HTTP 302 Found: too many redirects (more than 5)',
      });
      expect(api.seen).toHaveLength(6);
    });
  });

  describe('time limits and shutdown', () => {
    it('gives up on a server that never answers after the timeout', async () => {
      const started = Date.now();
      const outcome = await callHttpTool(
        spec({ url: `${api.origin}/hang`, timeout: 200 }),
        noValues,
      );
      expect(outcome).toEqual({ ok: false, output: `timed out after 0.2s (GET ${api.origin})` });
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('counts reading the body in the timeout', async () => {
      const outcome = await callHttpTool(
        spec({ url: `${api.origin}/hang-body`, timeout: 200 }),
        noValues,
      );
      expect(outcome).toEqual({ ok: false, output: `timed out after 0.2s (GET ${api.origin})` });
    });

    it('reports a shutdown abort as aborted, not as a failure', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const outcome = await callHttpTool(spec({ url: `${api.origin}/hang` }), noValues, {
        signal: controller.signal,
      });
      expect(outcome).toEqual({
        ok: false,
        aborted: true,
        output: `stopped (shutdown) during GET ${api.origin}; whether the server acted on it is unknown`,
      });
    });

    it('sends nothing when the signal is already aborted', async () => {
      const outcome = await callHttpTool(spec({ url: `${api.origin}/x` }), noValues, {
        signal: AbortSignal.abort(),
      });
      expect(outcome.aborted).toBe(true);
      expect(api.seen).toEqual([]);
    });
  });

  describe('the response the model reads', () => {
    it('stops reading an endless body at the cap and hangs up', async () => {
      const outcome = await callHttpTool(spec({ url: `${api.origin}/endless` }), noValues, {
        maxResponseBytes: 1_000,
      });
      expect(outcome.ok).toBe(true);
      expect(outcome.output).toBe(
        `HTTP 200 OK\ncontent-type: text/plain\n\n${'x'.repeat(1_000)}\n…(response cut: more than 1000 bytes)`,
      );
      await eventually('the server to see the client hang up', async () =>
        api.endlessClosed ? true : undefined,
      );
    });

    it('keeps 64 KiB of a 10 MB body by default', async () => {
      const started = Date.now();
      const outcome = await callHttpTool(spec({ url: `${api.origin}/ten-megabytes` }), noValues);
      const body = outcome.output.split('\n\n')[1] ?? '';
      expect(body).toBe(`${'y'.repeat(65_536)}\n…(response cut: more than 65536 bytes)`);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('does not cut a character in two', async () => {
      const outcome = await callHttpTool(spec({ url: `${api.origin}/accents` }), noValues, {
        maxResponseBytes: 3,
      });
      expect(outcome.output).toBe(
        'HTTP 200 OK\ncontent-type: text/plain; charset=utf-8\n\né\n…(response cut: more than 3 bytes)',
      );
    });

    it('describes a binary body instead of passing its bytes', async () => {
      const outcome = await callHttpTool(spec({ url: `${api.origin}/image` }), noValues);
      expect(outcome.output).toBe(
        'HTTP 200 OK\ncontent-type: image/png\n\n[binary body, 11 bytes, content-type image/png]',
      );
    });

    it('shows some headers, never cookies or auth challenges', async () => {
      const outcome = await callHttpTool(spec({ url: `${api.origin}/x` }), noValues);
      expect(outcome.output).toContain('x-request-id: req-42');
      expect(outcome.output).not.toMatch(/cookie|authenticate/i);
    });

    it('a 404 is a failed call that still shows the status and the body', async () => {
      const outcome = await callHttpTool(spec({ url: `${api.origin}/missing` }), noValues);
      expect(outcome).toEqual({
        ok: false,
        output: 'HTTP 404 Not Found\ncontent-type: text/plain\n\nno such service: payments',
      });
    });

    it('a refused connection is a failed call with a clear message', async () => {
      const closed = await new RecordingApi().start();
      await closed.stop();
      const outcome = await callHttpTool(
        spec({ method: 'DELETE', url: `${closed.origin}/x` }),
        noValues,
      );
      expect(outcome).toEqual({
        ok: false,
        output: `DELETE ${closed.origin} failed: connection refused (ECONNREFUSED)`,
      });
    });
  });
});
