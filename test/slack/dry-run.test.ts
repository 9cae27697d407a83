import { access, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { type Harness, startHarness } from '../support/countersign-harness';
import { finalRun, runIdIn } from '../support/run-records';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe('/countersign run … --dry-run', () => {
  let h: Harness;
  let runs: Collection;

  beforeAll(async () => {
    h = await startHarness('dry_run', {
      workflowsDir: path.join(__dirname, '../fixtures/dry-run'),
    });
    runs = h.db.collection('runs');
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  it('runs the low-risk steps, simulates the rest and shows in the thread who would approve', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-dry-slack-'));
    const response = await h.slash({ text: `run deploy --dry-run dir=${dir}`, user_id: 'U0DEV' });
    expect(response.status).toBe(200);
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    expect(String(started.args.text)).toMatch(/^Dry run of deploy/);
    const runId = runIdIn(started.args.blocks) as string;

    const run = await finalRun(runs, runId);
    expect(run).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(run.steps.s0).toMatchObject({ tool: 'check', status: 'succeeded', output: 'checked' });
    expect(run.steps.s1).toMatchObject({
      tool: 'deploy',
      status: 'simulated',
      output:
        'high risk: would wait for 1 approval from U0LEAD, members of S0SRE, card in C0APPROVALS, expiring after 30m',
    });
    expect(run.steps.s2).toMatchObject({ tool: 'notify', status: 'simulated' });
    expect(run.result).toContain('Dry run: 1 call(s) ran, 2 simulated.');
    expect(await exists(path.join(dir, 'checked'))).toBe(true);
    expect(await exists(path.join(dir, 'deployed'))).toBe(false);

    const thread = (started.response.body as { ts: string }).ts;
    const replies = h.slack
      .messages(String(started.args.channel))
      .filter((message) => message.thread_ts === thread)
      .map((message) => JSON.stringify(message.blocks));
    expect(replies[1]).toContain('simulated');
    expect(replies[1]).toContain('would wait for 1 approval from U0LEAD');
    // Approvers are named, not mentioned: a dry run pings nobody.
    expect(replies.join('')).not.toContain('<@U0LEAD>');
    expect(replies.join('')).not.toContain('<!subteam');
  });

  it('refuses an unknown option with the usage', async () => {
    const before = await runs.countDocuments();
    const response = await h.slash({ text: 'run deploy dir=/tmp --dryrun' });
    expect((response.json as { text: string }).text).toContain('Unknown option `--dryrun`');
    expect(await runs.countDocuments()).toBe(before);
  });

  it("reports what an agent workflow's tools would be allowed to do", async () => {
    await h.slash({ text: 'run investigate --dry-run' });
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    const run = await finalRun(runs, runIdIn(started.args.blocks) as string);
    expect(run.status).toBe('succeeded');
    expect(run.result).toContain('• restart: high risk: would wait for 1 approval from U0LEAD');
  });
});
