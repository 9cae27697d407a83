import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Harness } from '../support/countersign-harness';
import { startHarness } from '../support/countersign-harness';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import { closeServer, listenOnLoopback, readBody } from '../support/loopback-server';
import { finalRun, runIdIn } from '../support/run-records';
import { testRedisUrl } from '../support/test-env';

/** The canary: it must leave no trace anywhere but in the tools it is handed to. */
const CANARY = 'canary-9Xq/7+Lk=Zr 2Wv';
const FORMS = [
  CANARY,
  encodeURIComponent(CANARY),
  Buffer.from(CANARY).toString('base64'),
  Buffer.from(CANARY).toString('base64url'),
  // A form none of the tools produces, but the most common leak of all: a Basic auth header.
  Buffer.from(`ops:${CANARY}`).toString('base64'),
];
const traces = (what: unknown): string[] => {
  const text = typeof what === 'string' ? what : JSON.stringify(what);
  return FORMS.filter((form) => text.includes(form));
};

const EVERYTHING = path.join(
  __dirname,
  '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

const manifest = (origin: string) => `name: canary
secrets: [CANARY]
agent:
  instructions: Check the tools.
tools:
  - name: echo_http
    risk: low
    http:
      method: POST
      url: ${origin}/echo?key={{secrets.CANARY}}
      headers: { Authorization: "Bearer {{secrets.CANARY}}" }
      body: { token: "{{secrets.CANARY}}" }
  - name: print_env
    risk: low
    command:
      argv: [sh, -c, 'env; printf %s "$CANARY" | base64; echo "boom $CANARY" >&2; exit 3']
      env: { CANARY: "{{secrets.CANARY}}" }
  - mcp: everything
    server:
      command: ${process.execPath}
      args: ["${EVERYTHING}", stdio]
      env: { CANARY: "{{secrets.CANARY}}" }
    risk: { default: deny, low: [get-env] }
`;

describe('the secret canary: tools that echo their secret leave no trace of it', () => {
  let h: Harness;
  let anthropic: FakeAnthropicApi;
  let echo: Server;
  const echoed: string[] = [];

  beforeAll(async () => {
    echo = createServer(async (req, res) => {
      const body = await readBody(req);
      echoed.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': CANARY });
      res.end(JSON.stringify({ url: req.url, headers: req.headers, body }));
    });
    const origin = await listenOnLoopback(echo);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-canary-'));
    await writeFile(path.join(dir, 'canary.yaml'), manifest(origin));
    anthropic = await startFakeAnthropicApi();
    h = await startHarness('canary', {
      workflowsDir: dir,
      env: {
        COUNTERSIGN_SECRET_CANARY: CANARY,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
      },
    });
  });
  afterAll(async () => {
    await h.stop();
    await anthropic.close();
    await closeServer(echo);
  });

  it('is in no request to the model, no Slack call, no stored document, no Redis key and no log line', async () => {
    anthropic.script([
      {
        text: 'Calling every tool.',
        toolUse: [
          { name: 'echo_http', input: {} },
          { name: 'print_env', input: {} },
          { name: 'everything__get-env', input: {} },
        ],
      },
      { text: 'All three answered.' },
    ]);
    await h.slash({ text: 'run canary', user_id: 'U0DEV', channel_id: 'C0OPS' });
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    const runId = runIdIn(started.args.blocks) as string;
    const run = await finalRun(h.db.collection('runs'), runId, { announced: true });

    // The tools did get the secret, and the model saw that they echoed it: as its name only.
    expect(run.status).toBe('succeeded');
    expect(echoed).toEqual([`Bearer ${CANARY}`]);
    const results = JSON.stringify(anthropic.requests[1]?.body.messages.at(-1));
    expect(results.match(/\[secret:CANARY\]/g)?.length).toBeGreaterThanOrEqual(5);
    expect(run.steps.s1.status).toBe('failed');

    expect(traces(anthropic.requests)).toEqual([]);
    expect(traces(h.slack.calls)).toEqual([]);
    const collections = await h.db.listCollections();
    expect(collections.map((c) => c.name)).toEqual(
      expect.arrayContaining(['runs', 'audit_events']),
    );
    for (const { name } of collections) {
      expect({ name, traces: traces(await h.db.collection(name).find().toArray()) }).toEqual({
        name,
        traces: [],
      });
    }
    const redis = new Redis(testRedisUrl());
    try {
      const keys = await redis.keys(`${h.queuePrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'zset'
                  ? await redis.zrange(key, 0, -1)
                  : type === 'set'
                    ? await redis.smembers(key)
                    : type === 'stream'
                      ? await redis.xrange(key, '-', '+')
                      : `unread type ${type}`;
        expect({ key, traces: traces(value) }).toEqual({ key, traces: [] });
      }
    } finally {
      await redis.quit();
    }
    expect(traces(h.logs)).toEqual([]);
  });
});
