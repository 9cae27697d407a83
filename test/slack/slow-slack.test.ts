import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { answerTo, cardOf, click, submitDenyReason } from '../support/approval-clicks';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { runIdIn } from '../support/run-records';

/** Slack's own deadline for an answer to a command, a click or a submission. */
const SLACK_ACK_DEADLINE_MS = 3_000;

const WORKFLOWS = {
  'change.yaml': `name: change
steps:
  - tool: change
tools:
  - name: change
    risk: high
    input_schema: { type: object, properties: {} }
    command: { argv: [echo, changed], timeout: 10s }
approval:
  approvers: { users: [U0LEAD] }
`,
  'by-group.yaml': `name: by-group
steps:
  - tool: change
tools:
  - name: change
    risk: high
    input_schema: { type: object, properties: {} }
    command: { argv: [echo, changed], timeout: 10s }
approval:
  approvers: { usergroups: [S0LEADS] }
`,
  'for-ops.yaml': `name: for-ops
access:
  usergroups: [S0OPS]
steps:
  - tool: say
tools:
  - name: say
    risk: low
    input_schema: { type: object, properties: {} }
    command: { argv: [echo, hi], timeout: 10s }
`,
};

describe('Slack slow or unreachable', () => {
  let h: Harness;
  let approvals: Collection;
  let slackHost: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-slow-slack-'));
    for (const [file, text] of Object.entries(WORKFLOWS)) {
      await writeFile(path.join(dir, file), text);
    }
    // Groups asked of Slack at every check: the deny submission asks again, after the click did.
    h = await startHarness('slow_slack', {
      workflowsDir: dir,
      env: { USERGROUP_CACHE_TTL_MS: '0' },
    });
    approvals = h.db.collection('approvals');
    slackHost = new URL(h.slack.url).host;
  });
  afterAll(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => h.slack.reset());

  /** The log line that says a request to Slack for `method` failed, naming method and host. */
  const failureLogged = (method: string, timeoutMs = 20_000) =>
    eventually(
      `a log line naming ${method} at the fake Slack`,
      async () =>
        h.logs.find(
          (line) =>
            line.method === method &&
            line.host === slackHost &&
            String(line.msg).includes(`${method} at ${slackHost}`),
        ),
      timeoutMs,
    );

  /** A run of `workflow` waiting on its card, posted while Slack still answers. */
  async function waitingCard(workflow = 'change') {
    await h.slash({ text: `run ${workflow}`, user_id: 'U0DEV', channel_id: 'C0OPS' });
    const headline = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    return cardOf(h, runIdIn(headline.args.blocks) as string);
  }

  it('a slash command is answered in time while every Web API call hangs; the log names the call and host', async () => {
    h.slack.hang('web_api');
    const response = await h.slash({ text: 'run for-ops', user_id: 'U0ADA' });

    expect(response.status).toBe(200);
    expect(response.ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect((response.json as { text: string }).text).toContain(
      'could not check your access to "for-ops"',
    );
    // The group lookup that hung is given up, and said so with what it was and where it went.
    const line = await failureLogged('usergroups.users.list');
    expect(line.reason).toBe('no answer in time');
  });

  it('a command answered through a response URL that hangs is acked in time, and the failed answer is logged', async () => {
    h.slack.hang('all');
    const response = await h.slash({ text: 'runs', user_id: 'U0ADA' });

    expect(response.status).toBe(200);
    expect(response.ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const line = await failureLogged('response_url');
    // A response URL is a credential: the log names its host, never its path.
    expect(JSON.stringify(line)).not.toContain('/response/');
  });

  it('a click is acked in time while all of Slack hangs; the decision stands and the stuck card update is logged', async () => {
    const card = await waitingCard();
    h.slack.hang('all');
    const clicked = await click(h, card, 'approval_approve', card.value, 'U0LEAD');

    expect(clicked.response.status).toBe(200);
    expect(clicked.response.ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const approval = await eventually('the approval to be decided', async () => {
      const stored = await approvals.findOne({ 'card.ts': card.ts });
      // null: the card is posted but its ts not yet stored; wait for that too.
      return stored === null || stored.status === 'pending' ? undefined : stored;
    });
    expect(approval).toMatchObject({ status: 'approved', decidedBy: 'U0LEAD' });
    await failureLogged('chat.update');
  });

  it('a denial submitted while Slack hangs closes the modal in time and is recorded', async () => {
    const card = await waitingCard();
    const clicked = await click(h, card, 'approval_deny', card.value, 'U0LEAD');
    await h.slack.waitForCall('views.open', (call) => call.args.trigger_id === clicked.triggerId);
    h.slack.hang('web_api');

    const submitted = await submitDenyReason(h, clicked.triggerId, 'U0LEAD', 'not during the sale');

    expect(submitted.status).toBe(200);
    expect(submitted.ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    // An empty answer: the modal closes, with no errors shown in it.
    expect(submitted.text).toBe('');
    const approval = await eventually('the denial to be recorded', async () => {
      const stored = await approvals.findOne({ 'card.ts': card.ts });
      // null: the card is posted but its ts not yet stored; wait for that too.
      return stored === null || stored.status === 'pending' ? undefined : stored;
    });
    expect(approval).toMatchObject({
      status: 'denied',
      decidedBy: 'U0LEAD',
      decisionNote: 'not during the sale',
    });
  });

  it('a denial still being decided after the modal closed is told by DM when it did not count', async () => {
    h.slack.setUsergroup('S0LEADS', ['U0LEAD']);
    const card = await waitingCard('by-group');
    const clicked = await click(h, card, 'approval_deny', card.value, 'U0LEAD');
    await h.slack.waitForCall('views.open', (call) => call.args.trigger_id === clicked.triggerId);
    // Slack is slow to list the group, then fails: the denier's right to decide stays unknown.
    h.slack.failNext('usergroups.users.list', { delayMs: 4_000, error: 'fatal_error' });

    const submitted = await submitDenyReason(h, clicked.triggerId, 'U0LEAD', 'not now');

    expect(submitted.status).toBe(200);
    expect(submitted.ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect(submitted.text).toBe('');
    const told = await h.slack.waitForCall(
      'chat.postMessage',
      (call) => call.args.channel === 'U0LEAD',
      10_000,
    );
    expect(told.args.text).toContain(
      'Slack could not say just now whether you are in an approver group',
    );
    expect(await approvals.findOne({ 'card.ts': card.ts })).toMatchObject({ status: 'pending' });
  });

  it('a button no listener knows (an old card’s) is acked and the clicker told it is no longer valid', async () => {
    const card = await waitingCard();
    const clicked = await click(h, card, 'approval_snooze_v0', card.value, 'U0LEAD');

    expect(clicked.response.status).toBe(200);
    expect(clicked.response.ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect(await answerTo(clicked)).toBe('This button is no longer valid, so nothing was done.');
    // Nothing was decided by it.
    expect(await approvals.findOne({ 'card.ts': card.ts })).toMatchObject({ status: 'pending' });
  });
});
