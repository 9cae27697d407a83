import path from 'node:path';
import { finishedRun, immediateAnswer, laterAnswer } from '../support/command-answers';
import { type Harness, startHarness } from '../support/countersign-harness';

const WORKFLOWS = path.join(__dirname, '../fixtures/run-history');

/** The `<!date^…>` token Slack renders in the viewer's time zone, for a stored time. */
const slackTime = (at: Date) => `<!date^${Math.floor(at.getTime() / 1000)}^`;

describe('/countersign status <run>', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('status_command', {
      workflowsDir: WORKFLOWS,
      env: { COUNTERSIGN_ADMINS: 'U0ADMIN' },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('shows the requester a finished run as a timeline: who, inputs, each status change and step with its time, the outcome, the thread', async () => {
    const run = await finishedRun(h, 'run greet name="Ada <!here> & co"', 'U0ADA');
    expect(run.status).toBe('succeeded');

    const answer = await laterAnswer(h, `status ${run._id}`, 'U0ADA');
    const shown = JSON.stringify(answer.blocks);
    expect(answer.text).toBe(`Run ${run._id} of greet: succeeded`);
    expect(shown).toContain(`*greet* · run \`${run._id}\` · :white_check_mark: succeeded`);
    expect(shown).toContain('Requested by <@U0ADA> in <#C0GENERAL>');
    expect(shown).toContain(`manifest \`${run.manifestHash.slice(0, 12)}\``);
    expect(shown).toContain('`name=Ada &lt;!here&gt; &amp; co`');
    expect(shown).not.toContain('<!here>');
    for (const change of run.history) expect(shown).toContain(slackTime(change.at));
    expect(shown).toMatch(/:arrow_forward: running[\s\S]*:white_check_mark: succeeded/);
    expect(shown).toContain('*Steps* (2 of 2)');
    expect(shown).toContain('*1/2* `say` :white_check_mark: succeeded');
    expect(shown).toContain(slackTime(run.steps.s0.startedAt));
    expect(shown).toContain('Hello, Ada &lt;!here&gt; &amp; co!');
    expect(shown).toContain('*2/2* `say` :white_check_mark: succeeded');
    expect(shown).toContain('Goodbye, Ada &lt;!here&gt; &amp; co.');
    expect(shown).toContain('*Outcome*: :white_check_mark: succeeded');
    expect(shown).toContain('{date_short_pretty} {time_secs}|');
    const ts = String(run.thread.ts).replace('.', '');
    expect(shown).toContain(`<https://slack.com/archives/C0GENERAL/p${ts}|thread>`);
  });

  it('shows a failed run with the step that failed and its error, escaped', async () => {
    const run = await finishedRun(h, 'run breaks', 'U0ADA');
    expect(run.status).toBe('failed');

    const shown = JSON.stringify((await laterAnswer(h, `status ${run._id}`, 'U0ADA')).blocks);
    expect(shown).toContain(':x: failed');
    expect(shown).toContain('*1/2* `check` :white_check_mark: succeeded');
    expect(shown).toContain('*2/2* `fill_disk` :x: failed');
    expect(shown).toContain('exit code 3');
    expect(shown).toContain('disk &lt;!channel&gt; full &amp; *stuck*');
    expect(shown).not.toContain('<!channel>');
    expect(shown).toContain('*Outcome*: :x: failed');
    expect(shown).toContain('step 2 (fill_disk) failed');
  });

  it('shows a dry run with the reason each simulated step was not run', async () => {
    const run = await finishedRun(h, 'run guarded --dry-run', 'U0ADA');
    const shown = JSON.stringify((await laterAnswer(h, `status ${run._id}`, 'U0ADA')).blocks);
    expect(shown).toContain('Dry run of *guarded*');
    expect(shown).toContain('Dry run: calls above low risk were simulated, not run.');
    expect(shown).toContain('*1/2* `look` :white_check_mark: succeeded');
    expect(shown).toContain('*2/2* `wipe` :fast_forward: simulated');
    expect(shown).toContain('Not run: high risk: would wait for 1 approval from U0LEAD');
  });

  it("answers someone else's run exactly as a run that does not exist, and shows it to an admin", async () => {
    const run = await finishedRun(h, 'run greet name=Grace', 'U0GRACE');
    const hidden = await laterAnswer(h, `status ${run._id}`, 'U0EVE');
    expect(hidden.blocks).toBeUndefined();
    expect(hidden.text).toBe(
      `There is no run \`${run._id}\` that you can see. \`/countersign runs\` lists your recent runs.`,
    );
    const missing = await laterAnswer(h, 'status r-22222222', 'U0EVE');
    expect(missing.text).toBe(hidden.text.replace(String(run._id), 'r-22222222'));
    // The look at someone else's run is audited; the miss is not (nothing was there to see).
    const refusals = await h.db
      .collection('audit_events')
      .find({ type: 'run.view_refused' })
      .toArray();
    expect(refusals).toEqual([
      expect.objectContaining({ actor: 'U0EVE', runId: String(run._id), workflow: 'greet' }),
    ]);

    const admin = await laterAnswer(h, `status ${run._id}`, 'U0ADMIN');
    expect(JSON.stringify(admin.blocks)).toContain('Requested by <@U0GRACE>');
  });

  it('takes the id as copied from a message, in any case', async () => {
    const run = await finishedRun(h, 'run greet name=Ada', 'U0ADA');
    const answer = await laterAnswer(h, `status \`${String(run._id).toUpperCase()}\``, 'U0ADA');
    expect(answer.text).toBe(`Run ${run._id} of greet: succeeded`);
  });

  it('tells at once what is wrong with a malformed id (status alone lists the agents’ calls and grants: test/slack/session-approvals.test.ts)', async () => {
    expect((await immediateAnswer(h, 'status run-42', 'U0ADA')).text).toBe(
      "`run-42` is not a run id: they look like `r-7kq2m9xd` (the run's message in the channel names it; `/countersign runs` lists yours).",
    );
    // 0, 1, i, l and o are never in an id: a lookalike is malformed, not just unknown.
    expect((await immediateAnswer(h, 'status r-0000000o', 'U0ADA')).text).toContain(
      'is not a run id',
    );
    expect((await immediateAnswer(h, 'status <@U0BOSS>`', 'U0ADA')).text).toContain(
      '`&lt;@U0BOSS&gt;ˋ` is not a run id',
    );
    expect((await immediateAnswer(h, 'status r-22222222 r-33333333', 'U0ADA')).text).toContain(
      'One run at a time.',
    );
  });

  it('cuts a huge output to fit Slack, keeping the message valid', async () => {
    const run = await finishedRun(h, 'run flood', 'U0ADA');
    expect(run.steps.s0.output.length).toBeGreaterThan(50_000);
    const answer = await laterAnswer(h, `status ${run._id}`, 'U0ADA');
    const shown = JSON.stringify(answer.blocks);
    expect(shown).toContain('…(cut)');
    expect(shown).toContain('héllo &lt;&amp;&gt; 🚀');
    expect(shown.length).toBeLessThan(12_000);
  });
});
