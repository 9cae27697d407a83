import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { answerTo, cardNow, cardOf, click } from '../support/approval-clicks';
import { finishedRun, laterAnswer } from '../support/command-answers';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun, runStarter } from '../support/run-records';

/** A low-risk check, then a high-risk restart (approved by U0LEAD) that appends to `log`. */
const GUARDED = `name: guarded
inputs:
  log: { type: string, required: true }
steps:
  - tool: check
  - tool: restart
    with: { log: "{{inputs.log}}" }
tools:
  - name: check
    risk: low
    command: { argv: [echo, checked] }
  - name: restart
    risk: high
    input_schema: { type: object, properties: { log: { type: string } }, required: [log] }
    command: { argv: [sh, -c, 'echo restarted >> "$1"; echo restarted', sh, "{{args.log}}"] }
approval:
  approvers: { users: [U0LEAD] }
  channel: C0APPROVALS
`;

/** A slow first step that leaves a marker when it ends, then a second that leaves another. */
const SLOW = `name: slow
inputs:
  dir: { type: string, required: true }
steps:
  - tool: mark
    with: { file: "{{inputs.dir}}/first", wait: "2" }
  - tool: mark
    with: { file: "{{inputs.dir}}/second", wait: "0" }
tools:
  - name: mark
    risk: low
    input_schema:
      type: object
      properties: { file: { type: string }, wait: { type: string } }
      required: [file, wait]
    command: { argv: [sh, -c, 'sleep "$2"; touch "$1"; echo marked', sh, "{{args.file}}", "{{args.wait}}"], timeout: 30s }
`;

const QUICK = `name: quick
steps:
  - tool: say
tools:
  - name: say
    risk: low
    command: { argv: [echo, done] }
`;

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

