import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { answerTo, cardNow, cardOf, click } from '../support/approval-clicks';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun, runStarter } from '../support/run-records';

/** A high-risk restart that appends a line to `log` each time it runs; two of three approvers must agree. */
const QUORUM = `name: quorum
inputs:
  log: { type: string, required: true }
steps:
  - tool: restart
    with: { log: "{{inputs.log}}" }
tools:
  - name: restart
    risk: high
    input_schema: { type: object, properties: { log: { type: string } }, required: [log] }
    command: { argv: [sh, -c, 'echo restarted >> "$1"; echo restarted', sh, "{{args.log}}"] }
approval:
  approvers: { users: [U0A, U0B, U0C] }
  required: 2
  channel: C0APPROVALS
`;

const OUTCOME_BUTTONS = ['outcome_retry', 'outcome_done', 'outcome_abort'] as const;

describe('a decision is taken only by the buttons of what it asks', () => {
  let h: Harness;
  let startRun: ReturnType<typeof runStarter>;
  let runs: Collection;
  let approvals: Collection;
  let audit: Collection;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-wrong-button-'));
    await writeFile(path.join(dir, 'quorum.yaml'), QUORUM);
    h = await startHarness('wrong_button', { workflowsDir: dir });
    startRun = runStarter(h);
    runs = h.db.collection('runs');
    approvals = h.db.collection('approvals');
    audit = h.db.collection('audit_events');
  });
  afterAll(async () => {
    await h.stop();
  });

  /** A quorum run waiting for approval: its id, card, and how many times its restart ran. */
  async function waitingRun() {
    const log = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-wrong-button-')), 'log');
    const runId = await startRun(`run quorum log=${log}`, 'U0DEV');
    const card = await cardOf(h, runId);
    await eventually('the run to wait for approval', async () => {
      const run = await runs.findOne({ _id: runId as never });
      return run?.status === 'awaiting_approval' ? true : undefined;
    });
    const restarts = async () =>
      (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    return { runId, card, restarts };
  }

  it('an outcome-unknown button sent on an ordinary approval card is refused and changes nothing', async () => {
    const { runId, card, restarts } = await waitingRun();
    for (const action of OUTCOME_BUTTONS) {
      const clicked = await click(h, card, action, card.value, 'U0A');
      expect(await answerTo(clicked)).toBe(
        'This card asks for an approval of a call: *Approve* or *Deny* it. Retry, Mark as done and Abort run are for a call that was interrupted; nothing was decided.',
      );
    }
    expect(await approvals.findOne({ runId })).toMatchObject({ status: 'pending', approvals: [] });
    expect((await runs.findOne({ _id: runId as never }))?.status).toBe('awaiting_approval');
    expect(cardNow(h, card).buttons).toEqual(
      expect.arrayContaining(['approval_approve', 'approval_deny']),
    );
    const refused = await audit.find({ runId, type: 'approval.refused' }).toArray();
    expect(refused.map((event) => event.details.why)).toEqual([
      'wrong_kind',
      'wrong_kind',
      'wrong_kind',
    ]);
    expect(await audit.countDocuments({ runId, type: 'approval.approved' })).toBe(0);
    expect(await audit.countDocuments({ runId, type: 'approval.denied' })).toBe(0);

    // The card's own buttons still decide it, with the quorum it asks for.
    await click(h, card, 'approval_approve', card.value, 'U0A');
    await click(h, card, 'approval_approve', card.value, 'U0B');
    expect((await finalRun(runs, runId)).status).toBe('succeeded');
    expect(await restarts()).toBe(1);
  });

  it('with two approvers required, Mark as done from one person does not approve', async () => {
    const { runId, card, restarts } = await waitingRun();
    const first = await click(h, card, 'approval_approve', card.value, 'U0A');
    expect(await answerTo(first)).toContain('1 of 2');

    const done = await click(h, card, 'outcome_done', card.value, 'U0B');
    expect(await answerTo(done)).toContain('nothing was decided');
    const retry = await click(h, card, 'outcome_retry', card.value, 'U0C');
    expect(await answerTo(retry)).toContain('nothing was decided');
    const approval = await approvals.findOne({ runId });
    expect(approval?.status).toBe('pending');
    expect(approval?.approvals.map((vote: { userId: string }) => vote.userId)).toEqual(['U0A']);
    expect(await restarts()).toBe(0);
    await eventually('the card to still show 1 of 2 and its buttons', async () => {
      const now = cardNow(h, card);
      return now.text.includes('1 of 2') && now.buttons.includes('approval_approve')
        ? true
        : undefined;
    });

    // The second distinct approval runs it, once.
    await click(h, card, 'approval_approve', card.value, 'U0B');
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('succeeded');
    expect(await restarts()).toBe(1);
    const decided = await approvals.findOne({ runId });
    expect(decided?.status).toBe('approved');
    expect(decided?.approvals.map((vote: { userId: string }) => vote.userId)).toEqual([
      'U0A',
      'U0B',
    ]);
  });
});
