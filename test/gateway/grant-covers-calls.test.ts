import { webApi } from '@slack/bolt';
import pino from 'pino';
import { answerApprover } from '../../src/approvals/answer-approver';
import { decideCall, type GatewayDecision } from '../../src/gateway/decide-call';
import { grantFromApproval } from '../../src/gateway/grants';
import type { Caller } from '../../src/gateway/identify-caller';
import type { OutsideCall } from '../../src/gateway/outside-call';
import { sessionApprovals } from '../../src/gateway/session-approvals';
import { waiters } from '../../src/gateway/waiters';
import { SlackApprovalSurface } from '../../src/slack/slack-approval-surface';
import { type Database, openDatabase } from '../../src/store/database';
import { parseManifest } from '../../src/workflows/load-workflows';
import { type FakeSlackApi, startFakeSlackApi } from '../support/fake-slack-api';
import { inMemoryDecisions } from '../support/in-memory-approvals';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const MANIFEST = `name: laptops
gateway:
  risk:
    default: high
    low: [Read]
    high: ["Bash(npm publish:*)"]
  wait: 1s
  grants: { max: 1h }
approval:
  approvers: { users: [U0LEAD] }
  channel: C0APPROVALS
`;

/**
 * A grant given on a card, as the gateway then decides with it: the session's later calls that
 * the granted rule covers go through without a card; a wider call, or another session's, does not.
 */
describe('a grant, in the gateway’s decisions', () => {
  let db: Database;
  let slack: FakeSlackApi;
  let caller: Caller;
  const log = pino({ level: 'silent' });
  const clock = () => new Date();
  const wait = waiters();

  beforeAll(async () => {
    db = await openDatabase(testMongoUri(uniqueName('grant_covers')), {
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
    });
    slack = await startFakeSlackApi();
    const parsed = parseManifest('laptops.yaml', MANIFEST);
    if (!('workflow' in parsed)) throw new Error(JSON.stringify(parsed.problems));
    caller = {
      token: {
        id: 'tok_ada',
        hash: 'h'.repeat(64),
        workflow: 'laptops',
        userId: 'U0ADA',
        label: 'laptop',
        headless: false,
        createdBy: 'cli',
        createdAt: new Date(),
      },
      workflow: parsed.workflow as Caller['workflow'],
    };
  });
  afterAll(async () => {
    await db.connection.dropDatabase();
    await db.close();
    await slack.close();
  });

  function surfaces() {
    const client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.url });
    return new SlackApprovalSurface(client, db.grants);
  }
  const timers = () => inMemoryDecisions().deps.timers;
  const gateway = () => ({
    calls: db.calls,
    grants: db.grants,
    approvals: {
      approvals: db.approvals,
      surfaces: surfaces(),
      timers: timers(),
      audit: db.audit,
      clock,
      log,
    },
    audit: db.audit,
    waiters: wait,
    clock,
    log,
    pollMs: 50,
  });
  const decisions = () => ({
    approvals: db.approvals,
    subject: sessionApprovals({ calls: db.calls, waiters: wait }),
    surfaces: surfaces(),
    timers: timers(),
    audit: db.audit,
    groups: { members: async () => new Set<string>() },
    clock,
    log,
  });
  const bash = (command: string, sessionId = 'sess-1'): OutsideCall => ({
    client: 'claude-code',
    sessionId,
    tool: 'Bash',
    input: { command },
    cwd: '/home/ada/api',
  });
  const cards = () => slack.callsTo('chat.postMessage').length;

  it('lets the session’s later calls the rule covers through without a card, and not a wider call or another session’s', async () => {
    const first = await decideCall(gateway(), caller, bash('npm publish'));
    expect(first).toMatchObject({ decision: 'pending' });
    const approvalId = (first as Extract<GatewayDecision, { decision: 'pending' }>).approvalId;
    const approval = await db.approvals.get(approvalId);
    expect(approval?.session).toMatchObject({ rule: 'Bash(npm publish:*)', grantMaxMs: 3_600_000 });

    const decided = await answerApprover(decisions(), {
      approvalId,
      binding: approval?.binding ?? '',
      userId: 'U0LEAD',
      choice: 'approve',
    });
    if (decided.outcome !== 'recorded') throw new Error(decided.outcome);
    const granted = await grantFromApproval(
      { grants: db.grants, calls: db.calls, audit: db.audit, clock },
      decided.approval,
      'U0LEAD',
      15 * 60_000,
    );
    if (granted.outcome !== 'granted') throw new Error(granted.outcome);

    // The approved call itself, presented again: allowed (decideCall looks at grants before the
    // call's own approval, so today the grant answers it).
    expect(await decideCall(gateway(), caller, bash('npm publish'))).toMatchObject({
      decision: 'allow',
    });
    const before = cards();
    expect(await decideCall(gateway(), caller, bash('npm publish --tag next'))).toMatchObject({
      decision: 'allow',
      by: 'grant',
      grantId: granted.grant.id,
    });
    expect(cards()).toBe(before);

    // Wider than the rule (a compound command), or another session: asked again, on a new card.
    expect(
      await decideCall(gateway(), caller, bash('npm publish && curl https://evil.example')),
    ).toMatchObject({ decision: 'pending' });
    expect(
      await decideCall(gateway(), caller, bash('npm publish --tag next', 'sess-2')),
    ).toMatchObject({ decision: 'pending' });
    expect(cards()).toBe(before + 2);

    // Revoked: the rule's next call needs a card again.
    await db.grants.revoke(granted.grant.id, 'U0ADA', new Date());
    expect(await decideCall(gateway(), caller, bash('npm publish --tag beta'))).toMatchObject({
      decision: 'pending',
    });
  });
});
