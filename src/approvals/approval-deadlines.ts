import { type AuditDetail, SERVICE_ACTOR } from '../audit/audit-event';
import type { UsergroupDirectory } from '../policy/ports';
import { formatDuration } from '../workflows/duration';
import { type ApprovalRecord, ApprovalStatus, deciders } from './approval';
import { refreshCards, showOnCards, tellApprovers } from './approval-cards';
import { approvalEvent } from './approval-events';
import { type DecideApprovalDeps, settled } from './decide-approval';

export type ApprovalDeadlineDeps = Omit<DecideApprovalDeps, 'groups'> & {
  /** To find the members of approver groups, who get reminders; a group that fails is skipped. */
  groups: UsergroupDirectory;
};

/** The deadlines of an approval, each handled once however many workers see it. */
export type ApprovalDeadline = 'expire' | 'remind' | 'escalate' | 'card';

export async function handleApprovalDeadline(
  deps: ApprovalDeadlineDeps,
  approvalId: string,
  deadline: ApprovalDeadline,
): Promise<void> {
  if (deadline === 'expire') await expireApproval(deps, approvalId);
  else if (deadline === 'remind') await remindApprovers(deps, approvalId);
  else if (deadline === 'escalate') await escalateApproval(deps, approvalId);
  else await refreshCard(deps, approvalId);
}

/** Shows the approval's current state on its cards; throws while a surface refuses, so the job retries. */
async function refreshCard(deps: ApprovalDeadlineDeps, id: string): Promise<void> {
  const approval = await deps.approvals.get(id);
  if (approval !== null) await refreshCards(deps.surfaces, approval);
}

/**
 * Nobody decided in time: the approval is recorded as expired (never as a denial). With
 * `on_timeout: deny` it is settled as a denial would be; with `expire` its subject hears it expired
 * (a run then ends expired).
 */
export async function expireApproval(deps: ApprovalDeadlineDeps, id: string): Promise<void> {
  const pending = await deps.approvals.get(id);
  if (pending?.status !== ApprovalStatus.Pending) return;
  const now = deps.clock();
  const waited = formatDuration(pending.expiresAt.getTime() - pending.createdAt.getTime());
  const expired = await deps.approvals.close(
    id,
    ApprovalStatus.Expired,
    SERVICE_ACTOR,
    now,
    `no decision within ${waited}`,
  );
  if (expired === null) return; // decided meanwhile
  if (expired.kind === 'call' && expired.onTimeout === 'deny') {
    await settled(deps, expired);
    return;
  }
  // An outcome question that expires leaves its subject as it is (the run keeps needing attention).
  const details: Record<string, AuditDetail> =
    expired.kind === 'outcome_unknown'
      ? { kind: expired.kind }
      : { note: expired.decisionNote ?? '', onTimeout: expired.onTimeout };
  await deps.audit.record(approvalEvent(expired, 'approval.expired', SERVICE_ACTOR, now, details));
  await deps.subject.concluded(expired);
  await showOnCards(deps, expired);
}

/** Approvers who have not decided get a direct message with a link to the card, once. */
export async function remindApprovers(deps: ApprovalDeadlineDeps, id: string): Promise<void> {
  const approval = await deps.approvals.get(id);
  if (approval?.status !== ApprovalStatus.Pending) return;
  if (!(await deps.approvals.markReminded(id, deps.clock()))) return;
  const users = await undecided(deps.groups, approval);
  await deps.audit.record(
    approvalEvent(approval, 'approval.reminded', SERVICE_ACTOR, deps.clock(), {
      users: users.join(','),
    }),
  );
  if (users.length > 0) await tellApprovers(deps.surfaces, users, approval, 'reminder');
}

/** The escalation people join the approvers (once) and are told; the card shows them. */
export async function escalateApproval(deps: ApprovalDeadlineDeps, id: string): Promise<void> {
  const approval = await deps.approvals.get(id);
  if (approval?.status !== ApprovalStatus.Pending) return;
  const to = await deps.subject.escalation(approval);
  if (to === undefined) return;
  const escalated = await deps.approvals.escalate(id, to, deps.clock());
  if (escalated === null) return;
  await deps.audit.record(
    approvalEvent(escalated, 'approval.escalated', SERVICE_ACTOR, deps.clock(), {
      users: to.users.join(','),
      usergroups: to.usergroups.join(','),
    }),
  );
  await showOnCards(deps, escalated);
  const told = await undecided(deps.groups, {
    ...escalated,
    approvers: { users: [], usergroups: [] },
  });
  if (told.length > 0) await tellApprovers(deps.surfaces, told, escalated, 'escalation');
}

/** The people who may decide and have not, user groups expanded where Slack can say. */
async function undecided(groups: UsergroupDirectory, approval: ApprovalRecord): Promise<string[]> {
  const people = deciders(approval);
  const users = new Set(people.users);
  for (const group of people.usergroups) {
    try {
      for (const member of await groups.members(group)) users.add(member);
    } catch {
      // A group Slack cannot list now gets no reminder; the card still names it.
    }
  }
  for (const vote of approval.approvals) users.delete(vote.userId);
  if (!approval.allowSelfApproval) users.delete(approval.requesterId);
  return [...users];
}
