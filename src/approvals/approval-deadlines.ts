import { SERVICE_ACTOR } from '../audit/audit-event';
import type { UsergroupDirectory } from '../policy/ports';
import { RunStatus, StepStatus } from '../runs/run';
import { formatDuration } from '../workflows/duration';
import { type ApprovalRecord, ApprovalStatus, deciders } from './approval';
import { approvalEvent } from './approval-events';
import { type DecideApprovalDeps, refusalText, settled, updateCard } from './decide-approval';

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

/** Shows the approval's current state on its card; throws while Slack refuses, so the job retries. */
async function refreshCard(deps: ApprovalDeadlineDeps, id: string): Promise<void> {
  const approval = await deps.approvals.get(id);
  if (approval !== null) await deps.notifier.updateCard(approval);
}

/**
 * Nobody decided in time: the approval is recorded as expired (never as a denial). With
 * `on_timeout: deny` the call is refused and the model told so; with `expire` the run ends expired.
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
  if (expired.kind === 'outcome_unknown') {
    // Nobody said what to do: the run keeps needing attention, and the card says it expired.
    await deps.audit.record(
      approvalEvent(expired, 'approval.expired', SERVICE_ACTOR, now, { kind: expired.kind }),
    );
    await updateCard(deps, expired);
    return;
  }
  if (expired.onTimeout === 'deny') {
    await settled(deps, expired);
    return;
  }
  await deps.audit.record(
    approvalEvent(expired, 'approval.expired', SERVICE_ACTOR, now, {
      note: expired.decisionNote ?? '',
      onTimeout: expired.onTimeout,
    }),
  );
  await deps.runs.settleStep(expired.runId, expired.step, StepStatus.AwaitingApproval, {
    status: StepStatus.Refused,
    error: refusalText(expired),
    finishedAt: now,
  });
  await deps.runs.transition(
    expired.runId,
    [RunStatus.AwaitingApproval, RunStatus.Running, RunStatus.Queued],
    RunStatus.Expired,
    now,
    {
      error: `the approval of call ${expired.step + 1} (${expired.tool}) expired: ${expired.decisionNote}`,
    },
  );
  // The worker announces the ended run (thread, headline), as for any final run.
  await deps.queue.requeueRun(expired.runId);
  await updateCard(deps, expired);
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
  if (users.length > 0) await deps.notifier.tellPrivately(users, approval, 'reminder');
}

/** The escalation people join the approvers (once) and are told; the card shows them. */
export async function escalateApproval(deps: ApprovalDeadlineDeps, id: string): Promise<void> {
  const approval = await deps.approvals.get(id);
  if (approval?.status !== ApprovalStatus.Pending) return;
  const run = await deps.runs.get(approval.runId);
  const to = run?.manifest.approval?.escalate_to;
  if (to === undefined) return;
  const escalated = await deps.approvals.escalate(
    id,
    { users: to.users ?? [], usergroups: to.usergroups ?? [] },
    deps.clock(),
  );
  if (escalated === null) return;
  await deps.audit.record(
    approvalEvent(escalated, 'approval.escalated', SERVICE_ACTOR, deps.clock(), {
      users: (to.users ?? []).join(','),
      usergroups: (to.usergroups ?? []).join(','),
    }),
  );
  await updateCard(deps, escalated);
  const told = await undecided(deps.groups, {
    ...escalated,
    approvers: { users: [], usergroups: [] },
  });
  if (told.length > 0) await deps.notifier.tellPrivately(told, escalated, 'escalation');
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
