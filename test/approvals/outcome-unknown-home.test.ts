import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { clickInHome, nextPublish, openHome } from '../support/app-home';
import { approveRun, cardNow, outcomeCardOf } from '../support/approval-clicks';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun } from '../support/run-records';

const fixtures = path.join(__dirname, '../fixtures/workflows');
const fast = { RUN_RECOVERY_INTERVAL_MS: '1000', SHUTDOWN_TIMEOUT_MS: '500' };

describe('App Home: a call whose outcome is unknown', () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    // The shared-store harness first, its owner last.
    for (const h of harnesses.reverse()) await h.stop().catch(() => undefined);
  });

  /** A high-risk call approved, then interrupted by a shutdown: the next process asks what to do. */
  async function interruptedRun() {
    const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-home-marker-')), 'started');
    const first = await startHarness('home_outcome', { workflowsDir: fixtures, env: fast });
    harnesses.push(first);
    const runs = first.db.collection('runs');
    await first.slash({ text: `run interruptible-high marker=${marker}` });
    const run = await eventually(
      'a recorded run',
      async () => (await runs.findOne({})) ?? undefined,
    );
    const runId = String(run._id);
    await approveRun(first, runId, 'U0LEAD');
    await eventually('the call to be executing', async () => {
      const found = await runs.findOne({ _id: runId as never });
      return found?.steps?.s0?.status === 'executing' ? true : undefined;
    });
    await first.service.stop();
    const second = await startHarness('home_outcome', {
      workflowsDir: fixtures,
      env: fast,
      share: first,
    });
    harnesses.push(second);
    const card = await outcomeCardOf(second, runId);
    const ended = await finalRun(runs, runId, { announced: true, timeoutMs: 20_000 });
    expect(ended.status).toBe('needs_attention');
    return { h: second, runs, runId, card };
  }

  it('App Home shows Retry / Mark as done / Abort for an outcome-unknown call, not Approve/Deny; a stale Approve is refused, Mark as done from Home carries the run on', async () => {
    const { h, runs, runId, card } = await interruptedRun();
    const approvals: Collection = h.db.collection('approvals');

    const home = await openHome(h, 'U0LEAD');
    expect(home.text).toContain(runId);
    expect(home.text).toContain('Outcome unknown');
    expect(home.buttons).toEqual(['outcome_retry', 'outcome_done', 'outcome_abort']);
    expect(home.approveValues).toEqual([]);

    // An Approve sent anyway (an old Home, a forged click) does not use up the decision.
    const dmsBefore = h.slack
      .callsTo('chat.postMessage')
      .filter((call) => call.args.channel === 'U0LEAD').length;
    const stale = await clickInHome(h, 'U0LEAD', 'approval_approve', card.value);
    expect(stale.response.status).toBe(200);
    const told = await eventually('the private answer', async () =>
      h.slack
        .callsTo('chat.postMessage')
        .filter((call) => call.args.channel === 'U0LEAD')
        .at(dmsBefore),
    );
    expect(told.args.text).toBe(
      'This asks what to do about a call that was interrupted, not for an approval: choose *Retry*, *Mark as done* or *Abort run* on its card. Nothing was decided.',
    );
    expect(await approvals.findOne({ _id: `${runId}:0:outcome` as never })).toMatchObject({
      status: 'pending',
      approvals: [],
    });
    expect((await runs.findOne({ _id: runId as never }))?.status).toBe('needs_attention');

    const done = await clickInHome(h, 'U0LEAD', 'outcome_done', card.value);
    expect(done.response.status).toBe(200);
    const run = await eventually('the run to go on and be announced', async () => {
      const found = await runs.findOne({ _id: runId as never });
      return found?.status === 'succeeded' && found.announcedAt ? found : undefined;
    });
    expect(run.steps.s0.output).toBe(
      'marked as done by U0LEAD; what the interrupted call did is unknown',
    );
    const decided = await approvals.findOne({ _id: `${runId}:0:outcome` as never });
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'U0LEAD' });
    expect(decided?.approvals.map((vote: { userId: string }) => vote.userId)).toEqual(['U0LEAD']);
    await eventually('the card to show the choice', async () => {
      const now = cardNow(h, card);
      return now.buttons.length === 0 && now.text.includes('Mark as done') ? true : undefined;
    });
    const after = await nextPublish(h, 'U0LEAD', done.publishesBefore);
    expect(after.text).not.toContain(runId);
    expect(after.buttons).toEqual([]);
  });
});
