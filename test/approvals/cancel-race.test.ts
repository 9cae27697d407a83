import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { answerTo, cardNow, cardOf, click } from '../support/approval-clicks';
import { laterAnswer } from '../support/command-answers';
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

const RACES = 6;
const CANCELLED_ANSWER =
  /^The run was cancelled by <@U0DEV> at <!date\^\d+\^.*>; nothing is waiting for a decision\.$/;
const NOT_RUN = 'approved by U0LEAD, but not run: the run was cancelled by U0DEV';

describe('a cancel racing an approval', () => {
  let dir: string;
  let h: Harness;
  let startRun: ReturnType<typeof runStarter>;
  let runs: Collection;
  let approvals: Collection;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-cancel-race-'));
    await writeFile(path.join(dir, 'guarded.yaml'), GUARDED);
    h = await startHarness('cancel_race', { workflowsDir: dir });
    startRun = runStarter(h);
    runs = h.db.collection('runs');
    approvals = h.db.collection('approvals');
  });
  afterAll(async () => {
    await h.stop();
  });

  /** A guarded run of U0DEV waiting for approval: its id, card, and how often its restart ran. */
  async function waitingRun(on: Harness = h, start = startRun) {
    const log = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-cancel-race-')), 'log');
    const runId = await start(`run guarded log=${log}`, 'U0DEV');
    const card = await cardOf(on, runId);
    await eventually('the run to wait for approval', async () => {
      const run = await on.db.collection('runs').findOne({ _id: runId as never });
      return run?.status === 'awaiting_approval' ? true : undefined;
    });
    const restarts = async () =>
      (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    return { runId, card, restarts };
  }

  it('a cancel racing an approval leaves no approved approval on a cancelled run unexplained, and the card says cancelled', async () => {
    const waiting = [];
    for (let n = 0; n < RACES; n++) waiting.push(await waitingRun());
    // Each cancel and its approval's click at the same moment.
    const raced = await Promise.all(
      waiting.map(async ({ runId, card }) => {
        const [answer, clicked] = await Promise.all([
          laterAnswer(h, `cancel ${runId}`, 'U0DEV'),
          click(h, card, 'approval_approve', card.value, 'U0LEAD'),
        ]);
        return { answer, clicked };
      }),
    );
    for (const [n, { runId, card, restarts }] of waiting.entries()) {
      const { answer, clicked } = raced[n] as (typeof raced)[number];
      const run = await finalRun(runs, runId, { announced: true });
      const approval = await approvals.findOne({ runId });
      const restart = run.steps.s1;
      if (run.status === 'succeeded') {
        // The approval won and the call ran before the cancel: the cancel found it ended.
        expect(approval?.status).toBe('approved');
        expect(answer.text).toBe(`Run \`${runId}\` already ended: succeeded.`);
        expect(await restarts()).toBe(1);
        continue;
      }
      expect(run.status).toBe('cancelled');
      if (approval?.status === 'cancelled') {
        // The cancel won: the click is told so, nothing runs, the card says cancelled.
        expect(await answerTo(clicked)).toMatch(CANCELLED_ANSWER);
        expect(restart).toMatchObject({
          status: 'refused',
          error: 'not run: the run was cancelled by U0DEV',
        });
        expect(await restarts()).toBe(0);
        await eventually('the card to say the run was cancelled', async () => {
          const now = cardNow(h, card);
          return now.buttons.length === 0 && now.text.includes('*Cancelled* by <@U0DEV>')
            ? true
            : undefined;
        });
      } else {
        // The approval won: it stands, and the run's record says what became of the call.
        expect(approval?.status).toBe('approved');
        expect(approval?.approvals).toHaveLength(1);
        if (restart.status === 'refused') {
          expect(restart.error).toBe(NOT_RUN);
          // A cancel that saw the approval says so in the history and its answer; one that ran
          // alongside the decision's write leaves it to the decision to record the call not run.
          if (answer.text.includes('had been approved by <@U0LEAD> just before')) {
            expect(run.history.at(-1)).toMatchObject({
              status: 'cancelled',
              by: 'U0DEV',
              detail: 'cancelled after call 2 (restart) approved by U0LEAD',
            });
          }
          expect(await restarts()).toBe(0);
        } else {
          // A worker had started it: it finished and is recorded, and nothing after it started.
          expect(restart.status).toBe('succeeded');
          expect(await restarts()).toBe(1);
        }
      }
    }
  });

  it('an Approve on an approval still open when its run is already cancelled is told the run was cancelled; the approval ends cancelled and its card says so', async () => {
    const { runId, card, restarts } = await waitingRun();
    // As a cancel leaves it when it stops after ending the run (a crash, a store error), or when
    // a worker asked for an approval as the run was cancelled.
    await runs.updateOne(
      { _id: runId as never },
      {
        $set: { status: 'cancelled' },
        $push: { history: { status: 'cancelled', at: new Date(), by: 'U0DEV' } } as never,
      },
    );
    const clicked = await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    expect(await answerTo(clicked)).toMatch(CANCELLED_ANSWER);
    expect(await approvals.findOne({ runId })).toMatchObject({
      status: 'cancelled',
      decidedBy: 'U0DEV',
      approvals: [],
    });
    await eventually('the card to say the run was cancelled', async () => {
      const now = cardNow(h, card);
      return now.buttons.length === 0 && now.text.includes('*Cancelled* by <@U0DEV>')
        ? true
        : undefined;
    });
    expect(await restarts()).toBe(0);
    expect((await runs.findOne({ _id: runId as never }))?.status).toBe('cancelled');
  });

  it('a cancel after the approval won but before a worker resumed the run records that the approved call did not run', async () => {
    // A front end with no worker: the approval is recorded and the run queued, nobody carries it yet.
    const front = await startHarness('cancel_race_front', {
      workflowsDir: dir,
      roles: { http: true, worker: false },
    });
    const worker = await startHarness('cancel_race_front', {
      workflowsDir: dir,
      roles: { http: false, worker: true },
      share: front,
    });
    try {
      const { runId, card, restarts } = await waitingRun(front, runStarter(front));
      await worker.service.stop();
      const clicked = await click(front, card, 'approval_approve', card.value, 'U0LEAD');
      expect(clicked.response.status).toBe(200);
      const frontRuns = front.db.collection('runs');
      await eventually('the call to be approved', async () => {
        const run = await frontRuns.findOne({ _id: runId as never });
        return run?.steps?.s1?.status === 'approved' ? true : undefined;
      });

      const answer = await laterAnswer(front, `cancel ${runId}`, 'U0DEV');
      expect(answer.text).toContain(
        'Call 2 (`restart`) had been approved by <@U0LEAD> just before; it does not start now.',
      );
      const again = await startHarness('cancel_race_front', {
        workflowsDir: dir,
        roles: { http: false, worker: true },
        share: front,
      });
      try {
        const run = await finalRun(frontRuns, runId, { announced: true });
        expect(run.status).toBe('cancelled');
        expect(run.steps.s1).toMatchObject({ status: 'refused', error: NOT_RUN });
        expect(run.history.at(-1)).toMatchObject({
          status: 'cancelled',
          by: 'U0DEV',
          detail: 'cancelled after call 2 (restart) approved by U0LEAD',
        });
        expect(await restarts()).toBe(0);
        const cancelled = await front.db
          .collection('audit_events')
          .findOne({ runId, type: 'run.cancelled' });
        expect(cancelled?.details).toMatchObject({ approvedBefore: `${runId}:1` });
      } finally {
        await again.stop();
      }
    } finally {
      await worker.stop().catch(() => undefined);
      await front.stop();
    }
  });
});
