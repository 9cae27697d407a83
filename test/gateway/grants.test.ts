import { type ApprovalRecord, approvalBinding } from '../../src/approvals/approval';
import {
  EXACT_CALL,
  grantFromApproval,
  grantIdOf,
  mayRevokeGrant,
  revokeGrant,
} from '../../src/gateway/grants';
import { callIdOf } from '../../src/gateway/outside-call';
import type { GatewayCall } from '../../src/gateway/ports';
import type { UsergroupDirectory } from '../../src/policy/ports';
import { type Database, openDatabase } from '../../src/store/database';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const MINUTE = 60_000;
const groups: UsergroupDirectory = {
  async members(group: string) {
    if (group === 'S0DOWN') throw new Error('Slack did not answer');
    return new Set(group === 'S0SRE' ? ['U0SRE'] : []);
  },
};

/** Grants given and revoked on the real database, with the audit log they write. */
describe('grants: approve for this session', () => {
  let db: Database;
  const now = new Date('2026-03-03T10:00:00Z');
  const clock = () => now;
  let calls = 0;

  beforeAll(async () => {
    db = await openDatabase(testMongoUri(uniqueName('grants')), {
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
    });
  });
  afterAll(async () => {
    await db.connection.dropDatabase();
    await db.close();
  });

  const deps = () => ({ grants: db.grants, calls: db.calls, audit: db.audit, clock });
  const revokeDeps = () => ({
    grants: db.grants,
    approvals: db.approvals,
    groups,
    admins: new Set(['U0ADMIN']),
    audit: db.audit,
    clock,
  });
  const events = (type: string) =>
    db.connection.collection('audit_events').find({ type }).sort({ seq: 1 }).toArray();

  /** A gateway call of U0ADA's session, and its approval (one approver, grants up to an hour). */
  async function pendingCall(session: Partial<NonNullable<ApprovalRecord['session']>> = {}) {
    calls += 1;
    const callHash = calls.toString(16).padEnd(64, 'c');
    const id = callIdOf(callHash, 0);
    const call: GatewayCall = {
      id,
      callHash,
      generation: 0,
      workflow: 'laptops',
      tokenId: 'tok_1',
      userId: 'U0ADA',
      sessionId: `sess-${calls}`,
      tool: 'Bash',
      input: '{"command":"npm publish"}',
      createdAt: now,
    };
    await db.calls.createOnce(call);
    const fields = {
      tool: call.tool,
      args: call.input,
      manifestHash: 'm'.repeat(64),
    };
    const approval = await db.approvals.createOnce({
      id,
      runId: id,
      step: 0,
      workflow: 'laptops',
      kind: 'call',
      ...fields,
      risk: 'high',
      binding: approvalBinding(fields),
      requesterId: 'U0ADA',
      approvers: { users: ['U0LEAD'], usergroups: ['S0SRE', 'S0DOWN'] },
      required: 1,
      allowSelfApproval: false,
      onTimeout: 'expire',
      channel: 'C0APPROVALS',
      status: 'pending',
      approvals: [],
      createdAt: now,
      expiresAt: new Date(now.getTime() + 30 * MINUTE),
      session: {
        sessionId: call.sessionId,
        tokenId: 'tok_1',
        client: 'claude-code',
        rule: 'Bash(npm publish:*)',
        grantMaxMs: 60 * MINUTE,
        ...session,
      },
    });
    return { call, approval };
  }

  async function approved(session: Partial<NonNullable<ApprovalRecord['session']>> = {}) {
    const { call, approval } = await pendingCall(session);
    const voted = await db.approvals.addVote(approval.id, 'U0LEAD', now);
    return { call, approval: voted.approval };
  }

  it('gives the deciding approver a grant of the rule the call matched, for the length asked, once, audited', async () => {
    const { approval, call } = await approved();
    expect(approval.status).toBe('approved');
    const given = await grantFromApproval(deps(), approval, 'U0LEAD', 15 * MINUTE);
    expect(given).toEqual({
      outcome: 'granted',
      grant: expect.objectContaining({
        id: grantIdOf(approval.id),
        userId: 'U0ADA',
        tokenId: 'tok_1',
        sessionId: call.sessionId,
        rule: 'Bash(npm publish:*)',
        covers: 'Bash(npm publish:*)',
        grantedBy: 'U0LEAD',
        expiresAt: new Date(now.getTime() + 15 * MINUTE),
      }),
    });
    // A second click (or a retry after a crash) finds the first grant; nothing is made longer.
    const again = await grantFromApproval(deps(), approval, 'U0LEAD', 60 * MINUTE);
    expect(again).toEqual(given);
    expect(await db.grants.activeFor({ tokenId: 'tok_1', sessionId: call.sessionId }, now)).toEqual(
      [given.outcome === 'granted' ? given.grant : undefined],
    );
    const created = await events('grant.created');
    expect(created.filter((event) => event.details.approvalId === approval.id)).toEqual([
      expect.objectContaining({
        actor: 'U0LEAD',
        workflow: 'laptops',
        details: expect.objectContaining({
          covers: 'Bash(npm publish:*)',
          session: call.sessionId,
        }),
      }),
    ]);
  });

  it('covers the exact call, by its hash, when the call matched no rule', async () => {
    const { approval, call } = await approved({ rule: undefined });
    const given = await grantFromApproval(deps(), approval, 'U0LEAD', 10 * MINUTE);
    expect(given).toMatchObject({
      outcome: 'granted',
      grant: { covers: EXACT_CALL, callHash: call.callHash },
    });
    expect(given.outcome === 'granted' ? given.grant.rule : 'no grant').toBeUndefined();
  });

  it('gives nothing for an approval still short of its decision, longer than grants.max, or without grants', async () => {
    const { approval: pending } = await pendingCall();
    expect(await grantFromApproval(deps(), pending, 'U0LEAD', 15 * MINUTE)).toEqual({
      outcome: 'not_approved',
    });
    const { approval } = await approved();
    expect(await grantFromApproval(deps(), approval, 'U0LEAD', 61 * MINUTE)).toEqual({
      outcome: 'not_offered',
    });
    expect(await grantFromApproval(deps(), approval, 'U0LEAD', 0)).toEqual({
      outcome: 'not_offered',
    });
    const { approval: noGrants } = await approved({ grantMaxMs: undefined });
    expect(await grantFromApproval(deps(), noGrants, 'U0LEAD', MINUTE)).toEqual({
      outcome: 'not_offered',
    });
    expect(await db.grants.get(grantIdOf(approval.id))).toBeNull();
  });

  it('lists a person’s grants in force, not expired ones; a revoked grant covers nothing and is revoked once', async () => {
    const { approval, call } = await approved();
    const given = await grantFromApproval(deps(), approval, 'U0LEAD', 15 * MINUTE);
    if (given.outcome !== 'granted') throw new Error('no grant');
    const ids = async (at: Date) => (await db.grants.activeOfUser('U0ADA', at)).map((g) => g.id);
    expect(await ids(now)).toContain(given.grant.id);
    expect(await ids(new Date(now.getTime() + 16 * MINUTE))).not.toContain(given.grant.id);
    const revoked = await revokeGrant(revokeDeps(), given.grant.id, 'U0ADA');
    expect(revoked).toMatchObject({ outcome: 'revoked', grant: { revokedBy: 'U0ADA' } });
    expect(await ids(now)).not.toContain(given.grant.id);
    expect(await db.grants.activeFor({ tokenId: 'tok_1', sessionId: call.sessionId }, now)).toEqual(
      [],
    );
    expect(await revokeGrant(revokeDeps(), given.grant.id, 'U0ADA')).toMatchObject({
      outcome: 'ended',
    });
    const audited = (await events('grant.revoked')).filter(
      (event) => event.details.grantId === given.grant.id,
    );
    expect(audited).toHaveLength(1);
  });

  it('revokes once, audited once, under 12 racing revokes (FerretDB applies no conditional update atomically)', async () => {
    const { approval } = await approved();
    const given = await grantFromApproval(deps(), approval, 'U0LEAD', 15 * MINUTE);
    if (given.outcome !== 'granted') throw new Error('no grant');
    const revokers = ['U0ADA', 'U0LEAD', 'U0ADMIN'];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        revokeGrant(revokeDeps(), given.grant.id, revokers[n % 3] as string),
      ),
    );
    const won = results.filter((result) => result.outcome === 'revoked');
    expect(won).toHaveLength(1);
    const stored = await db.grants.get(given.grant.id);
    expect(stored?.revokedAt).toBeDefined();
    expect(stored?.revokedBy).toBe((won[0] as { grant: { revokedBy: string } }).grant.revokedBy);
    const audited = (await events('grant.revoked')).filter(
      (event) => event.details.grantId === given.grant.id,
    );
    expect(audited).toHaveLength(1);
  });

  it('lets the person, an approver (listed or in a group) or an admin revoke; refuses, and audits, anyone else', async () => {
    const { approval } = await approved();
    const given = await grantFromApproval(deps(), approval, 'U0LEAD', 15 * MINUTE);
    if (given.outcome !== 'granted') throw new Error('no grant');
    const may = (user: string) => mayRevokeGrant(revokeDeps(), given.grant, user);
    expect(await may('U0ADA')).toBeUndefined();
    expect(await may('U0LEAD')).toBeUndefined();
    expect(await may('U0SRE')).toBeUndefined();
    expect(await may('U0ADMIN')).toBeUndefined();
    // S0DOWN could not be read: not guessed either way.
    expect(await may('U0EVE')).toBe('unresolved');
    const refused = await revokeGrant(revokeDeps(), given.grant.id, 'U0EVE');
    expect(refused).toMatchObject({ outcome: 'refused' });
    expect((await db.grants.get(given.grant.id))?.revokedAt).toBeUndefined();
    const audited = (await events('grant.refused')).filter(
      (event) => event.details.grantId === given.grant.id,
    );
    expect(audited).toEqual([
      expect.objectContaining({
        actor: 'U0EVE',
        details: expect.objectContaining({ action: 'revoke' }),
      }),
    ]);
    expect(await revokeGrant(revokeDeps(), given.grant.id, 'U0SRE')).toMatchObject({
      outcome: 'revoked',
    });
  });
});
