import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { cardOf, click, submitDenyReason } from '../support/approval-clicks';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import { finalRun, runIdIn } from '../support/run-records';

/** An agent workflow with a low-risk lookup, a high-risk restart and a slow low-risk tool. */
const triage = (budgets: string) => `name: triage
description: Looks into a service's health
inputs:
  service: { type: string, required: true, pattern: "^[a-z0-9-]+$" }
agent:
  instructions: Find out why {{inputs.service}} is slow. Restart it only if needed.
${budgets}
tools:
  - name: disk_usage
    description: Disk usage of a host
    risk: low
    input_schema:
      type: object
      properties: { host: { type: string } }
      required: [host]
      additionalProperties: false
    command: { argv: [echo, "disk of {{args.host}}: 42%"] }
  - name: nap
    description: Waits a little
    risk: low
    command: { argv: [sleep, "1"] }
  - name: restart
    description: Restarts the service
    risk: high
    command: { argv: [echo, restarted] }
approval:
  approvers: { users: [U0LEAD] }
`;

const EVERYTHING = path.join(
  __dirname,
  '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

const WORKFLOWS: Record<string, string> = {
  'with-mcp.yaml': `name: with-mcp
agent:
  instructions: Use the server.
tools:
  - mcp: everything
    server: { command: ${process.execPath}, args: ["${EVERYTHING}", stdio] }
    risk: { default: high, low: [echo], deny: ["get-sum*"] }
approval:
  approvers: { users: [U0LEAD] }
`,
  'triage.yaml': triage('  max_turns: 6'),
  'tight-turns.yaml': triage('  max_turns: 2').replace('name: triage', 'name: tight-turns'),
  'tight-calls.yaml': triage('  max_tool_calls: 2').replace('name: triage', 'name: tight-calls'),
  'tight-tokens.yaml': triage('  max_tokens: 5000').replace('name: triage', 'name: tight-tokens'),
  'tight-time.yaml': triage('  timeout: 1s').replace('name: triage', 'name: tight-time'),
};

describe('agent runs: a Claude tool-use loop through the fake Anthropic API', () => {
  let h: Harness;
  let anthropic: FakeAnthropicApi;
  let runs: Collection;
  let audit: Collection;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-agent-'));
    for (const [file, text] of Object.entries(WORKFLOWS)) {
      await writeFile(path.join(dir, file), text);
    }
    anthropic = await startFakeAnthropicApi({ apiKey: 'sk-ant-test' });
    h = await startHarness('agent_run', {
      workflowsDir: dir,
      env: {
        ANTHROPIC_API_KEY: 'sk-ant-test',
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
      },
    });
    runs = h.db.collection('runs');
    audit = h.db.collection('audit_events');
  });
  afterAll(async () => {
    await h.stop();
    await anthropic.close();
  });
  beforeEach(() => {
    h.slack.reset();
    anthropic.reset();
  });

  /** Starts a workflow from Slack; returns its run id and thread. */
  async function start(text: string) {
    const response = await h.slash({ text, user_id: 'U0DEV', channel_id: 'C0OPS' });
    expect(response.status).toBe(200);
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    const runId = runIdIn(started.args.blocks) as string;
    return { runId, ts: (started.response.body as { ts: string }).ts };
  }

  const threadOf = (ts: string) =>
    h.slack
      .messages('C0OPS')
      .filter((message) => message.thread_ts === ts)
      .map((message) => JSON.stringify(message.blocks));

  it('runs a multi-turn tool loop: each tool result goes back to the model, the answer ends the run', async () => {
    anthropic.script([
      { text: 'Checking web-1 first.', toolUse: { name: 'disk_usage', input: { host: 'web-1' } } },
      { toolUse: { name: 'disk_usage', input: { host: 'web-2' } } },
      { text: 'Both disks are at 42%; no restart needed.' },
    ]);
    const { runId, ts } = await start('run triage service=api');
    const run = await finalRun(runs, runId, { announced: true });

    expect(run.status).toBe('succeeded');
    expect(run.result).toBe('Both disks are at 42%; no restart needed.');
    expect(run.steps.s0).toMatchObject({ tool: 'disk_usage', status: 'succeeded', risk: 'low' });
    expect(run.steps.s0.output).toBe('disk of web-1: 42%');
    expect(run.steps.s1.output).toBe('disk of web-2: 42%');
    expect(run.usage.turns).toBe(3);
    expect(run.usage.inputTokens).toBeGreaterThan(0);
    expect(run.transcript).toHaveLength(6);

    const [first, second, third] = anthropic.requests.map((request) => request.body);
    expect(first?.system).toBe('Find out why api is slow. Restart it only if needed.');
    expect(first?.tools?.map((tool) => ('name' in tool ? tool.name : ''))).toEqual([
      'disk_usage',
      'nap',
      'restart',
    ]);
    expect(first?.messages[0]?.content).toEqual([
      {
        type: 'text',
        text: 'Carry out the workflow "triage", requested by Slack user U0DEV.\nInputs: {"service":"api"}',
      },
    ]);
    const answered = second?.messages.at(-1);
    expect(answered?.role).toBe('user');
    expect(answered?.content).toEqual([
      expect.objectContaining({ type: 'tool_result', content: 'disk of web-1: 42%' }),
    ]);
    expect(third?.messages).toHaveLength(5);

    const thread = threadOf(ts);
    expect(thread.some((text) => text.includes('Tool call 1') && text.includes('web-1'))).toBe(
      true,
    );
    expect(thread.some((text) => text.includes('Both disks are at 42%'))).toBe(true);
    expect(thread.at(-1)).toContain(
      `3 model requests · ${run.usage.inputTokens.toLocaleString('en-US')} input and`,
    );

    const types = (await audit.find({ runId }).sort({ seq: 1 }).toArray()).map((e) => e.type);
    expect(types).toEqual([
      'run.requested',
      'run.started',
      'tool_call.allowed',
      'tool_call.executed',
      'tool_call.allowed',
      'tool_call.executed',
      'run.finished',
    ]);
  });

  it('answers arguments that do not fit the input_schema with an error result, without running the tool', async () => {
    anthropic.script([
      { toolUse: { name: 'disk_usage', input: { host: 7, extra: true } } },
      { text: 'I could not check.' },
    ]);
    const { runId } = await start('run triage service=api');
    const run = await finalRun(runs, runId);

    expect(run.status).toBe('succeeded');
    expect(run.steps.s0).toMatchObject({ status: 'refused' });
    expect(run.steps.s0.error).toBe(
      'invalid arguments: the arguments must NOT have additional properties (extra); host must be string',
    );
    const result = anthropic.requests[1]?.body.messages.at(-1)?.content as unknown[];
    expect(result[0]).toMatchObject({ type: 'tool_result', is_error: true });
    expect(JSON.stringify(result[0])).toContain('invalid arguments');
    const refused = await audit.findOne({ runId, type: 'tool_call.refused' });
    expect(refused?.details.reason).toContain('invalid arguments');
  });

  it('refuses a tool the manifest does not have, naming the policy, and audits it', async () => {
    anthropic.script([
      { toolUse: { name: 'drop_database', input: { confirm: true }, unoffered: true } },
      { text: 'I may not do that.' },
    ]);
    const { runId } = await start('run triage service=api');
    const run = await finalRun(runs, runId);

    expect(run.status).toBe('succeeded');
    expect(run.steps.s0).toMatchObject({
      tool: 'drop_database',
      status: 'refused',
      error: 'denied by policy: "drop_database" is not a tool of triage',
    });
    const result = anthropic.requests[1]?.body.messages.at(-1)?.content as unknown[];
    expect(result[0]).toMatchObject({
      type: 'tool_result',
      is_error: true,
      content: 'denied by policy: "drop_database" is not a tool of triage',
    });
    const refused = await audit.findOne({ runId, type: 'tool_call.refused' });
    expect(refused?.details).toMatchObject({ tool: 'drop_database', args: '{"confirm":true}' });
  });

  it('stops for approval at a high-risk call, holding no worker, and asks in the thread', async () => {
    anthropic.script([
      { text: 'It is stuck; restarting.', toolUse: { name: 'restart', input: {} } },
    ]);
    const { runId, ts } = await start('run triage service=api');
    const run = await eventually('the run to wait for approval', async () => {
      const found = await runs.findOne({ _id: runId as never });
      return found?.status === 'awaiting_approval' ? found : undefined;
    });
    expect(run.steps.s0).toMatchObject({
      tool: 'restart',
      status: 'awaiting_approval',
      risk: 'high',
    });
    // The card goes into the run's thread (the manifest names no approval channel), with the
    // model's stated reason and who may approve.
    const card = await cardOf(h, runId);
    expect(card.call.args.thread_ts).toBe(ts);
    const shown = JSON.stringify(card.call.args.blocks);
    expect(shown).toContain('It is stuck; restarting.');
    expect(shown).toContain('<@U0LEAD>');
    expect(await audit.findOne({ runId, type: 'tool_call.awaiting_approval' })).not.toBeNull();
    // The model is not asked again while the run waits, and nothing ran.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(anthropic.requests).toHaveLength(1);
    expect(await audit.findOne({ runId, type: 'tool_call.executed' })).toBeNull();
  });

  it('ends the run as budget_exhausted after max_turns model requests', async () => {
    const again = { toolUse: { name: 'disk_usage', input: { host: 'web-1' } } };
    anthropic.script([again, again, again]);
    const { runId, ts } = await start('run tight-turns service=api');
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('budget_exhausted');
    expect(run.error).toBe('stopped: the run made all 2 model requests it may make (max_turns)');
    expect(anthropic.requests).toHaveLength(2);
    expect(threadOf(ts).some((text) => text.includes('max_turns'))).toBe(true);
  });

  it('ends the run as budget_exhausted when the model asks for more than max_tool_calls', async () => {
    anthropic.script([
      {
        toolUse: [
          { name: 'disk_usage', input: { host: 'a' } },
          { name: 'disk_usage', input: { host: 'b' } },
          { name: 'disk_usage', input: { host: 'c' } },
        ],
      },
    ]);
    const { runId } = await start('run tight-calls service=api');
    const run = await finalRun(runs, runId);
    expect(run.status).toBe('budget_exhausted');
    expect(run.error).toContain('all 2 tool calls it may make (max_tool_calls)');
    expect(Object.keys(run.steps)).toHaveLength(2);
  });

  it('ends the run as budget_exhausted once its tokens are spent', async () => {
    anthropic.script([
      {
        toolUse: { name: 'disk_usage', input: { host: 'a' } },
        usage: { input_tokens: 4000, output_tokens: 1500 },
      },
      { text: 'never asked' },
    ]);
    const { runId } = await start('run tight-tokens service=api');
    const run = await finalRun(runs, runId);
    expect(run.status).toBe('budget_exhausted');
    expect(run.error).toBe('stopped: the run used 5500 of its 5000 tokens (max_tokens)');
    expect(anthropic.requests).toHaveLength(1);
  });

  it('ends the run as budget_exhausted when its wall-clock budget runs out', async () => {
    anthropic.script([{ toolUse: { name: 'nap', input: {} } }, { text: 'never asked' }]);
    const { runId } = await start('run tight-time service=api');
    const run = await finalRun(runs, runId);
    expect(run.status).toBe('budget_exhausted');
    expect(run.error).toBe('stopped: the run ran out of time: 1s (timeout)');
    expect(anthropic.requests).toHaveLength(1);
  });

  it('fails the run with the reason in the thread once the API keeps failing after the SDK retries', async () => {
    const overloaded = { status: 529, retryAfter: 0 };
    anthropic.script([overloaded, overloaded, overloaded]);
    const { runId, ts } = await start('run triage service=api');
    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 20_000 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^the model API failed: 529 overloaded_error/);
    expect(anthropic.requests).toHaveLength(3);
    expect(threadOf(ts).some((text) => text.includes('529 overloaded_error'))).toBe(true);
  });

  it('fails at once on an error the SDK does not retry', async () => {
    anthropic.script([{ status: 400, message: 'messages: text content blocks must be non-empty' }]);
    const { runId } = await start('run triage service=api');
    const run = await finalRun(runs, runId);
    expect(run.status).toBe('failed');
    expect(run.error).toBe(
      'the model API failed: 400 invalid_request_error: messages: text content blocks must be non-empty' +
        run.error.slice(run.error.indexOf(' (request')),
    );
    expect(anthropic.requests).toHaveLength(1);
  });

  it('offers a real MCP server’s tools by their rules: low runs, deny is hidden and refused, the rest waits', async () => {
    anthropic.script([
      (request) => {
        const offered = (request.body.tools ?? []).map((tool) => ('name' in tool ? tool.name : ''));
        expect(offered).toContain('everything__echo');
        expect(offered).toContain('everything__get-tiny-image');
        expect(offered).not.toContain('everything__get-sum');
        return {
          toolUse: [
            { name: 'everything__echo', input: { message: 'ping' } },
            { name: 'everything__get-sum', input: { a: 1, b: 2 }, unoffered: true },
          ],
        };
      },
      { toolUse: { name: 'everything__get-tiny-image', input: {} } },
    ]);
    const { runId } = await start('run with-mcp');
    const run = await eventually(
      'the run to wait for approval',
      async () => {
        const found = await runs.findOne({ _id: runId as never });
        return found?.status === 'awaiting_approval' ? found : undefined;
      },
      20_000,
    );
    expect(run.steps.s0).toMatchObject({
      tool: 'everything',
      mcpTool: 'echo',
      status: 'succeeded',
      risk: 'low',
    });
    expect(run.steps.s0.output).toContain('ping');
    expect(run.steps.s1).toMatchObject({
      tool: 'everything',
      mcpTool: 'get-sum',
      status: 'refused',
      error: 'denied by policy: the rules of with-mcp deny everything/get-sum',
    });
    expect(run.steps.s2).toMatchObject({
      mcpTool: 'get-tiny-image',
      status: 'awaiting_approval',
      risk: 'high',
    });
  });

  it('runs nothing of an answer cut off at its output limit, and says why', async () => {
    anthropic.script([
      {
        text: 'Let me restart',
        toolUse: { name: 'disk_usage', input: { host: 'web-1' } },
        stopReason: 'max_tokens',
      },
    ]);
    const { runId } = await start('run triage service=api');
    const run = await finalRun(runs, runId);
    expect(run.status).toBe('failed');
    expect(run.error).toBe("the model's answer was cut off at 8192 output tokens");
    expect(run.steps).toEqual({});
  });

  it('fails the run with the model’s own words when it declines', async () => {
    anthropic.script([{ text: 'I will not restart production.', stopReason: 'refusal' }]);
    const { runId } = await start('run triage service=api');
    const run = await finalRun(runs, runId);
    expect(run.status).toBe('failed');
    expect(run.error).toBe('the model declined to go on: I will not restart production.');
  });

  it('refuses arguments that are not an object instead of running the tool with none', async () => {
    anthropic.script([{ toolUse: { name: 'nap', input: 'now' } }, { text: 'ok' }]);
    const { runId } = await start('run triage service=api');
    const run = await finalRun(runs, runId);
    expect(run.steps.s0).toMatchObject({
      tool: 'nap',
      status: 'refused',
      error: 'invalid arguments: the arguments must be an object, not "now"',
    });
  });

  it('gives the model a denial’s reason as the call’s error, and lets it go on', async () => {
    anthropic.script([
      { text: 'Restarting it.', toolUse: { name: 'restart', input: {} } },
      { text: 'Understood: I will not restart it.' },
    ]);
    const { runId } = await start('run triage service=api');
    const card = await cardOf(h, runId);
    const clicked = await click(h, card, 'approval_deny', card.value, 'U0LEAD');
    await submitDenyReason(h, clicked.triggerId, 'U0LEAD', 'peak traffic; try after 18:00');
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('succeeded');
    expect(run.result).toBe('Understood: I will not restart it.');
    const result = anthropic.requests[1]?.body.messages.at(-1)?.content as unknown[];
    expect(result[0]).toMatchObject({
      type: 'tool_result',
      is_error: true,
      content: 'denied by U0LEAD: peak traffic; try after 18:00',
    });
  });

  it('runs an approved call and gives the model its result', async () => {
    anthropic.script([
      { toolUse: { name: 'restart', input: {} } },
      (request) => ({ text: `done: ${JSON.stringify(request.body.messages.at(-1)?.content)}` }),
    ]);
    const { runId } = await start('run triage service=api');
    const card = await cardOf(h, runId);
    await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('succeeded');
    expect(run.steps.s0).toMatchObject({ status: 'succeeded', output: 'restarted' });
    expect(run.result).toContain('restarted');
  });
});
