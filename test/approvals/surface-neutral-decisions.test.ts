import { answerApprover } from '../../src/approvals/answer-approver';
import { handleApprovalDeadline } from '../../src/approvals/approval-deadlines';
import { publishApproval } from '../../src/approvals/request-approval';
import { approvalAbout, inMemoryDecisions } from '../support/in-memory-approvals';

/**
 * Decisions through approvals/ alone, on in-memory ports: two surfaces side by side, and a subject
 * that is no run. What each port was sent is the specification.
 */
describe('deciding an approval on any surface, without Slack or a run', () => {
  async function published(fields: Parameters<typeof approvalAbout>[1] = {}) {
    const world = inMemoryDecisions();
    const approval = await publishApproval(world.deps, approvalAbout('gw-1', fields));
    return { ...world, approval };
  }

  it('posts the card on every surface once, records each, and schedules the deadlines', async () => {
    const { deps, surfaces, approval, audit } = await published();
    expect(approval.cards).toEqual([
      { surface: 'chat', ref: { card: 'chat-1' } },
      { surface: 'web', ref: { card: 'web-1' } },
    ]);
    await publishApproval(deps, approvalAbout('gw-1'));
    expect(surfaces.map((surface) => surface.posted.length)).toEqual([1, 1]);
    expect((await deps.approvals.get('gw-1:0'))?.cards).toHaveLength(2);
    // Repeated after a crash: the same audit key (the log keeps it once), the same deadlines.
    expect(new Set(audit.map((event) => event.key))).toEqual(new Set(['gw-1:0:requested']));
    expect(deps.timers.scheduled).toEqual(['gw-1:0', 'gw-1:0']);
  });

  it('an approval short of its quorum updates every card and concludes nothing; the last one concludes once', async () => {
    const { deps, surfaces } = await published({ required: 2 });
    const card = { approvalId: 'gw-1:0', binding: approvalAbout('gw-1').binding };
    const first = await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'approve' });
    expect(first).toMatchObject({ outcome: 'recorded', approval: { status: 'pending' } });
    expect(deps.subject.concludedWith).toEqual([]);
    const again = await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'approve' });
    expect(again.outcome).toBe('already');
    const last = await answerApprover(deps, { ...card, userId: 'U0SRE', choice: 'approve' });
    expect(last).toMatchObject({ outcome: 'recorded', approval: { status: 'approved' } });
    expect(deps.subject.concludedWith).toEqual([{ id: 'gw-1:0', status: 'approved' }]);
    for (const surface of surfaces) {
      expect(surface.updates.map((update) => [update.status, update.votes])).toEqual([
        ['pending', 1],
        ['approved', 2],
      ]);
    }
  });

  it('a deny without a reason decides nothing and asks for one; with it, the denial concludes and a later approver is told who denied', async () => {
    const { deps, surfaces } = await published();
    const card = { approvalId: 'gw-1:0', binding: approvalAbout('gw-1').binding };
    const asked = await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'deny' });
    expect(asked).toMatchObject({ outcome: 'reason_needed', approval: { status: 'pending' } });
    expect(surfaces[0]?.updates).toEqual([]);
    await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'deny', reason: 'not now' });
    expect(deps.subject.concludedWith).toEqual([{ id: 'gw-1:0', status: 'denied' }]);
    const late = await answerApprover(deps, { ...card, userId: 'U0SRE', choice: 'approve' });
    expect(late).toMatchObject({
      outcome: 'already',
      approval: { status: 'denied', decidedBy: 'U0LEAD', decisionNote: 'not now' },
    });
  });

  it('refuses, and audits, a card of another call, someone not an approver, and the requester', async () => {
    const { deps, audit } = await published();
    const card = { approvalId: 'gw-1:0', binding: approvalAbout('gw-1').binding };
    const forged = await answerApprover(deps, {
      ...card,
      binding: '0'.repeat(64),
      userId: 'U0LEAD',
      choice: 'approve',
    });
    expect(forged.outcome).toBe('mismatch');
    const stranger = await answerApprover(deps, { ...card, userId: 'U0EVE', choice: 'approve' });
    expect(stranger).toMatchObject({ outcome: 'not_allowed', why: 'not_an_approver' });
    const own = await answerApprover(deps, { ...card, userId: 'U0AGENT', choice: 'approve' });
    expect(own).toMatchObject({ outcome: 'not_allowed', why: 'own_run' });
    const refused = audit.filter((event) => event.type === 'approval.refused');
    expect(refused.map((event) => event.details?.why)).toEqual([
      'binding_mismatch',
      'not_an_approver',
      'own_run',
    ]);
    expect(deps.subject.concludedWith).toEqual([]);
  });

  it('closes the approval of a subject that ended, as cancelled by whoever ended it, and shows it on the cards', async () => {
    const { deps, surfaces } = await published();
    const ended = new Date('2026-03-03T09:59:30Z');
    deps.subject.standingNow = {
      state: 'ended',
      by: 'U0OPS',
      at: ended,
      note: 'the session ended',
    };
    const card = { approvalId: 'gw-1:0', binding: approvalAbout('gw-1').binding };
    const answer = await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'approve' });
    expect(answer).toMatchObject({
      outcome: 'already',
      approval: { status: 'cancelled', decidedBy: 'U0OPS', decisionNote: 'the session ended' },
    });
    expect(surfaces.map((surface) => surface.updates.at(-1)?.status)).toEqual([
      'cancelled',
      'cancelled',
    ]);
    expect(deps.subject.concludedWith).toEqual([]);
  });

  it('decides nothing while the subject is not waiting, and says where it is', async () => {
    const { deps } = await published();
    deps.subject.standingNow = { state: 'not_waiting', status: 'starting' };
    const card = { approvalId: 'gw-1:0', binding: approvalAbout('gw-1').binding };
    const answer = await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'approve' });
    expect(answer).toMatchObject({ outcome: 'not_waiting', status: 'starting' });
    expect((await deps.approvals.get('gw-1:0'))?.status).toBe('pending');
  });

  it('keeps the decision when one surface refuses the update: the others show it, the queue retries it', async () => {
    const { deps, surfaces } = await published();
    const [chat, web] = surfaces;
    if (chat === undefined || web === undefined) throw new Error('two surfaces expected');
    chat.refuseUpdates = true;
    const card = { approvalId: 'gw-1:0', binding: approvalAbout('gw-1').binding };
    const answer = await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'approve' });
    expect(answer).toMatchObject({ outcome: 'recorded', approval: { status: 'approved' } });
    expect(web.updates.map((update) => update.status)).toEqual(['approved']);
    expect(deps.timers.retried).toEqual([{ id: 'gw-1:0', status: 'approved' }]);

    chat.refuseUpdates = false;
    await handleApprovalDeadline(deps, 'gw-1:0', 'card');
    expect(chat.updates.map((update) => update.status)).toEqual(['approved']);
  });

  it('hands an outcome question’s choice to the subject, with who chose', async () => {
    const { deps, surfaces } = await published({ id: 'gw-1:0:outcome', kind: 'outcome_unknown' });
    const card = { approvalId: 'gw-1:0:outcome', binding: approvalAbout('gw-1').binding };
    const wrong = await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'approve' });
    expect(wrong.outcome).toBe('wrong_kind');
    const answer = await answerApprover(deps, { ...card, userId: 'U0LEAD', choice: 'retry' });
    expect(answer).toMatchObject({
      outcome: 'recorded',
      approval: { status: 'approved', decisionNote: 'Retry' },
    });
    expect(deps.subject.chosenWith).toEqual([
      { id: 'gw-1:0:outcome', choice: 'retry', by: 'U0LEAD' },
    ]);
    expect(surfaces[1]?.updates.map((update) => update.status)).toEqual(['approved']);
  });

  it('expires with on_timeout deny as a denial would settle, and escalates to whom the subject names, on every surface', async () => {
    const { deps, surfaces, audit } = await published({ onTimeout: 'deny' });
    deps.subject.escalateTo = { users: ['U0BOSS'], usergroups: [] };
    await handleApprovalDeadline(deps, 'gw-1:0', 'escalate');
    expect(surfaces.map((surface) => surface.told)).toEqual([
      [{ users: ['U0BOSS'], what: 'escalation' }],
      [{ users: ['U0BOSS'], what: 'escalation' }],
    ]);
    await handleApprovalDeadline(deps, 'gw-1:0', 'expire');
    expect(deps.subject.concludedWith).toEqual([{ id: 'gw-1:0', status: 'expired' }]);
    expect(audit.map((event) => event.type)).toEqual([
      'approval.requested',
      'approval.escalated',
      'approval.expired',
    ]);
    expect(surfaces[0]?.updates.map((update) => update.status)).toEqual(['pending', 'expired']);
  });
});