describe('/countersign cancel <run>', () => {
  let h: Harness;
  let start: ReturnType<typeof runStarter>;
  let runs: Collection;
  let audit: Collection;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-cancel-'));
    await writeFile(path.join(dir, 'guarded.yaml'), GUARDED);
    await writeFile(path.join(dir, 'slow.yaml'), SLOW);
    await writeFile(path.join(dir, 'quick.yaml'), QUICK);
    h = await startHarness('cancel_command', {
      workflowsDir: dir,
      env: { COUNTERSIGN_ADMINS: 'U0ADMIN' },
    });
    start = runStarter(h);
    runs = h.db.collection('runs');
    audit = h.db.collection('audit_events');
  });
  afterAll(async () => {
    await h.stop();
  });

  /** A guarded run waiting for approval; the file its restart would append to. */
  async function waitingRun(user: string) {
    const log = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-cancel-')), 'log');
    const runId = await start(`run guarded log=${log}`, user);
    const card = await cardOf(h, runId);
    await eventually('the run to wait for approval', async () => {
      const run = await runs.findOne({ _id: runId as never });
      return run?.status === 'awaiting_approval' ? run : undefined;
    });
    const restarts = async () =>
      (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    return { runId, card, restarts };
  }

  it('lets the requester cancel a run waiting for approval: the card loses its buttons, a late Approve is told, nothing runs', async () => {
    const { runId, card, restarts } = await waitingRun('U0DEV');

    const answer = await laterAnswer(h, `cancel ${runId}`, 'U0DEV');
    expect(answer.text).toBe(
      `Cancelled run \`${runId}\` of *guarded*. Nothing more of it runs.\nThe approval it was waiting for is closed; its card says so.`,
    );

    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('cancelled');
    expect(run.history.at(-1)).toMatchObject({ status: 'cancelled', by: 'U0DEV' });
    expect(run.steps.s1).toMatchObject({
      status: 'refused',
      error: 'not run: the run was cancelled by U0DEV',
    });
    const approval = await h.db.collection('approvals').findOne({ runId });
    expect(approval).toMatchObject({ status: 'cancelled', decidedBy: 'U0DEV' });

    await eventually('the card to say the run was cancelled', async () => {
      const now = cardNow(h, card);
      return now.buttons.length === 0 && now.text.includes('*Cancelled* by <@U0DEV>')
        ? true
        : undefined;
    });
    // The thread and the headline say how it ended, and who ended it.
    const headline = h.slack.message(run.thread.channel, run.thread.ts);
    expect(JSON.stringify(headline?.blocks)).toContain(':no_entry_sign: cancelled by <@U0DEV>');
    const outcome = h.slack
      .messages(run.thread.channel)
      .find((message) => message.thread_ts === run.thread.ts && message.text.includes('cancelled'));
    expect(JSON.stringify(outcome?.blocks)).toContain(
      `Run \`${runId}\` :no_entry_sign: cancelled by <@U0DEV>`,
    );

    const late = await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    expect(await answerTo(late)).toMatch(
      /^The run was cancelled by <@U0DEV> at <!date\^\d+\^.*>; nothing is waiting for a decision\.$/,
    );
    // Give a wrongly resumed run time to act before checking that nothing ran.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await restarts()).toBe(0);
    expect((await runs.findOne({ _id: runId as never }))?.status).toBe('cancelled');

    const events = await audit.find({ runId }).sort({ seq: 1 }).toArray();
    expect(events.find((event) => event.type === 'run.cancelled')).toMatchObject({
      actor: 'U0DEV',
      channel: 'C0GENERAL',
      details: { from: 'awaiting_approval', asAdmin: false },
    });
    expect(events.find((event) => event.type === 'approval.cancelled')).toMatchObject({
      actor: 'U0DEV',
    });
    expect(events.find((event) => event.type === 'run.finished')).toMatchObject({
      details: { status: 'cancelled' },
    });
    expect(events.some((event) => event.type === 'approval.approved')).toBe(false);
  });

  it("lets an admin cancel someone else's run", async () => {
    const { runId, card } = await waitingRun('U0DEV');
    const answer = await laterAnswer(h, `cancel ${runId}`, 'U0ADMIN');
    expect(answer.text).toContain(`Cancelled run \`${runId}\``);
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.history.at(-1)).toMatchObject({ status: 'cancelled', by: 'U0ADMIN' });
    expect(await audit.findOne({ runId, type: 'run.cancelled' })).toMatchObject({
      actor: 'U0ADMIN',
      details: { asAdmin: true },
    });
    await eventually('the card to lose its buttons', async () =>
      cardNow(h, card).buttons.length === 0 ? true : undefined,
    );
  });

  it('answers anyone else as for a run that does not exist, changes nothing, and audits the attempt', async () => {
    const { runId, card } = await waitingRun('U0DEV');
    const refused = await laterAnswer(h, `cancel ${runId}`, 'U0EVE');
    expect(refused.text).toBe(
      `There is no run \`${runId}\` that you can see. \`/countersign runs\` lists your recent runs.`,
    );
    const missing = await laterAnswer(h, 'cancel r-22222222', 'U0EVE');
    expect(missing.text).toBe(refused.text.replace(runId, 'r-22222222'));
    // An approver is not the requester either.
    await laterAnswer(h, `cancel ${runId}`, 'U0LEAD');

    expect((await runs.findOne({ _id: runId as never }))?.status).toBe('awaiting_approval');
    expect((await h.db.collection('approvals').findOne({ runId }))?.status).toBe('pending');
    expect(cardNow(h, card).buttons).toContain('approval_approve');
    const attempts = await audit.find({ type: 'run.cancel_refused', runId }).toArray();
    expect(attempts.map((event) => event.actor).sort()).toEqual(['U0EVE', 'U0LEAD']);
    expect(attempts[0]).toMatchObject({ workflow: 'guarded', channel: 'C0GENERAL' });
  });

  it('says when the run has already ended, and changes nothing', async () => {
    const run = await finishedRun(h, 'run quick', 'U0DEV');
    expect(run.status).toBe('succeeded');
    const answer = await laterAnswer(h, `cancel ${run._id}`, 'U0DEV');
    expect(answer.text).toBe(`Run \`${run._id}\` already ended: succeeded.`);
    expect((await runs.findOne({ _id: run._id }))?.status).toBe('succeeded');
    expect(await audit.findOne({ runId: run._id, type: 'run.cancelled' })).toBeNull();
  });

  it('stops a run a worker is carrying: the call in flight finishes and is recorded, nothing after it starts', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-slow-'));
    const runId = await start(`run slow dir=${dir}`, 'U0DEV');
    await eventually('the first call to be executing', async () => {
      const run = await runs.findOne({ _id: runId as never });
      return run?.steps?.s0?.status === 'executing' ? true : undefined;
    });

    const answer = await laterAnswer(h, `cancel ${runId}`, 'U0DEV');
    expect(answer.text).toBe(
      `Cancelled run \`${runId}\` of *slow*. Nothing more of it runs.\nA call that was already executing is not interrupted: it finishes and is recorded, and the run stops there.`,
    );

    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 15_000 });
    expect(run.status).toBe('cancelled');
    expect(run.steps.s0).toMatchObject({ status: 'succeeded', output: 'marked' });
    expect(run.steps.s1).toBeUndefined();
    expect(await exists(path.join(dir, 'first'))).toBe(true);
    expect(await exists(path.join(dir, 'second'))).toBe(false);
    expect(
      await audit.findOne({ runId, type: 'tool_call.executed', 'details.step': 0 }),
    ).toMatchObject({ details: { outcome: 'succeeded' } });
    const thread = h.slack
      .messages(run.thread.channel)
      .filter((m) => m.thread_ts === run.thread.ts);
    expect(JSON.stringify(thread.map((m) => m.blocks))).toContain(
      `Run \`${runId}\` :no_entry_sign: cancelled by <@U0DEV>`,
    );
  });

  it('answers a missing or malformed id with the usage', async () => {
    const none = await h.slash({ text: 'cancel', user_id: 'U0DEV' });
    expect((none.json as { text: string }).text).toBe(
      'Which run? Usage: `/countersign cancel &lt;run&gt;`',
    );
    const bad = await h.slash({ text: 'cancel everything', user_id: 'U0DEV' });
    expect((bad.json as { text: string }).text).toMatch(/^`everything` is not a run id/);
  });
});
