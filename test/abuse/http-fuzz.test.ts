import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { APPROVAL_ACTION, DENY_REASON_VIEW } from '../../src/slack/blocks/approval-value';
import { SIGNING_SECRET } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { type FakeSlackApi, startFakeSlackApi } from '../support/fake-slack-api';
import { isAlive } from '../support/processes';
import { slackSignature } from '../support/slack-request';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, testRedisUrl, uniqueName } from '../support/test-env';

const root = path.join(__dirname, '../..');

/** Fixed, so a failure reproduces; fast-check prints the seed and the shrunk case. */
const SEED = 20_261_301;
const RUNS = 40;
/** Longer than any answer takes here; a request still silent then is dropped by the client. */
const ANSWER_WAIT_MS = 5_000;
/** Past Bolt's 4 MB body limit. */
const HUGE = 5 * 1024 * 1024;

/** `countersign <role>` in its own process, so a request that ends it leaves a dead process. */
interface ServiceProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

async function startCountersign(
  role: 'serve' | 'worker',
  slack: FakeSlackApi,
): Promise<ServiceProcess> {
  const mongoUri = testMongoUri(uniqueName(`fuzz_${role}`));
  const queuePrefix = uniqueName(`fuzz_${role}`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), role], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: slack.url,
      AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
      REDIS_URL: testRedisUrl(),
      MONGODB_URI: mongoUri,
      QUEUE_PREFIX: queuePrefix,
      WORKFLOWS_DIR: path.join(root, 'workflows'),
      WORKFLOWS_WATCH: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await eventually(
    `countersign ${role} to log its port`,
    async () => {
      if (child.exitCode !== null) throw new Error(`countersign ${role} exited:\n${output}`);
      const started = output.split('\n').find((line) => line.includes('"countersign started"'));
      return started ? (JSON.parse(started) as { port: number }).port : undefined;
    },
    30_000,
  );
  return {
    child,
    port,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      // What the process stored: its database and its queues' keys.
      const db = await mongoose.createConnection(mongoUri).asPromise();
      await db.dropDatabase();
      await db.close();
      const redis = new Redis(testRedisUrl());
      const keys = await redis.keys(`${queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

interface RawAnswer {
  /** The status of the first response line, if one came. */
  status?: number;
}

function statusOf(received: Buffer): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, 32).toString('latin1'));
  return match ? Number(match[1]) : undefined;
}

/** Opens a socket to the service; resolves once connected. */
function open(port: number): Promise<{ socket: Socket; answer: Promise<RawAnswer> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset (the service refusing the rest of a huge body) is an answer too.
    const answer = new Promise<RawAnswer>((done) => {
      const timer = setTimeout(() => socket.destroy(), ANSWER_WAIT_MS);
      socket.on('close', () => {
        clearTimeout(timer);
        done({ status: statusOf(Buffer.concat(chunks)) });
      });
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, answer }));
    socket.once('error', reject);
  });
}

/** Writes `bytes` as they are (no client to tidy them up) and waits for the answer or a close. */
async function sendRaw(port: number, bytes: Buffer): Promise<RawAnswer> {
  const { socket, answer } = await open(port);
  socket.write(bytes, () => undefined);
  return answer;
}

interface RequestShape {
  method: string;
  target: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  /** Leaves out the Content-Length this helper would add. */
  noLength?: boolean;
}

/** One HTTP/1.1 request on a closing connection, written byte for byte. */
function http({ method, target, headers = {}, body, noLength }: RequestShape): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0));
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  }
  if (!noLength && (payload.length > 0 || method === 'POST')) {
    lines.push(`Content-Length: ${payload.length}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

/** The headers Slack signs `body` with, now. */
function signed(body: Buffer | string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    'X-Slack-Request-Timestamp': String(timestamp),
    'X-Slack-Signature': slackSignature(SIGNING_SECRET, timestamp, body.toString()),
  };
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'Content-Type': 'application/json' };

interface Case {
  name: string;
  bytes: Buffer;
  /** The status the service answers; undefined: any answer below 500, or none. */
  status?: number;
}

/** Requests any process of the service must survive, whatever it serves. */
function routeCases(): Case[] {
  return [
    {
      name: 'POST to an unknown path',
      bytes: http({ method: 'POST', target: '/nope' }),
      status: 404,
    },
    {
      name: 'POST with a body to an unknown path',
      bytes: http({ method: 'POST', target: '/nope', headers: FORM, body: 'a=1' }),
      status: 404,
    },
    {
      name: 'POST under the Slack endpoint',
      bytes: http({ method: 'POST', target: '/slack/events/x', headers: JSON_TYPE, body: '{}' }),
      status: 404,
    },
    { name: 'POST to /', bytes: http({ method: 'POST', target: '/' }), status: 404 },
    { name: 'GET an unknown path', bytes: http({ method: 'GET', target: '/nope' }), status: 404 },
    { name: 'POST to /healthz', bytes: http({ method: 'POST', target: '/healthz' }), status: 405 },
    { name: 'PUT /readyz', bytes: http({ method: 'PUT', target: '/readyz' }), status: 405 },
    { name: 'DELETE /metrics', bytes: http({ method: 'DELETE', target: '/metrics' }), status: 405 },
    { name: 'PATCH an unknown path', bytes: http({ method: 'PATCH', target: '/x' }), status: 404 },
    { name: 'OPTIONS *', bytes: http({ method: 'OPTIONS', target: '*' }), status: 404 },
    { name: 'HEAD /healthz', bytes: http({ method: 'HEAD', target: '/healthz' }), status: 200 },
    { name: 'a method HTTP has not', bytes: http({ method: 'BREW', target: '/pot' }), status: 400 },
    { name: 'an empty path segment', bytes: http({ method: 'POST', target: '//' }), status: 404 },
    { name: 'GET //', bytes: http({ method: 'GET', target: '//' }), status: 404 },
    { name: 'GET //x:y@z', bytes: http({ method: 'GET', target: '//x:y@z/healthz' }) },
    {
      name: 'broken percent-encoding',
      bytes: http({ method: 'POST', target: '/%E0%A4%A/%zz%' }),
      status: 404,
    },
    {
      name: 'an encoded slash',
      bytes: http({ method: 'GET', target: '/slack%2Fevents' }),
      status: 404,
    },
    {
      name: 'raw bytes above ASCII in the path',
      bytes: Buffer.concat([
        Buffer.from('GET /\xff\xfe'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      ]),
    },
    {
      name: 'an absolute-form target',
      bytes: http({ method: 'POST', target: 'http://evil.example/nope' }),
      status: 404,
    },
    {
      name: 'a 20 KB path',
      bytes: http({ method: 'GET', target: `/${'a'.repeat(20_000)}` }),
      status: 431,
    },
    {
      name: 'a huge body to an unknown path',
      bytes: http({ method: 'POST', target: '/nope', headers: FORM, body: Buffer.alloc(HUGE, 97) }),
    },
    {
      name: 'Content-Length and Transfer-Encoding both',
      bytes: http({
        method: 'POST',
        target: '/nope',
        headers: { 'Transfer-Encoding': 'chunked', 'Content-Length': '3' },
        body: '0\r\n\r\n',
        noLength: true,
      }),
      status: 400,
    },
    {
      name: 'a broken chunk size',
      bytes: http({
        method: 'POST',
        target: '/nope',
        headers: { 'Transfer-Encoding': 'chunked' },
        body: 'zz\r\nabc\r\n0\r\n\r\n',
        noLength: true,
      }),
    },
    {
      name: 'two Content-Length headers that differ',
      bytes: http({
        method: 'POST',
        target: '/nope',
        headers: { 'Content-Length': ['1', '2'] },
        body: 'ab',
        noLength: true,
      }),
      status: 400,
    },
    {
      name: 'a header line without a colon',
      bytes: Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n'),
      status: 400,
    },
    {
      name: 'a request line that is not HTTP',
      bytes: Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03hello\r\n\r\n'),
      status: 400,
    },
    {
      name: 'a websocket upgrade',
      bytes: http({
        method: 'GET',
        target: '/healthz',
        headers: { Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      }),
    },
    {
      name: 'Expect: 100-continue to an unknown path',
      bytes: http({
        method: 'POST',
        target: '/nope',
        headers: { Expect: '100-continue' },
        body: 'x',
      }),
    },
  ];
}

/** Requests at the Slack endpoint: bodies, types and encodings Slack never sends. */
function slackCases(): Case[] {
  const events = '/slack/events';
  const nullPayload = 'payload=null';
  const invalidUtf8 = Buffer.concat([Buffer.from('payload='), Buffer.from([0xff, 0xfe, 0xc3])]);
  const gzipHeaderPlainBody = 'command=%2Fcountersign&text=help';
  return [
    { name: 'GET the Slack endpoint', bytes: http({ method: 'GET', target: events }), status: 405 },
    { name: 'PUT the Slack endpoint', bytes: http({ method: 'PUT', target: events }), status: 405 },
    { name: 'an unsigned POST', bytes: http({ method: 'POST', target: events }), status: 401 },
    {
      name: 'a body past the limit',
      bytes: http({ method: 'POST', target: events, headers: FORM, body: Buffer.alloc(HUGE, 97) }),
      status: 413,
    },
    {
      name: 'a signed payload=null',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { ...FORM, ...signed(nullPayload) },
        body: nullPayload,
      }),
      status: 400,
    },
    {
      name: 'signed JSON that does not parse',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { ...JSON_TYPE, ...signed('{"type":') },
        body: '{"type":',
      }),
      status: 400,
    },
    {
      name: 'signed invalid UTF-8',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { ...FORM, ...signed(invalidUtf8) },
        body: invalidUtf8,
      }),
    },
    {
      name: 'a gzip Content-Encoding over a plain body',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { ...FORM, 'Content-Encoding': 'gzip', ...signed(gzipHeaderPlainBody) },
        body: gzipHeaderPlainBody,
      }),
    },
    {
      name: 'a real gzip body',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { ...FORM, 'Content-Encoding': 'gzip' },
        body: gzipSync('text=help'),
      }),
    },
    {
      name: 'an unknown charset',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=x-bogus' },
        body: 'a=1',
      }),
    },
    {
      name: 'a multipart body',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { 'Content-Type': 'multipart/form-data; boundary=zz', ...signed('--zz--') },
        body: '--zz--',
      }),
    },
    {
      name: 'two signatures',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { ...FORM, 'X-Slack-Signature': ['v0=00', 'v0=11'] },
        body: 'a=1',
      }),
      status: 401,
    },
    {
      name: 'a timestamp that is no number',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { ...FORM, 'X-Slack-Request-Timestamp': '1e400', 'X-Slack-Signature': 'v0=00' },
        body: 'a=1',
      }),
      status: 401,
    },
    {
      name: 'broken percent-encoding in a signed form body',
      bytes: http({
        method: 'POST',
        target: events,
        headers: { ...FORM, ...signed('payload=%E0%A4%A&%zz') },
        body: 'payload=%E0%A4%A&%zz',
      }),
    },
    {
      name: 'a query string on the Slack endpoint',
      bytes: http({ method: 'POST', target: `${events}?%zz=%`, headers: FORM, body: 'a=1' }),
      status: 401,
    },
  ];
}

