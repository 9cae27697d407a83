import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { answerTo, cardNow, cardOf, click, submitDenyReason } from '../support/approval-clicks';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun, runIdIn, runStarter } from '../support/run-records';

const TWENTY = Array.from({ length: 20 }, (_, n) => `U0APP${String(n).padStart(2, '0')}`);

/** A runbook: a low-risk check, then a high-risk restart that appends a line to `log` each time it runs. */
const guarded = (name: string, approval: string) => `name: ${name}
inputs:
  log: { type: string, required: true }
steps:
  - tool: check
  - tool: restart
    with: { log: "{{inputs.log}}", service: api }
tools:
  - name: check
    risk: low
    command: { argv: [echo, checked] }
  - name: restart
    risk: high
    input_schema:
      type: object
      properties: { log: { type: string }, service: { type: string } }
      required: [log, service]
    command: { argv: [sh, -c, 'echo "restarted $2" >> "$1"; echo "restarted $2"', sh, "{{args.log}}", "{{args.service}}"] }
approval:
${approval}
`;

const WORKFLOWS: Record<string, string> = {
  'verbose.yaml': `name: verbose
inputs:
  note: { type: string, required: true, maxLength: 4000 }
steps:
  - tool: annotate
    with: { note: "{{inputs.note}}" }
tools:
  - name: annotate
    risk: high
    input_schema: { type: object, properties: { note: { type: string } }, required: [note] }
    command: { argv: [echo, noted] }
approval:
  approvers: { users: [U0LEAD] }
`,
  'guarded.yaml': guarded(
    'guarded',
    '  approvers: { users: [U0LEAD, U0SRE] }\n  channel: C0APPROVALS',
  ),
  'quorum.yaml': guarded(
    'quorum',
    '  approvers: { users: [U0A, U0B, U0C] }\n  required: 2\n  channel: C0APPROVALS',
  ),
  'selfish.yaml': guarded(
    'selfish',
    '  approvers: { users: [U0DEV] }\n  allow_self_approval: true',
  ),
  'crowd.yaml': guarded('crowd', `  approvers: { users: [${TWENTY.join(', ')}] }`),
  'brief.yaml': guarded('brief', '  approvers: { users: [U0LEAD] }\n  timeout: 1s'),
  'brief-deny.yaml': guarded(
    'brief-deny',
    '  approvers: { users: [U0LEAD] }\n  timeout: 1s\n  on_timeout: deny',
  ),
  'nagging.yaml': guarded(
    'nagging',
    '  approvers: { users: [U0LEAD] }\n  remind_after: 1s\n  timeout: 8s\n  escalate_to: { users: [U0BOSS] }',
  ),
};

