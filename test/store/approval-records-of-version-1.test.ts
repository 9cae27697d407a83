import { webApi } from '@slack/bolt';
import { answerApprover } from '../../src/approvals/answer-approver';
import { approvalBinding } from '../../src/approvals/approval';
import { publishApproval } from '../../src/approvals/request-approval';
import { SlackApprovalSurface } from '../../src/slack/slack-approval-surface';
import { type Database, openDatabase } from '../../src/store/database';
import { type FakeSlackApi, startFakeSlackApi } from '../support/fake-slack-api';
import { approvalAbout, inMemoryDecisions } from '../support/in-memory-approvals';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const call = { tool: 'restart', args: '{"service":"api"}', manifestHash: 'm'.repeat(64) };

/** An approval as the previous version stored it: schema version 1, its one Slack card in `card`. */
function versionOneDocument(id: string) {
  const at = new Date();
  return {
    _id: id,
    schemaVersion: 1,
    runId: id.split(':')[0],
    step: 0,
    workflow: 'demo',
    kind: 'call',
    ...call,
    risk: 'high',
    binding: approvalBinding(call),
    requesterId: 'U0DEV',
    approvers: { users: ['U0LEAD'], usergroups: [] },
    required: 1,
    allowSelfApproval: false,
    onTimeout: 'expire',
    channel: 'C0OPS',
    status: 'pending',
    approvals: [],
    votes: 0,
    card: { channel: 'C0OPS', ts: '1700000000.000200' },
    expiresAt: new Date(at.getTime() + 60_000),
    createdAt: at,
    updatedAt: at,
  };
}

describe('approvals stored by the previous version, read after an upgrade', () => {
  let db: Database;
  let slack: FakeSlackApi;
  beforeAll(async () => {
    db = await openDatabase(testMongoUri(uniqueName('approvals_v1')), {
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
    });
    slack = await startFakeSlackApi();
  });
  afterAll(async () => {
    await db.connection.dropDatabase();
    await db.close();
    await slack.close();
  });

  /** The in-memory subject and timers, with the real store and Slack as the one surface. */
  function decisions() {
    const { deps } = inMemoryDecisions(new Date());
    const client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.url });
    return {
      ...deps,
      approvals: db.approvals,
      audit: db.audit,
      surfaces: new SlackApprovalSurface(client),
    };
  }

  it('are decided, and their Slack card updated where the old record says it is', async () => {
    await db.connection
      .collection('approvals')
      .insertOne(versionOneDocument('r-oldshape1:0') as never);
    const deps = decisions();
    const answer = await answerApprover(deps, {
      approvalId: 'r-oldshape1:0',
      binding: approvalBinding(call),
      userId: 'U0LEAD',
      choice: 'approve',
    });
    expect(answer).toMatchObject({ outcome: 'recorded', approval: { status: 'approved' } });
    expect(deps.subject.concludedWith).toEqual([{ id: 'r-oldshape1:0', status: 'approved' }]);
    const updates = slack.callsTo('chat.update');
    expect(updates.map((update) => [update.args.channel, update.args.ts])).toEqual([
      ['C0OPS', '1700000000.000200'],
    ]);
  });

  it('count their old card as Slack’s, so asking again posts no second card', async () => {
    await db.connection
      .collection('approvals')
      .insertOne(versionOneDocument('r-oldshape2:0') as never);
    const posts = slack.callsTo('chat.postMessage').length;
    const stored = await db.approvals.get('r-oldshape2:0');
    if (stored === null) throw new Error('the old record was not read');
    await publishApproval(decisions(), stored);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(posts);
  });

  it('are written by surface, with Slack’s card also where the previous version reads it', async () => {
    const deps = decisions();
    await publishApproval(deps, approvalAbout('r-newshape1', { channel: 'C0OPS' }));
    const doc = await db.connection
      .collection('approvals')
      .findOne({ _id: 'r-newshape1:0' as never });
    const posted = slack.callsTo('chat.postMessage').at(-1)?.response.body as {
      channel: string;
      ts: string;
    };
    const card = { channel: posted.channel, ts: posted.ts };
    expect(doc).toMatchObject({ schemaVersion: 2, cards: { slack: card }, card });
    expect((await db.approvals.get('r-newshape1:0'))?.cards).toEqual([
      { surface: 'slack', ref: card },
    ]);
  });
});