/** Arbitrary requests: methods, paths (percent-encoded bytes), types, encodings, bodies, signed or not. */
function arbitraryRequest(): fc.Arbitrary<Buffer> {
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
  const segment = fc.oneof(
    fc.constantFrom('slack', 'events', 'healthz', 'readyz', 'metrics', '', '..', '%', '%zz'),
    fc
      .uint8Array({ maxLength: 6 })
      .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
    fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,8}$/),
  );
  const target = fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.option(segment))
    .map(([parts, query]) => `/${parts.join('/')}${query === null ? '' : `?${query}`}`);
  const contentType = fc.constantFrom(
    undefined,
    'application/x-www-form-urlencoded',
    'application/json',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded; charset=latin1',
    'image/png',
    ';;;',
  );
  const encoding = fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'x-unknown');
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
    fc.json().map((json) => Buffer.from(json)),
    fc.json().map((json) => Buffer.from(`payload=${encodeURIComponent(json)}`)),
  );
  return fc
    .record({
      method,
      target: fc.oneof(target, fc.constant('/slack/events')),
      contentType,
      encoding,
      body,
      sign: fc.boolean(),
    })
    .map(({ method, target, contentType, encoding, body, sign }) => {
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers['Content-Type'] = contentType;
      if (encoding !== undefined) headers['Content-Encoding'] = encoding;
      if (sign) Object.assign(headers, signed(body));
      return http({ method, target, headers, body: method === 'GET' ? undefined : body });
    });
}

