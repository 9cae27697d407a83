import path from 'node:path';
import { finishedRun, immediateAnswer, laterAnswer, recordedRun } from '../support/command-answers';
import { type Harness, startHarness } from '../support/countersign-harness';
import { finalRun } from '../support/run-records';

const WORKFLOWS = path.join(__dirname, '../fixtures/run-history');

/** The run ids an answer lists, in order. */
const listedIds = (blocks: unknown) =>
  [...JSON.stringify(blocks).matchAll(/`(r-[a-z0-9]{8})` \*/g)].map((match) => match[1]);

describe('/countersign runs', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('runs_command', {
      workflowsDir: WORKFLOWS,
      env: { COUNTERSIGN_ADMINS: 'U0ADMIN' },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('tells a user with no runs how to find workflows', async () => {
    const answer = await laterAnswer(h, 'runs', 'U0NEW');
    expect(answer.text).toBe(
      'You have not started any runs yet. `/countersign list` shows the workflows you can run here.',
    );
  });

  it("lists the user's own runs, newest first, with status and dry-run marker; an admin's `runs all` lists everyone's", async () => {
    const first = await finishedRun(h, 'run greet name=Ada', 'U0ADA');
    const other = await finishedRun(h, 'run greet name=Eve', 'U0EVE');
    const second = await finishedRun(h, 'run breaks', 'U0ADA');
    const third = await finishedRun(h, 'run guarded --dry-run', 'U0ADA');

    const own = await laterAnswer(h, 'runs', 'U0ADA');
    const shown = JSON.stringify(own.blocks);
    expect(shown).toContain('*Your recent runs*, newest first:');
    expect(listedIds(own.blocks)).toEqual([third._id, second._id, first._id]);
    expect(shown).toContain(`\`${third._id}\` *guarded* :white_check_mark: succeeded · <!date^`);
    expect(shown).toMatch(new RegExp(`\`${third._id}\`[^\\n]*· dry run`));
    expect(shown).toContain(`\`${second._id}\` *breaks* :x: failed`);
    expect(shown).not.toMatch(new RegExp(`\`${second._id}\`[^\\n]*dry run`));
    expect(shown).not.toContain(String(other._id));
    expect(shown).not.toContain('<@U0ADA>');

    const all = await laterAnswer(h, 'runs all', 'U0ADMIN');
    const everyone = JSON.stringify(all.blocks);
    expect(everyone).toContain(
      "*Everyone's recent runs*, newest first (you see them all as an admin",
    );
    expect(listedIds(all.blocks)).toEqual([third._id, second._id, other._id, first._id]);
    expect(everyone).toContain(`\`${other._id}\` *greet* :white_check_mark: succeeded`);
    expect(everyone).toMatch(new RegExp(`\`${other._id}\`[^\\n]*by <@U0EVE>`));

    // An admin's plain `runs` is their own, like anyone's.
    expect((await laterAnswer(h, 'runs', 'U0ADMIN')).text).toContain('not started any runs');
  });

  it("refuses everyone's runs to a user who is not an admin, and a stray argument", async () => {
    expect((await immediateAnswer(h, 'runs all', 'U0ADA')).text).toBe(
      "Only Countersign admins can list everyone's runs; `/countersign runs` lists yours.",
    );
    expect((await immediateAnswer(h, 'runs mine', 'U0ADA')).text).toBe(
      'Usage: `/countersign runs [all]`',
    );
  });

  it('shows the 15 newest', async () => {
    const started = [];
    for (let i = 0; i < 17; i++)
      started.push(await recordedRun(h, `run greet name=n${i}`, 'U0BUSY'));
    const answer = await laterAnswer(h, 'runs', 'U0BUSY');
    expect(listedIds(answer.blocks)).toEqual(
      started
        .slice(-15)
        .reverse()
        .map((run) => run._id),
    );
    const runs = h.db.collection('runs');
    await Promise.all(started.map((run) => finalRun(runs, String(run._id))));
  });
});
