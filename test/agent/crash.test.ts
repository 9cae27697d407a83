import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { approveRun, click, outcomeCardOf } from '../support/approval-clicks';
import type { Harness } from '../support/countersign-harness';
import {
  type CrashDeployment,
  startCrashDeployment,
  writeWorkflows,
} from '../support/crash-deployment';
import { eventually } from '../support/eventually';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import { finalRun } from '../support/run-records';
import type { WorkerProcess } from '../support/worker-process';

/** A tool that marks its start, then hangs the first time; run again, it says it resumed. */
const onceThenResume = (risk: string) => `
    risk: ${risk}
    input_schema: { type: object, properties: { marker: { type: string } }, required: [marker] }
    command:
      argv: [sh, -c, 'if [ -e "$1" ]; then echo resumed; else touch "$1"; sleep 20; fi', sh, "{{args.marker}}"]
      timeout: 60s`;

const WORKFLOWS = {
  'probe.yaml': `name: probe
agent:
  instructions: Probe the service.
tools:
  - name: probe${onceThenResume('low')}
`,
  'change.yaml': `name: change
inputs:
  marker: { type: string, required: true }
steps:
  - tool: change
    with: { marker: "{{inputs.marker}}" }
tools:
  - name: change${onceThenResume('high')}
approval:
  approvers: { users: [U0LEAD] }
`,
};

describe('a worker process killed with SIGKILL in the middle of a tool call', () => {
  let d: CrashDeployment;
  let front: Harness;
  let anthropic: FakeAnthropicApi;
  let workflowsDir: string;
  let runs: Collection;

  beforeAll(async () => {
    workflowsDir = await writeWorkflows('crash', WORKFLOWS);
    anthropic = await startFakeAnthropicApi();
  });
  beforeEach(async () => {
    anthropic.reset();
    d = await startCrashDeployment('crash', workflowsDir, anthropic);
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
  const untilExecuting = (runId: string, step: string) =>
    eventually(
      `${step} to be executing`,
      async () => {
        const run = await runs.findOne({ _id: runId as never });
        return run?.steps?.[step]?.status === 'executing' ? run : undefined;
      },
      30_000,
    );

  /** Kills the worker once the call is recorded as executing and its program has started. */
  const killMidCall = async (worker: WorkerProcess, runId: string, marker: string) => {
    await untilExecuting(runId, 's0');
    await eventually('the tool to start', async () =>
      (await readFile(marker).catch(() => null)) ? true : undefined,
    );
    await worker.kill();
  };

  it('an agent run resumes on another worker: the low-risk call runs again and the model gets its result', async () => {
    const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-crash-')), 'started');
    anthropic.script([
      { text: 'Probing.', toolUse: { name: 'probe', input: { marker } } },
      (request) => {
        const last = request.body.messages.at(-1);
        return { text: `probe said: ${JSON.stringify(last?.content)}` };
      },
    ]);
    const worker = await workerProcess();
    const runId = await startRun('run probe');
    await killMidCall(worker, runId, marker);

    await secondWorker();
    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 30_000 });
    expect(run.status).toBe('succeeded');
    expect(run.steps.s0).toMatchObject({ status: 'succeeded', output: 'resumed' });
    expect(run.result).toContain('resumed');
    // One model turn before the crash, one after: the transcript carried over.
    expect(anthropic.requests).toHaveLength(2);
    expect(run.transcript).toHaveLength(4);
    const events = await front.db
      .collection('audit_events')
      .find({ runId })
      .sort({ seq: 1 })
      .toArray();
    expect(events.map((event) => event.type)).toEqual([
      'run.requested',
      'run.started',
      'tool_call.allowed',
      'tool_call.executed',
      'run.finished',
    ]);
  });

  it('an approved high-risk call is never run twice: the run needs attention', async () => {
    const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-crash-')), 'started');
    const worker = await workerProcess();
    const runId = await startRun(`run change marker=${marker}`);
    await eventually(
      'the call to wait for approval',
      async () => {
        const run = await runs.findOne({ _id: runId as never });
        return run?.status === 'awaiting_approval' ? true : undefined;
      },
      20_000,
    );
    await approveRun(front, runId, 'U0LEAD');
    await killMidCall(worker, runId, marker);

    await secondWorker();
    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 30_000 });
    expect(run.status).toBe('needs_attention');
    expect(run.error).toBe(
      'step 1 (change) was interrupted while executing; it is not repeated automatically',
    );
    expect(run.steps.s0.status).toBe('executing');
    const headline = front.slack.message(run.thread.channel, run.thread.ts);
    expect(JSON.stringify(headline?.blocks)).toContain('needs attention');

    // Its approvers are asked what to do; Retry runs it again, and the run goes on.
    const card = await outcomeCardOf(front, runId);
    expect(card.buttons).toEqual(['outcome_retry', 'outcome_done', 'outcome_abort']);
    await click(front, card, 'outcome_retry', card.value, 'U0LEAD');
    const retried = await eventually(
      'the retried run to end',
      async () => {
        const found = await runs.findOne({ _id: runId as never });
        return found?.status === 'succeeded' && found.announcedAt ? found : undefined;
      },
      20_000,
    );
    expect(retried.steps.s0).toMatchObject({ status: 'succeeded', output: 'resumed' });
    expect(retried.history.map((change: { status: string }) => change.status)).toEqual([
      'queued',
      'running',
      'awaiting_approval',
      'running',
      'needs_attention',
      'awaiting_approval',
      'running',
      'succeeded',
    ]);
  });
});
