import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { approveRun, click, outcomeCardOf } from '../support/approval-clicks';
import { type Harness, SIGNING_SECRET, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import { finalRun, runIdIn } from '../support/run-records';
import { TEST_AUDIT_HMAC_KEY } from '../support/test-env';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

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

const LOCK_MS = '2000';

describe('a worker process killed with SIGKILL in the middle of a tool call', () => {
  let front: Harness;
  let anthropic: FakeAnthropicApi;
  let workflowsDir: string;
  let runs: Collection;
  const others: Harness[] = [];
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    workflowsDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-crash-'));
    for (const [file, text] of Object.entries(WORKFLOWS)) {
      await writeFile(path.join(workflowsDir, file), text);
    }
    anthropic = await startFakeAnthropicApi();
  });
  beforeEach(async () => {
    anthropic.reset();
    front = await startHarness('crash', {
      roles: { http: true, worker: false },
      workflowsDir,
      env: { WORKER_LOCK_MS: LOCK_MS },
    });
    runs = front.db.collection('runs');
  });
  afterEach(async () => {
    for (const worker of processes.splice(0)) await worker.kill();
    for (const h of others.splice(0)) await h.stop();
    await front.stop();
  });
  afterAll(async () => {
    await anthropic.close();
  });

  /** A `countersign worker` process of the same deployment as `front`. */
  const workerProcess = async () => {
    const worker = await startWorkerProcess({
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: front.slack.url,
      AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
      REDIS_URL: process.env.REDIS_URL as string,
      MONGODB_URI: front.mongoUri,
      QUEUE_PREFIX: front.queuePrefix,
      WORKFLOWS_DIR: workflowsDir,
      WORKER_LOCK_MS: LOCK_MS,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: anthropic.baseUrl,
    });
    processes.push(worker);
    return worker;
  };
  /** A second worker, in this process, that takes over once the dead one's lock expires. */
  const secondWorker = async () => {
    const h = await startHarness('crash', {
      roles: { http: false, worker: true },
      workflowsDir,
      share: front,
      env: {
        WORKER_LOCK_MS: LOCK_MS,
        RUN_RECOVERY_INTERVAL_MS: '1000',
        ANTHROPIC_API_KEY: 'sk-ant-test',
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
      },
    });
    others.push(h);
    return h;
  };
  const startRun = async (text: string) => {
    await front.slash({ text, user_id: 'U0DEV', channel_id: 'C0OPS' });
    const started = await front.slack.waitForCall(
      'chat.postMessage',
      (call) => !call.args.thread_ts,
    );
    return runIdIn(started.args.blocks) as string;
  };
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