/**
 * Correctly signed bodies (what only Slack, or someone holding the signing secret, can send) shaped
 * like Slack's but with any value anywhere: commands, button clicks, modal submissions, events.
 */
function signedSlackShape(): fc.Arbitrary<Buffer> {
  const anyValue = fc.oneof(
    fc.constant(null),
    fc.string(),
    fc.integer(),
    fc.object(),
    fc.array(fc.string()),
  );
  const command = fc
    .record(
      {
        command: fc.constantFrom('/countersign', '/other'),
        text: fc.oneof(
          fc.string(),
          fc.constantFrom('run', 'run hello name=', 'cancel', 'status', 'runs', 'list', 'help'),
        ),
        user_id: fc.constantFrom('U0FUZZ', '', 'not-a-user'),
        channel_id: fc.constantFrom('C0FUZZ', ''),
        response_url: fc.constantFrom('http://127.0.0.1:9/unused', 'not a url', ''),
        trigger_id: fc.string(),
      },
      { requiredKeys: ['command'] },
    )
    .map((fields) => new URLSearchParams(fields).toString());
  const payload = fc
    .record(
      {
        type: fc.constantFrom('block_actions', 'view_submission', 'view_closed', 'shortcut', 'x'),
        actions: fc.array(
          fc.record({
            action_id: fc.constantFrom(...Object.values(APPROVAL_ACTION)),
            value: anyValue,
          }),
          { maxLength: 2 },
        ),
        view: fc.record({
          callback_id: fc.constantFrom(
            DENY_REASON_VIEW.callbackId,
            DENY_REASON_VIEW.homeCallbackId,
          ),
          private_metadata: anyValue,
          state: anyValue,
        }),
        user: fc.oneof(anyValue, fc.constant({ id: 'U0FUZZ' })),
        team: anyValue,
        container: anyValue,
      },
      { requiredKeys: ['type'] },
    )
    .map((body) => `payload=${encodeURIComponent(JSON.stringify(body))}`);
  const event = fc
    .record({
      type: fc.constantFrom('event_callback', 'url_verification'),
      event: anyValue,
      challenge: anyValue,
    })
    .map((body) => JSON.stringify(body));
  return fc.oneof(command, payload, event).map((body) =>
    http({
      method: 'POST',
      target: '/slack/events',
      headers: {
        'Content-Type': body.startsWith('{')
          ? 'application/json'
          : 'application/x-www-form-urlencoded',
        ...signed(body),
      },
      body,
    }),
  );
}

