import path from 'node:path';
import type { Collection } from 'mongoose';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun, runIdIn } from '../support/run-records';

const WORKFLOWS = path.join(__dirname, '../fixtures/access-workflows');
const TTL_MS = 60_000;

interface Answer {
  text: string;
  response_type?: string;
}

describe('who may start a workflow: users, channels and user groups', () => {
  let h: Harness;
  let runs: Collection;
  let audit: Collection;
  // The service's clock runs with real time plus this; a jump past the TTL expires the group cache.
  let skew = 0;

  beforeAll(async () => {
    h = await startHarness('access', {
      workflowsDir: WORKFLOWS,
      env: { USERGROUP_CACHE_TTL_MS: String(TTL_MS) },
      clock: () => new Date(Date.now() + skew),
    });
    runs = h.db.collection('runs');
    audit = h.db.collection('audit_events');
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    h.slack.reset();
    skew += TTL_MS + 1; // every test starts with nothing cached
  });

  async function run(text: string, user: string, channel = 'C0GENERAL') {
    const response = await h.slash({ text: `run ${text}`, user_id: user, channel_id: channel });
    expect(response.status).toBe(200);
    return response;
  }

  /** The run started for this user: its headline was posted, and it ran to the end. */
  async function expectStarted(workflow: string, user: string, channel = 'C0GENERAL') {
    const headline = await h.slack.waitForCall(
      'chat.postMessage',
      (call) =>
        !call.args.thread_ts &&
        call.args.channel === channel &&
        JSON.stringify(call.args.blocks).includes(`<@${user}>`) &&
        JSON.stringify(call.args.blocks).includes(`*${workflow}*`),
    );
    const runId = runIdIn(headline.args.blocks) as string;
    const done = await finalRun(runs, runId, { announced: true });
    expect(done).toMatchObject({ workflow, status: 'succeeded', requester: { userId: user } });
  }

  function refusalText(response: { json: unknown }): string {
    const answer = response.json as Answer;
    expect(answer.response_type).toBe('ephemeral');
    return answer.text;
  }

  const auditedFor = (actor: string, workflow: string, reason?: string) =>
    eventually(`the audit event of ${actor} refused ${workflow}`, async () => {
      const found = await audit.find({ actor, workflow, ...(reason ? { reason } : {}) }).toArray();
      return found.length > 0 ? found : undefined;
    });

  it('lets everyone run a workflow without access rules', async () => {
    const response = await run('open-door target=gate', 'U0ANYONE');
    expect(response.text).toBe('');
    await expectStarted('open-door', 'U0ANYONE');
  });

  it('lets a listed user run it, and tells anyone else there is no such workflow, as for a name that does not exist', async () => {
    await run('by-user', 'U0GRACE');
    await expectStarted('by-user', 'U0GRACE');

    const runsBefore = await runs.countDocuments();
    const refused = refusalText(await run('by-user', 'U0MALLORY'));
    const unknown = refusalText(await run('no-such-thing', 'U0MALLORY'));
    expect(refused).toBe(unknown.replace('no-such-thing', 'by-user'));
    expect(refused).not.toContain('Grace');
    expect(await runs.countDocuments()).toBe(runsBefore);
  });

  it('records who was refused what, where and why, in audit_events', async () => {
    const started = Date.now() + skew;
    await run('by-user note=secret', 'U0EVE', 'C0RANDOM');
    await run('launch-missiles', 'U0EVE', 'C0RANDOM');
    const [notAllowed] = await auditedFor('U0EVE', 'by-user');
    expect(notAllowed).toMatchObject({
      type: 'run.refused',
      actor: 'U0EVE',
      team: 'T0TEST',
      workflow: 'by-user',
      channel: 'C0RANDOM',
      reason: 'not_allowed',
      details: { manifestHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(Number(notAllowed?.at)).toBeGreaterThanOrEqual(started - 1000);
    expect(JSON.stringify(notAllowed)).not.toContain('secret');
    const [unknown] = await auditedFor('U0EVE', 'launch-missiles');
    expect(unknown).toMatchObject({ reason: 'unknown_workflow', channel: 'C0RANDOM' });
  });

  it('does not audit a permitted user who mistyped the inputs', async () => {
    const refused = refusalText(await run('open-door colour=red', 'U0TYPO'));
    expect(refused).toContain('unknown input "colour"');
    await run('no-such-thing', 'U0TYPO'); // audited; it arrives after the first would have
    await auditedFor('U0TYPO', 'no-such-thing');
    expect(await audit.countDocuments({ actor: 'U0TYPO' })).toBe(1);
  });

  it('lets anyone in a listed channel run it, and no one elsewhere', async () => {
    await run('by-channel', 'U0ADA', 'C0OPS');
    await expectStarted('by-channel', 'U0ADA', 'C0OPS');
    expect(refusalText(await run('by-channel', 'U0ADA', 'C0GENERAL'))).toContain(
      'There is no workflow "by-channel" that you can run here',
    );
  });

  it('lets a member of a listed user group run it and refuses a non-member', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SRE', 'U0OTHER']);
    await run('by-group', 'U0SRE');
    await expectStarted('by-group', 'U0SRE');

    expect(refusalText(await run('by-group', 'U0ADA'))).toContain(
      'There is no workflow "by-group" that you can run here',
    );
    const [event] = await auditedFor('U0ADA', 'by-group');
    expect(event).toMatchObject({ reason: 'not_allowed' });
    // S0GONE is unknown to Slack: it grants nothing, and an admin can read why in the logs.
    expect(
      h.logs.some(
        (line) => line.usergroup === 'S0GONE' && String(line.msg).includes('Slack does not know'),
      ),
    ).toBe(true);
  });

  it('asks Slack once per group while the membership is cached, even for concurrent commands', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SRE']);
    h.slack.failNext('usergroups.users.list', { delayMs: 300 }, 2);
    await Promise.all([run('by-group', 'U0ADA'), run('by-group', 'U0BOB')]);
    await run('by-group', 'U0CAROL');
    const asked = h.slack.callsTo('usergroups.users.list').map((call) => call.args.usergroup);
    expect(asked.sort()).toEqual(['S0GONE', 'S0SRE']);
  });

  it('sees a membership change only once the cached membership is older than USERGROUP_CACHE_TTL_MS', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SRE']);
    await run('by-group', 'U0SRE');
    await expectStarted('by-group', 'U0SRE');

    h.slack.reset(); // forget calls and messages; the service still holds the membership
    h.slack.setUsergroup('S0SRE', []);
    skew += TTL_MS - 5_000;
    await run('by-group', 'U0SRE');
    await expectStarted('by-group', 'U0SRE');
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(0);

    skew += 5_001;
    expect(refusalText(await run('by-group', 'U0SRE'))).toContain(
      'There is no workflow "by-group" that you can run here',
    );
    expect(h.slack.callsTo('usergroups.users.list').length).toBeGreaterThan(0);
  });

  it('refuses safely when Slack cannot say who is in the group, says to try again, audits and logs it', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SRE']);
    h.slack.failNext('usergroups.users.list', { error: 'missing_scope' }, 2);
    const runsBefore = await runs.countDocuments();
    const refused = refusalText(await run('by-group', 'U0SRE'));
    expect(refused).toContain('could not check your access');
    expect(refused).toContain('try again');
    expect(await runs.countDocuments()).toBe(runsBefore);

    const [event] = await auditedFor('U0SRE', 'by-group', 'access_unresolved');
    expect(String(event?.details?.error)).toContain('missing_scope');
    expect(
      h.logs.some(
        (line) =>
          line.reason === 'access_unresolved' && String(line.error).includes('missing_scope'),
      ),
    ).toBe(true);

    // The failure was not remembered: the next command asks again and is let through.
    await run('by-group', 'U0SRE');
    await expectStarted('by-group', 'U0SRE');
  });

  it('answers within Slack’s 3 seconds when the group lookup hangs, refusing rather than guessing', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SLOW']);
    h.slack.failNext('usergroups.users.list', { delayMs: 2_500 }, 2);
    const response = await run('by-group', 'U0SLOW');
    expect(response.ms).toBeLessThan(3_000);
    expect(refusalText(response)).toContain('could not check your access');
    const [event] = await auditedFor('U0SLOW', 'by-group', 'access_unresolved');
    expect(String(event?.details?.error)).toContain('did not answer within 1500 ms');
  });

  it('still answers a refusal when it cannot be recorded, and logs the failure', async () => {
    // A unique index on actor makes the second refusal of one user fail to insert.
    await audit.deleteMany({});
    await audit.createIndex({ actor: 1 }, { unique: true, name: 'test_unique_actor' });
    try {
      await run('by-user', 'U0TWICE');
      await auditedFor('U0TWICE', 'by-user');
      const second = refusalText(await run('by-user', 'U0TWICE'));
      expect(second).toContain('There is no workflow "by-user" that you can run here');
      await eventually('the logged failure', async () =>
        h.logs.find((line) => line.msg === 'could not record a refused run in the audit log'),
      );
    } finally {
      await audit.dropIndex('test_unique_actor');
    }
  });
});
