import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { answerTo, buttonsIn, cardNow, click } from '../support/approval-clicks';
import type { Harness } from '../support/countersign-harness';
import {
  type CrashDeployment,
  startCrashDeployment,
  writeWorkflows,
} from '../support/crash-deployment';
import { eventually } from '../support/eventually';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import type { SlackCall } from '../support/fake-slack-api';
import { finalRun } from '../support/run-records';

const WORKFLOWS = {
  'probe.yaml': `name: probe
agent:
  instructions: Probe the service.
tools:
  - name: probe
    risk: low
    input_schema: { type: object, properties: {} }
    command: { argv: [echo, healthy], timeout: 10s }
`,
  'change.yaml': `name: change
inputs:
  ledger: { type: string, required: true }
steps:
  - tool: change
    with: { ledger: "{{inputs.ledger}}" }
tools:
  - name: change
    risk: high
    input_schema: { type: object, properties: { ledger: { type: string } }, required: [ledger] }
    command: { argv: [sh, -c, 'echo ran >> "$1"; echo changed', sh, "{{args.ledger}}"], timeout: 10s }
approval:
  approvers: { users: [U0LEAD] }
`,
};

const isCard = (call: SlackCall) => buttonsIn(call.args.blocks).includes('approval_approve');

describe('a worker process killed with SIGKILL while a model call or a card post is in flight', () => {
  let d: CrashDeployment;
  let front: Harness;
  let anthropic: FakeAnthropicApi;
  let workflowsDir: string;
  let runs: Collection;

  beforeAll(async () => {
    workflowsDir = await writeWorkflows('kill', WORKFLOWS);
    anthropic = await startFakeAnthropicApi();
  });
  beforeEach(async () => {
    anthropic.reset();
    d = await startCrashDeployment('kill', workflowsDir, anthropic);
    ({ front, runs } = d);
  });
  afterEach(async () => {
    await d.stop();
  });
  afterAll(async () => {
    await anthropic.close();
  });

  const workerProcess = () => d.workerProcess();
  const secondWorker = () => d.secondWorker();
  const startRun = (text: string) => d.startRun(text);

  it('mid model call: another worker asks the model again; each saved turn appears and counts once', async () => {
    let heldOpen = false;
    anthropic.script([
      // The answer the killed worker never receives.
      () => {
        heldOpen = true;
        return {
          text: 'Lost answer.',
          toolUse: { name: 'probe', input: {} },
          usage: { input_tokens: 5000, output_tokens: 500 },
          delayMs: 15_000,
        };
      },
      {
        text: 'Probing.',
        toolUse: { name: 'probe', input: {} },
        usage: { input_tokens: 100, output_tokens: 10 },
      },
      { text: 'All healthy.', usage: { input_tokens: 200, output_tokens: 20 } },
    ]);
    const worker = await workerProcess();
    const runId = await startRun('run probe');
    await eventually('the model call to be in flight', async () => (heldOpen ? true : undefined));
    await worker.kill();

    await secondWorker();
    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 30_000 });
    expect(run.status).toBe('succeeded');
    expect(run.result).toBe('All healthy.');
    const transcript = (run.transcript as string[]).map(
      (text) => JSON.parse(text) as { role: string; content: { type: string; text?: string }[] },
    );
    expect(transcript.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(JSON.stringify(transcript)).not.toContain('Lost answer.');
    expect(run.usage).toEqual({ turns: 2, inputTokens: 300, outputTokens: 30 });
    expect(Object.keys(run.steps)).toEqual(['s0']);
    expect(run.steps.s0).toMatchObject({ tool: 'probe', status: 'succeeded', output: 'healthy' });
    // The killed request, then the two that were answered and saved.
    expect(anthropic.requests).toHaveLength(3);
    expect(anthropic.requests[1]?.body.messages).toEqual(anthropic.requests[0]?.body.messages);
    expect(front.slack.messages('C0OPS').filter((message) => !message.thread_ts)).toHaveLength(1);
  }, 60_000);

  it('while posting a card: Slack took the first post, so a second card appears; the call is still decided and run once', async () => {
    const ledger = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-ledger-')), 'ledger');
    // Slack answers the card slowly; the worker dies before the answer (Slack keeps the post).
    front.slack.failNext('chat.postMessage', { delayMs: 4_000 }, 1, (args) =>
      buttonsIn(args.blocks).includes('approval_approve'),
    );
    const worker = await workerProcess();
    const runId = await startRun(`run change ledger=${ledger}`);
    const approvals = front.db.collection('approvals');
    await eventually('the approval to be requested', async () =>
      (await front.db.collection('audit_events').findOne({ runId, type: 'approval.requested' }))
        ? true
        : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await worker.kill();
    expect((await approvals.findOne({ runId }))?.card).toBeUndefined();

    await secondWorker();
    const cards = await eventually(
      'both cards to be posted',
      async () => {
        const posted = front.slack.callsTo('chat.postMessage').filter(isCard);
        return posted.length === 2 ? posted : undefined;
      },
      20_000,
    );
    const [orphan, kept] = cards.map((call) => ({
      ...(call.response.body as { channel: string; ts: string }),
      value: (call.args.blocks as { elements?: { action_id?: string; value?: string }[] }[])
        .flatMap((block) => block.elements ?? [])
        .find((element) => element.action_id === 'approval_approve')?.value as string,
    })) as [
      { channel: string; ts: string; value: string },
      { channel: string; ts: string; value: string },
    ];
    const stored = await eventually('the second card to be recorded', async () => {
      const approval = await approvals.findOne({ runId });
      return approval?.card;
    });
    // The approval knows only the card whose ts it saw; both carry the same approval and binding.
    expect(stored).toEqual({ channel: kept.channel, ts: kept.ts });
    expect(orphan.value).toBe(kept.value);

    // A click on the orphan card decides; a click on the recorded one is told it is decided.
    await click(front, orphan, 'approval_approve', orphan.value, 'U0LEAD');
    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 30_000 });
    const late = await click(front, kept, 'approval_approve', kept.value, 'U0LEAD');
    expect(run.status).toBe('succeeded');
    expect(await readFile(ledger, 'utf8')).toBe('ran\n');
    const events = await front.db.collection('audit_events').find({ runId }).toArray();
    expect(events.filter((event) => event.type === 'approval.approved')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'tool_call.executed')).toHaveLength(1);
    expect(await answerTo(late)).toMatch(/^Already approved by <@U0LEAD>/);
    // The recorded card shows the decision; the orphan keeps its (now inert) buttons.
    await eventually('the recorded card to show the decision', async () =>
      cardNow(front, kept).buttons.length === 0 ? true : undefined,
    );
    expect(cardNow(front, orphan).buttons).toContain('approval_approve');
    expect(front.slack.messages('C0OPS').filter((message) => !message.thread_ts)).toHaveLength(1);
  }, 60_000);
});
