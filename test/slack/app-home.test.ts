import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { clickInHome, nextPublish, openHome } from '../support/app-home';
import { cardNow, cardOf, submitDenyReason } from '../support/approval-clicks';
import { finishedRun } from '../support/command-answers';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun, runStarter } from '../support/run-records';

/** A low-risk check, then a high-risk restart that appends to `log` each time it runs. */
const guarded = (name: string, approval: string) => `name: ${name}
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
${approval}
`;

const WORKFLOWS: Record<string, string> = {
  'guarded.yaml': guarded(
    'guarded',
    '  approvers: { users: [U0LEAD], usergroups: [S0SRE] }\n  channel: C0APPROVALS',
  ),
  'selfish.yaml': guarded(
    'selfish',
    '  approvers: { users: [U0DEV] }\n  allow_self_approval: true\n  channel: C0APPROVALS',
  ),
  'quick.yaml':
    'name: quick\nsteps:\n  - tool: say\ntools:\n  - name: say\n    risk: low\n    command: { argv: [echo, done] }\n',
};

describe('App Home: what waits for you, and your runs', () => {
  let h: Harness;
  let startRun: ReturnType<typeof runStarter>;
  let runs: Collection;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-home-'));
    for (const [file, text] of Object.entries(WORKFLOWS)) {
      await writeFile(path.join(dir, file), text);
    }
    h = await startHarness('app_home', { workflowsDir: dir });
    startRun = runStarter(h);
    runs = h.db.collection('runs');
    h.slack.setUsergroup('S0SRE', ['U0SRE1', 'U0SRE2']);
  });
  afterAll(async () => {
    await h.stop();
  });

  /** `user` starts `workflow`; once it waits for approval: its id, card, and restart count. */
  async function waitingRun(workflow: string, user: string) {
    const log = path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-home-')), 'log');
    const runId = await startRun(`run ${workflow} log=${log}`, user);
    const card = await cardOf(h, runId);
    await eventually('the run to wait for approval', async () => {
      const run = await runs.findOne({ _id: runId as never });
      return run?.status === 'awaiting_approval' ? true : undefined;
    });
    const restarts = async () =>
      (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    return { runId, card, restarts };
  }

  it('shows an approver the call waiting for them, with the buttons; approving from Home runs it and takes it off their Home', async () => {
    const { runId, card, restarts } = await waitingRun('guarded', 'U0DEV');

    const home = await openHome(h, 'U0LEAD');
    expect(home.text).toContain('Waiting for you');
    expect(home.text).toContain(`\`${runId}\` call 2`);
    expect(home.text).toContain('`restart`');
    expect(home.text).toContain('Requested by <@U0DEV>');
    expect(home.approveValues).toContain(card.value);
    expect(home.buttons).toEqual(expect.arrayContaining(['approval_approve', 'approval_deny']));

    const clicked = await clickInHome(h, 'U0LEAD', 'approval_approve', card.value);
    expect(clicked.response.status).toBe(200);
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('succeeded');
    expect(await restarts()).toBe(1);
    await eventually('the card to show the approval', async () =>
      cardNow(h, card).buttons.length === 0 ? true : undefined,
    );

    const after = await nextPublish(h, 'U0LEAD', clicked.publishesBefore);
    expect(after.approveValues).not.toContain(card.value);
    expect(after.text).not.toContain(runId);
    expect(after.text).toContain('Nothing is waiting for your decision.');
  });

  it('shows a member of an approver group the call; denying from Home asks why, ends it, and takes it off', async () => {
    const { runId, card, restarts } = await waitingRun('guarded', 'U0DEV');
    const home = await openHome(h, 'U0SRE1');
    expect(home.approveValues).toEqual([card.value]);

    const clicked = await clickInHome(h, 'U0SRE1', 'approval_deny', card.value);
    const submitted = await submitDenyReason(h, clicked.triggerId, 'U0SRE1', 'not today');
    expect(submitted.status).toBe(200);
    const run = await finalRun(runs, runId, { announced: true });
    expect(run.status).toBe('failed');
    expect(run.steps.s1).toMatchObject({ status: 'refused', error: 'denied by U0SRE1: not today' });
    expect(await restarts()).toBe(0);

    const after = await nextPublish(h, 'U0SRE1', clicked.publishesBefore);
    expect(after.approveValues).toEqual([]);
  });

  it('shows nothing waiting to a user who may not decide, nor to the requester of their own run', async () => {
    const { card } = await waitingRun('guarded', 'U0DEV');
    for (const user of ['U0EVE', 'U0DEV']) {
      const home = await openHome(h, user);
      expect(home.approveValues).not.toContain(card.value);
      expect(home.buttons).toEqual([]);
    }
    // A late click from an old Home view is still refused by the decision itself.
    const old = await clickInHome(h, 'U0EVE', 'approval_approve', card.value);
    expect(old.response.status).toBe(200);
    const told = await h.slack.waitForCall(
      'chat.postMessage',
      (call) => call.args.channel === 'U0EVE',
    );
    expect(told.args.text).toBe(
      'You are not one of the approvers of this call; nothing was decided.',
    );
    expect(
      (await h.db.collection('approvals').findOne({ _id: card.value.split('|')[0] as never }))
        ?.status,
    ).toBe('pending');
  });

  it('shows the requester their own run’s call when the workflow allows self-approval', async () => {
    const { card } = await waitingRun('selfish', 'U0DEV');
    const home = await openHome(h, 'U0DEV');
    expect(home.approveValues).toContain(card.value);
  });

  it('lists "Your runs" with their statuses, and only the viewer’s', async () => {
    const done = await finishedRun(h, 'run quick', 'U0RUNNER');
    const waiting = await waitingRun('guarded', 'U0RUNNER');
    await finishedRun(h, 'run quick', 'U0OTHER');

    const home = await openHome(h, 'U0RUNNER');
    expect(home.text).toContain('Your runs');
    expect(home.text).toContain(`\`${waiting.runId}\` *guarded* :raised_hand: awaiting approval`);
    expect(home.text).toContain(`\`${done._id}\` *quick* :white_check_mark: succeeded`);
    expect(home.text.indexOf(waiting.runId)).toBeLessThan(home.text.indexOf(String(done._id)));
    const runIds = home.text.match(/r-[a-z0-9]{8}/g) ?? [];
    expect(new Set(runIds)).toEqual(new Set([waiting.runId, String(done._id)]));

    const empty = await openHome(h, 'U0NEWBIE');
    expect(empty.text).toContain('You have not started any runs yet.');
  });
});
