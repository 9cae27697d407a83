import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { type Harness, startHarness } from '../support/countersign-harness';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import { closeServer, listenOnLoopback } from '../support/loopback-server';
import { finalRun, runIdIn } from '../support/run-records';

/** A loopback server that records the path and query of every request it gets. */
async function recordingServer(): Promise<{ server: Server; origin: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  return { server, seen, origin: await listenOnLoopback(server) };
}

const workflow = (origin: string) => `name: injected
agent:
  instructions: Look things up.
  max_turns: 4
  max_tool_calls: 20
tools:
  - name: echo_arg
    description: Echoes one argument
    risk: low
    input_schema: { type: object, properties: { text: { type: string } }, required: [text] }
    command: { argv: [${process.execPath}, -e, "process.stdout.write(JSON.stringify(process.argv[1]))", "{{args.text}}"] }
  - name: lookup
    description: Looks an item up
    risk: low
    input_schema: { type: object, properties: { item: { type: string }, q: { type: string } }, required: [item] }
    http: { method: GET, url: "${origin}/items/{{args.item}}/view?q={{args.q}}" }
`;

describe('prompt injection: what a scripted model asks for is refused or neutralised, and audited', () => {
  let h: Harness;
  let anthropic: FakeAnthropicApi;
  let api: Awaited<ReturnType<typeof recordingServer>>;
  let other: Awaited<ReturnType<typeof recordingServer>>;
  let runs: Collection;
  let audit: Collection;
  let marker: string;

  beforeAll(async () => {
    api = await recordingServer();
    other = await recordingServer();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-injection-'));
    marker = path.join(dir, 'pwned');
    await writeFile(path.join(dir, 'injected.yaml'), workflow(api.origin));
    anthropic = await startFakeAnthropicApi({ apiKey: 'sk-ant-test' });
    h = await startHarness('abuse_injection', {
      workflowsDir: dir,
      env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: anthropic.baseUrl },
    });
    runs = h.db.collection('runs');
    audit = h.db.collection('audit_events');
  });
  afterAll(async () => {
    await h.stop();
    await anthropic.close();
    await closeServer(api.server);
    await closeServer(other.server);
  });
  beforeEach(() => {
    h.slack.reset();
    anthropic.reset();
    api.seen.length = 0;
    other.seen.length = 0;
  });

  /** Runs the workflow with the model asking for `calls` in one turn; the run and its audit. */
  async function runWith(calls: { name: string; input: Record<string, unknown> }[]) {
    anthropic.script([
      { toolUse: calls.map((call) => ({ ...call, unoffered: true })) },
      { text: 'Done.' },
    ]);
    await h.slash({ text: 'run injected', user_id: 'U0DEV', channel_id: 'C0OPS' });
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    const runId = runIdIn(started.args.blocks) as string;
    const run = await finalRun(runs, runId);
    const events = await audit.find({ runId }).sort({ seq: 1 }).toArray();
    const results = anthropic.requests[1]?.body.messages.at(-1)?.content as {
      type: string;
      content: string;
      is_error?: boolean;
    }[];
    return { run, events, results };
  }

  it('keeps every http path value inside its one segment, on the manifest’s host', async () => {
    const items = [
      '../../evil.example',
      `${other.origin}/x`,
      '%2e%2e',
      'a/../../b',
      '@evil.example',
    ];
    const { run, results } = await runWith(
      items.map((item) => ({ name: 'lookup', input: { item, q: 'x&admin=true' } })),
    );
    expect(run.status).toBe('succeeded');
    const port = new URL(other.origin).port;
    expect(api.seen).toEqual([
      '/items/..%2F..%2Fevil.example/view?q=x%26admin%3Dtrue',
      `/items/http%3A%2F%2F127.0.0.1%3A${port}%2Fx/view?q=x%26admin%3Dtrue`,
      '/items/%252e%252e/view?q=x%26admin%3Dtrue',
      '/items/a%2F..%2F..%2Fb/view?q=x%26admin%3Dtrue',
      '/items/%40evil.example/view?q=x%26admin%3Dtrue',
    ]);
    expect(other.seen).toEqual([]);
    expect(results.map((result) => result.is_error ?? false)).toEqual(items.map(() => false));
  });

  it('refuses a path value that would climb the URL, tells the model, sends nothing and audits the failure', async () => {
    const { run, results, events } = await runWith([
      { name: 'lookup', input: { item: '..' } },
      { name: 'lookup', input: { item: '.' } },
    ]);
    expect(api.seen).toEqual([]);
    expect(run.steps.s0.status).toBe('failed');
    for (const result of results) {
      expect(result).toMatchObject({ type: 'tool_result', is_error: true });
      expect(result.content).toContain('cannot be "." or ".."');
    }
    const executed = events.filter((event) => event.type === 'tool_call.executed');
    expect(executed.map((event) => event.details.outcome)).toEqual(['failed', 'failed']);
  });

  it('hands shell metacharacters to the program verbatim: nothing they spell is executed', async () => {
    const texts = [
      `x; touch ${marker}`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `x\ntouch ${marker}`,
      `x | touch ${marker} && rm -rf /`,
      `' ; touch ${marker} ; '`,
    ];
    const { run, events } = await runWith(
      texts.map((text) => ({ name: 'echo_arg', input: { text } })),
    );
    expect(run.status).toBe('succeeded');
    texts.forEach((text, n) => {
      expect(run.steps[`s${n}`]).toMatchObject({
        status: 'succeeded',
        output: JSON.stringify(text),
      });
    });
    expect(existsSync(marker)).toBe(false);
    const executed = events.filter((event) => event.type === 'tool_call.executed');
    expect(executed).toHaveLength(texts.length);
    expect(executed.every((event) => event.details.outcome === 'succeeded')).toBe(true);
  });

  it('ignores extra keys naming another host, and refuses a value of the wrong type as an audited refusal', async () => {
    const { run, results, events } = await runWith([
      { name: 'lookup', input: { item: 'a', host: 'evil.example', url: `${other.origin}/x` } },
      { name: 'echo_arg', input: { text: ['rm', '-rf', '/'] } },
    ]);
    expect(other.seen).toEqual([]);
    expect(api.seen).toEqual(['/items/a/view?q=']);
    expect(run.steps.s1).toMatchObject({ status: 'refused' });
    expect(run.steps.s1.error).toContain('invalid arguments: text must be string');
    expect(results[1]).toMatchObject({ is_error: true });
    expect(events.filter((event) => event.type === 'tool_call.refused')).toHaveLength(1);
  });
});
