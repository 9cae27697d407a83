import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Collection } from 'mongoose';
import { RUNS_QUEUE } from '../../src/queue/run-jobs';
import { answerTo, approveRun, cardNow, click, outcomeCardOf } from '../support/approval-clicks';
import { type Harness, type HarnessOptions, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun } from '../support/run-records';

const fixtures = path.join(__dirname, '../fixtures/workflows');
const fast = { RUN_RECOVERY_INTERVAL_MS: '1000', SHUTDOWN_TIMEOUT_MS: '500' };

describe('runs survive crashes, shutdowns and Slack failures', () => {
  const harnesses: Harness[] = [];
  const start = async (name: string, options: HarnessOptions = {}) => {
    const h = await startHarness(name, { workflowsDir: fixtures, env: fast, ...options });
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    // Shared-store harnesses first, their owner last.
    for (const h of harnesses.reverse()) await h.stop().catch(() => undefined);
    harnesses.length = 0;
  });

  const runsOf = (h: Harness): Collection => h.db.collection('runs');
  const runIdFrom = async (h: Harness) => {
    const run = await eventually(
      'a recorded run',
      async () => (await runsOf(h).findOne({})) ?? undefined,
    );
    return String(run._id);
  };
  const announcedRun = (h: Harness, id: string) =>
    finalRun(runsOf(h), id, { announced: true, timeoutMs: 20_000 });

  it('a run recorded but never queued (crash after the ack) is picked up by the next worker', async () => {
    const front = await start('stranded', { roles: { http: true, worker: false } });
    await front.slash({ text: 'run quick' });
    const id = await runIdFrom(front);
    const connection = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    const queue = new Queue(RUNS_QUEUE, { connection, prefix: front.queuePrefix });
    try {
      await eventually('the job', async () => ((await queue.getJob(id)) ? true : undefined));
      await queue.remove(id);
    } finally {
      await queue.close();
      await connection.quit();
    }

    const worker = await start('stranded', { roles: { http: false, worker: true }, share: front });
    const run = await announcedRun(front, id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.s0.output).toBe('done');
    expect(worker.logs.some((line) => line.msg === 'recovering stranded run')).toBe(true);
  });

  it('a shutdown interrupts a long low-risk step, and another worker repeats it', async () => {
    const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-marker-')), 'started');
    const first = await start('interrupt_low');
    await first.slash({ text: `run interruptible marker=${marker}` });
    const id = await runIdFrom(first);
    await eventually('the step to be executing', async () => {
      const run = await runsOf(first).findOne({ _id: id as never });
      return run?.steps?.s0?.status === 'executing' ? true : undefined;
    });

    const stopping = Date.now();
    await first.service.stop();
    // The step sleeps 30 s: a drain that waited for it would take that long.
    expect(Date.now() - stopping).toBeLessThan(15_000);
    const interrupted = await runsOf(first).findOne({ _id: id as never });
    expect(interrupted?.status).toBe('running');
    expect(interrupted?.steps.s0.status).toBe('executing');

    const second = await start('interrupt_low', { share: first });
    const run = await announcedRun(second, id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.s0.output).toBe('resumed');

    // Two attempts, one record: each fact of the run is in the audit log once, in order.
    const events = await second.db
      .collection('audit_events')
      .find({ runId: id })
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

  it.each([
    ['Mark as done', 'outcome_done', 'succeeded'],
    ['Abort run', 'outcome_abort', 'failed'],
  ])(
    'a high-risk step interrupted mid-way is not repeated: its approvers decide (%s)',
    async (_label, action, ending) => {
      const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-marker-')), 'started');
      const first = await start('interrupt_high');
      await first.slash({ text: `run interruptible-high marker=${marker}` });
      const id = await runIdFrom(first);
      await eventually('the step to wait for approval', async () => {
        const run = await runsOf(first).findOne({ _id: id as never });
        return run?.status === 'awaiting_approval' ? true : undefined;
      });
      await approveRun(first, id, 'U0LEAD');
      await eventually('the step to be executing', async () => {
        const run = await runsOf(first).findOne({ _id: id as never });
        return run?.steps?.s0?.status === 'executing' ? true : undefined;
      });
      await first.service.stop();

      const second = await start('interrupt_high', { share: first });
      const run = await announcedRun(second, id);
      expect(run.status).toBe('needs_attention');
      expect(run.error).toContain(
        'was interrupted while executing; it is not repeated automatically',
      );
      expect(run.steps.s0.status).toBe('executing');
      const headline = first.slack.message(run.thread.channel, run.thread.ts);
      expect(JSON.stringify(headline?.blocks)).toContain('needs attention');

      const card = await outcomeCardOf(second, id);
      const stranger = await click(second, card, action, card.value, 'U0NOBODY');
      expect(await answerTo(stranger)).toContain('not one of the approvers');
      await click(second, card, action, card.value, 'U0LEAD');
      const decided = await eventually('the decided run to be announced', async () => {
        const found = await runsOf(second).findOne({ _id: id as never });
        return found?.status === ending && found.announcedAt ? found : undefined;
      });
      if (ending === 'succeeded') {
        expect(decided.steps.s0.output).toBe(
          'marked as done by U0LEAD; what the interrupted call did is unknown',
        );
      } else {
        expect(decided.error).toBe(
          'aborted by U0LEAD: call 1 (slow_once) was interrupted and what it did is unknown',
        );
      }
      // Never run again: the first attempt started it, nobody repeated it.
      expect(decided.steps.s0.output ?? '').not.toContain('resumed');
      await eventually('the card to show the decision', async () => {
        const now = cardNow(second, card);
        return now.buttons.length === 0 && now.text.includes(_label) ? true : undefined;
      });
    },
  );

  it('an outcome Slack refused to show is shown on the next attempt, once', async () => {
    const h = await start('announce');
    h.slack.failNext('chat.update', { error: 'internal_error' });
    await h.slash({ text: 'run quick' });
    const id = await runIdFrom(h);
    const run = await announcedRun(h, id);
    expect(run.status).toBe('succeeded');
    expect(h.slack.callsTo('chat.update').map((call) => call.response.status)).toHaveLength(2);
    const headline = h.slack.message(run.thread.channel, run.thread.ts);
    expect(JSON.stringify(headline?.blocks)).toContain('succeeded');
    const finished = h.slack
      .messages(run.thread.channel)
      .filter((m) => m.thread_ts === run.thread.ts && m.text.startsWith(`Run ${id}`));
    expect(finished).toHaveLength(1);
  });

  it('long, unicode, markup-heavy output is cut to fit Slack, never rejected', async () => {
    const h = await start('loud');
    await h.slash({ text: 'run loud' });
    const id = await runIdFrom(h);
    const run = await announcedRun(h, id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.s0.output.length).toBeGreaterThan(50_000);
    const chatCalls = h.slack.calls.filter((call) => call.method.startsWith('chat.'));
    expect(chatCalls.map((call) => (call.response.body as { ok: boolean }).ok)).not.toContain(
      false,
    );
    const reply = h.slack
      .messages(run.thread.channel)
      .find((m) => m.thread_ts === run.thread.ts && m.text.includes('shout'));
    expect(JSON.stringify(reply?.blocks)).toContain('…(cut)');
  });
});
