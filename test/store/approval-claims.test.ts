import { type ApprovalRecord, ApprovalStatus } from '../../src/approvals/approval';
import { type Database, openDatabase } from '../../src/store/database';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const approval = (id: string, required: number): ApprovalRecord => ({
  id,
  runId: id.split(':')[0] as string,
  step: 0,
  workflow: 'demo',
  kind: 'call',
  tool: 'restart',
  args: '{}',
  risk: 'high',
  binding: 'b'.repeat(64),
  manifestHash: 'm'.repeat(64),
  requesterId: 'U0DEV',
  approvers: { users: [], usergroups: [] },
  required,
  allowSelfApproval: false,
  onTimeout: 'expire',
  channel: 'C0OPS',
  status: ApprovalStatus.Pending,
  approvals: [],
  createdAt: new Date(),
  expiresAt: new Date(Date.now() + 60_000),
});

const users = (count: number) => Array.from({ length: count }, (_, n) => `U0R${n}`);

describe('approval decisions under racing writers, on the real database', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase(testMongoUri(uniqueName('claims')), {
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
    });
  });
  afterAll(async () => {
    await db.connection.dropDatabase();
    await db.close();
  });

  it('ends an approval exactly once when 30 deniers, expiries and cancels race', async () => {
    await db.approvals.createOnce(approval('r-claims01:0', 1));
    const statuses = [ApprovalStatus.Denied, ApprovalStatus.Expired, ApprovalStatus.Cancelled];
    const results = await Promise.all(
      users(30).map((user, n) =>
        db.approvals.close('r-claims01:0', statuses[n % 3] as never, user, new Date(), 'race'),
      ),
    );
    const winners = results.filter((result) => result !== null);
    expect(winners).toHaveLength(1);
    const stored = await db.approvals.get('r-claims01:0');
    expect(stored?.status).toBe(winners[0]?.status);
    expect(stored?.decidedBy).toBe(winners[0]?.decidedBy);
  });

  it('counts one vote per user and decides a quorum of 2 once, with 20 voters at once', async () => {
    await db.approvals.createOnce(approval('r-claims02:0', 2));
    const voters = [...users(20), ...users(20)]; // each clicks twice
    const results = await Promise.all(
      voters.map((user) => db.approvals.addVote('r-claims02:0', user, new Date())),
    );
    expect(results.filter((result) => result.counted)).toHaveLength(2);
    expect(results.filter((result) => result.decided)).toHaveLength(1);
    const stored = await db.approvals.get('r-claims02:0');
    expect(stored?.status).toBe('approved');
    expect(stored?.approvals).toHaveLength(2);
    expect(new Set(stored?.approvals.map((vote) => vote.userId)).size).toBe(2);
    expect(stored?.approvals.map((vote) => vote.userId)).toContain(stored?.decidedBy);
  });

  it('lets a denial that comes first win over the vote that would have filled the quorum', async () => {
    await db.approvals.createOnce(approval('r-claims03:0', 2));
    expect((await db.approvals.addVote('r-claims03:0', 'U0A', new Date())).counted).toBe(true);
    expect(
      await db.approvals.close('r-claims03:0', 'denied', 'U0B', new Date(), 'no'),
    ).not.toBeNull();
    const late = await db.approvals.addVote('r-claims03:0', 'U0C', new Date());
    expect(late.counted).toBe(false);
    expect(late.approval.status).toBe('denied');
  });
});