describe('approval cards: deciding in Slack, bound to the exact call', () => {
  let h: Harness;
  let startRun: ReturnType<typeof runStarter>;
  let runs: Collection;
  let audit: Collection;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-approvals-'));
    for (const [file, text] of Object.entries(WORKFLOWS)) {
      await writeFile(path.join(dir, file), text);
    }
    h = await startHarness('approvals', { workflowsDir: dir });
    startRun = runStarter(h);
    runs = h.db.collection('runs');
    audit = h.db.collection('audit_events');
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  /** Starts `workflow` as `user`; returns the run id and the file its restart appends to. */
  async function start(workflow: string, user = 'U0DEV') {
    const log = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-restart-')), 'log');
    const runId = await startRun(`run ${workflow} log=${log}`, user);
    const restarts = async () =>
      (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    return { runId, restarts };
  }

  const waiting = (runId: string) =>
    eventually('the run to wait for approval', async () => {
      const run = await runs.findOne({ _id: runId as never });
      return run?.status === 'awaiting_approval' ? run : undefined;
    });

  it('posts a card in the approval channel; one approval runs the call and updates the card in place', async () => {
    const { runId, restarts } = await start('guarded');
    const card = await cardOf(h, runId);
    expect(card.channel).toBe('C0APPROVALS');
    const posted = JSON.stringify(card.call.args.blocks);
    for (const expected of ['guarded', runId, '<@U0DEV>', 'restart', '<@U0LEAD>', '<@U0SRE>']) {
      expect(posted).toContain(expected);
    }
    expect(cardNow(h, card).buttons).toEqual(
      expect.arrayContaining(['approval_approve', 'approval_deny']),
    );
    await waiting(runId);
    expect(await restarts()).toBe(0);

    const clicked = await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    expect(clicked.response.status).toBe(200);
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('succeeded');
    expect(run.steps.s1).toMatchObject({ status: 'succeeded', output: 'restarted api' });
    expect(await restarts()).toBe(1);
    await eventually('the card to show the approval', async () => {
      const now = cardNow(h, card);
      return now.buttons.length === 0 && now.text.includes('<@U0LEAD>') ? true : undefined;
    });
    const types = (await audit.find({ runId }).sort({ seq: 1 }).toArray()).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'tool_call.awaiting_approval',
        'approval.requested',
        'approval.voted',
        'approval.approved',
      ]),
    );
    expect(types.indexOf('approval.approved')).toBeLessThan(
      types.lastIndexOf('tool_call.executed'),
    );
  });

  it('asks for a reason on Deny; the reason ends the run and is on the card and in the record', async () => {
    const { runId, restarts } = await start('guarded');
    const card = await cardOf(h, runId);
    await waiting(runId);
    const clicked = await click(h, card, 'approval_deny', card.value, 'U0SRE');
    const submitted = await submitDenyReason(h, clicked.triggerId, 'U0SRE', 'not during the sale');
    expect(submitted.status).toBe(200);
    expect(submitted.text).toBe('');

    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('failed');
    expect(run.steps.s1).toMatchObject({
      status: 'refused',
      error: 'denied by U0SRE: not during the sale',
    });
    expect(await restarts()).toBe(0);
    await eventually('the card to show the denial', async () => {
      const now = cardNow(h, card);
      return now.buttons.length === 0 && now.text.includes('not during the sale')
        ? true
        : undefined;
    });
    const denied = await audit.findOne({ runId, type: 'approval.denied' });
    expect(denied).toMatchObject({ actor: 'U0SRE', details: { note: 'not during the sale' } });
  });

  it('tells a clicker who is not an approver, changes nothing, and audits the attempt', async () => {
    const { runId } = await start('guarded');
    const card = await cardOf(h, runId);
    await waiting(runId);
    const clicked = await click(h, card, 'approval_approve', card.value, 'U0RANDOM');
    expect(await answerTo(clicked)).toBe(
      'You are not one of the approvers of this call; nothing was decided.',
    );
    const approval = await h.db.collection('approvals').findOne({ runId });
    expect(approval).toMatchObject({ status: 'pending', approvals: [] });
    expect(
      await audit.findOne({ runId, type: 'approval.refused', actor: 'U0RANDOM' }),
    ).toMatchObject({
      details: { why: 'not_an_approver' },
    });
  });

  it('refuses the requester’s own approval, unless the manifest allows it', async () => {
    const own = await start('guarded', 'U0LEAD');
    const card = await cardOf(h, own.runId);
    await waiting(own.runId);
    const refused = await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    expect(await answerTo(refused)).toBe('You started this run, so you may not approve its calls.');
    expect((await runs.findOne({ _id: own.runId as never }))?.status).toBe('awaiting_approval');

    const allowed = await start('selfish', 'U0DEV');
    const selfCard = await cardOf(h, allowed.runId);
    expect(selfCard.channel).toBe('C0OPS'); // no approval channel: in the run's thread
    expect(selfCard.call.args.thread_ts).toBeDefined();
    await waiting(allowed.runId);
    await click(h, selfCard, 'approval_approve', selfCard.value, 'U0DEV');
    expect((await finalRun(runs, allowed.runId)).status).toBe('succeeded');
  });

  it('needs two distinct approvers for `required: 2`, showing the partial quorum meanwhile', async () => {
    const { runId, restarts } = await start('quorum');
    const card = await cardOf(h, runId);
    await waiting(runId);
    const first = await click(h, card, 'approval_approve', card.value, 'U0A');
    expect(await answerTo(first)).toContain('1 of 2');
    await eventually('the card to show 1 of 2', async () => {
      const now = cardNow(h, card);
      return now.text.includes('1 of 2') && now.buttons.includes('approval_approve')
        ? true
        : undefined;
    });
    const again = await click(h, card, 'approval_approve', card.value, 'U0A');
    expect(await answerTo(again)).toBe('You already approved this: 1 of 2 approvals are in.');
    expect(await restarts()).toBe(0);

    await click(h, card, 'approval_approve', card.value, 'U0B');
    const run = await finalRun(runs, runId);
    expect(run.status).toBe('succeeded');
    expect(await restarts()).toBe(1);
    const approval = await h.db.collection('approvals').findOne({ runId });
    expect(approval?.approvals.map((vote: { userId: string }) => vote.userId)).toEqual([
      'U0A',
      'U0B',
    ]);
  });

  it('records exactly one decision when 20 approvers click at once, and runs the call once', async () => {
    const { runId, restarts } = await start('crowd');
    const card = await cardOf(h, runId);
    await waiting(runId);
    const clicks = await Promise.all(
      TWENTY.map((user) => click(h, card, 'approval_approve', card.value, user)),
    );
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('succeeded');
    expect(await restarts()).toBe(1);
    const approval = await h.db.collection('approvals').findOne({ runId });
    expect(approval?.approvals).toHaveLength(1);
    const winner = approval?.decidedBy as string;
    expect(TWENTY).toContain(winner);
    const others = clicks.filter((_, n) => TWENTY[n] !== winner);
    const answers = await Promise.all(others.map((clicked) => answerTo(clicked)));
    for (const answer of answers)
      expect(answer).toMatch(new RegExp(`^Already approved by <@${winner}> at `));
    expect(await audit.countDocuments({ runId, type: 'approval.approved' })).toBe(1);
    expect(
      await audit.countDocuments({ runId, type: 'tool_call.executed', 'details.tool': 'restart' }),
    ).toBe(1);
  });

  it('refuses a click whose card does not match the call (a tampered value): nothing runs', async () => {
    const { runId, restarts } = await start('guarded');
    const card = await cardOf(h, runId);
    await waiting(runId);
    const tampered = card.value.replace(/\|[0-9a-f]{64}$/, `|${'0'.repeat(64)}`);
    const clicked = await click(h, card, 'approval_approve', tampered, 'U0LEAD');
    expect(await answerTo(clicked)).toContain('does not match the call waiting for approval');
    expect(await audit.findOne({ runId, type: 'approval.refused' })).toMatchObject({
      actor: 'U0LEAD',
      details: { why: 'binding_mismatch' },
    });
    expect((await h.db.collection('approvals').findOne({ runId }))?.status).toBe('pending');
    expect(await restarts()).toBe(0);
  });

  it('expires a card nobody decided: the run ends as expired, which is not a denial', async () => {
    const { runId, restarts } = await start('brief');
    const card = await cardOf(h, runId);
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('expired');
    expect(run.error).toContain('expired');
    expect(await restarts()).toBe(0);
    const approval = await h.db.collection('approvals').findOne({ runId });
    expect(approval?.status).toBe('expired');
    expect(await audit.findOne({ runId, type: 'approval.expired' })).not.toBeNull();
    expect(await audit.findOne({ runId, type: 'approval.denied' })).toBeNull();
    await eventually('the card to say it expired', async () => {
      const now = cardNow(h, card);
      return now.buttons.length === 0 && /expired/i.test(now.text) ? true : undefined;
    });
    const late = await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    expect(await answerTo(late)).toMatch(/^This approval expired at .* with no decision\.$/);
  });

  it('with `on_timeout: deny`, an expiry refuses the call and says so', async () => {
    const { runId } = await start('brief-deny');
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('failed');
    expect(run.steps.s1.status).toBe('refused');
    expect(run.steps.s1.error).toMatch(/^not approved: the approval expired with no decision/);
    expect((await h.db.collection('approvals').findOne({ runId }))?.status).toBe('expired');
  });

  it('reminds the approvers, then adds the escalation people, who can then decide', async () => {
    const { runId } = await start('nagging');
    const card = await cardOf(h, runId);
    const dm = (user: string) =>
      h.slack.waitForCall('conversations.open', (call) => call.args.users === user, 15_000);
    await dm('U0LEAD');
    await dm('U0BOSS');
    await eventually('the card to name the escalation', async () =>
      cardNow(h, card).text.includes('<@U0BOSS>') ? true : undefined,
    );
    expect(
      h.slack.callsTo('conversations.open').filter((c) => c.args.users === 'U0LEAD'),
    ).toHaveLength(1);
    await click(h, card, 'approval_approve', card.value, 'U0BOSS');
    expect((await finalRun(runs, runId)).status).toBe('succeeded');
  });

  it('cuts long arguments on the card and shows them all in a modal on "Show all"', async () => {
    const note = `${'é🙂<&>'.repeat(600)}END`;
    const runId = await startRun(`run verbose note="${note}"`, 'U0DEV');
    const card = await cardOf(h, runId);
    expect(cardNow(h, card).buttons).toContain('approval_show_args');
    expect(JSON.stringify(card.call.args.blocks)).not.toContain('END');

    const clicked = await click(h, card, 'approval_show_args', card.value, 'U0RANDOM');
    const opened = await h.slack.waitForCall(
      'views.open',
      (call) => call.args.trigger_id === clicked.triggerId,
    );
    expect(JSON.stringify(opened.args.view)).toContain('END');
    expect(opened.response.body).toMatchObject({ ok: true });
  });

  it('a run waiting for approval survives its worker: another process resumes it on approval', async () => {
    const first = await startHarness('approvals_restart', { workflowsDir: dir });
    try {
      const log = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-restart-')), 'log');
      await first.slash({ text: `run guarded log=${log}`, user_id: 'U0DEV', channel_id: 'C0OPS' });
      const started = await first.slack.waitForCall(
        'chat.postMessage',
        (call) => !call.args.thread_ts,
      );
      const runId = runIdIn(started.args.blocks) as string;
      const card = await cardOf(first, runId);
      await first.service.stop();

      const second = await startHarness('approvals_restart', { workflowsDir: dir, share: first });
      try {
        await click(second, card, 'approval_approve', card.value, 'U0LEAD');
        const run = await finalRun(second.db.collection('runs'), runId, { announced: true });
        expect(run.status).toBe('succeeded');
        expect(await readFile(log, 'utf8')).toBe('restarted api\n');
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop().catch(() => undefined);
    }
  });
});