/** Starts a request, writes part of its body a few bytes at a time, then goes quiet. */
async function trickle(port: number, target: string): Promise<Socket> {
  const { socket } = await open(port);
  socket.write(
    `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
  );
  for (const piece of ['{"ty', 'pe":', '"ur']) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(piece);
  }
  return socket;
}

describe.each(['serve', 'worker'] as const)('countersign %s under a fuzz of requests', (role) => {
  let slack: FakeSlackApi;
  let service: ServiceProcess;
  beforeAll(async () => {
    slack = await startFakeSlackApi();
    service = await startCountersign(role, slack);
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await slack?.close();
  });

  /** The process is still there and still answers its liveness probe. */
  async function expectUp(after: string): Promise<void> {
    const health = await fetch(`http://127.0.0.1:${service.port}/healthz`, {
      signal: AbortSignal.timeout(ANSWER_WAIT_MS),
    }).catch((error: Error) => error);
    if (!isAlive(service.child.pid ?? -1) || health instanceof Error || health.status !== 200) {
      throw new Error(
        `after ${after}: the process is ${isAlive(service.child.pid ?? -1) ? 'up' : 'gone'}, ` +
          `/healthz: ${health instanceof Error ? health.message : health.status}\n${service.output()}`,
      );
    }
  }

  const cases = role === 'serve' ? [...routeCases(), ...slackCases()] : routeCases();

  it.each(cases.map((c) => [c.name, c] as const))('survives %s', async (_name, c) => {
    const answer = await sendRaw(service.port, c.bytes);
    await expectUp(c.name);
    if (c.status !== undefined) expect(answer.status).toBe(c.status);
    else if (answer.status !== undefined) expect(answer.status).toBeLessThan(500);
  });

  it('survives arbitrary requests, answering each below 500', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRequest(), async (bytes) => {
        const answer = await sendRaw(service.port, bytes);
        await expectUp(bytes.subarray(0, 200).toString('latin1'));
        if (answer.status !== undefined) expect(answer.status).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120_000);

  if (role === 'serve') {
    it('survives signed Slack-shaped bodies with any value anywhere', async () => {
      // Sent ten at a time: Bolt answers a request no listener acks only after 3 s.
      await fc.assert(
        fc.asyncProperty(
          fc.array(signedSlackShape(), { minLength: 10, maxLength: 10 }),
          async (batch) => {
            const answers = await Promise.all(batch.map((bytes) => sendRaw(service.port, bytes)));
            await expectUp(batch.map((bytes) => bytes.toString('latin1')).join('\n'));
            for (const answer of answers) expect(answer.status).toBeDefined();
          },
        ),
        { seed: SEED, numRuns: 3 },
      );
    }, 120_000);
  }

  it.each(['/slack/events', '/nope'])(
    'survives a sender to %s that trickles a body, stalls and hangs up',
    async (target) => {
      const socket = await trickle(service.port, target);
      // While it stalls, everyone else is still served.
      await expectUp(`a stalled body to ${target}`);
      socket.destroy();
      await expectUp(`a hang-up mid-body to ${target}`);
    },
  );

  it('survives a sender that hangs up in the middle of its headers', async () => {
    const { socket } = await open(service.port);
    socket.write('POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Le');
    await expectUp('half a header');
    socket.destroy();
    await expectUp('a hang-up mid-header');
  });
});
