import type { webApi } from '@slack/bolt';
import { approvalsWaitingFor } from '../approvals/waiting-for';
import { mayRevokeGrant } from '../gateway/grants';
import type { Grant } from '../gateway/ports';
import { appHomeView, HOME_APPROVALS, HOME_CALLS, HOME_GRANTS, HOME_RUNS } from './blocks/app-home';
import type { PendingCall } from './blocks/gateway-lists';
import type { CommandDeps } from './listeners/commands/deps';

type GatewayDeps = Pick<CommandDeps, 'decisions' | 'gateway' | 'admins' | 'clock'>;

/** Grants in force looked at for the ones an approver or admin may revoke. */
const GRANTS_SCANNED = 100;

/** `userId`'s gateway calls still waiting, newest first, each with its approval. */
export async function pendingCallsOf(deps: GatewayDeps, userId: string): Promise<PendingCall[]> {
  const calls = await deps.gateway.calls.openOf(userId, HOME_CALLS);
  const approvals = await Promise.all(calls.map((call) => deps.decisions.approvals.get(call.id)));
  // An open call whose approval ended (expired, decided) waits for its client, not for a person.
  return calls
    .map((call, n) => ({ call, approval: approvals[n] ?? null }))
    .filter(({ approval }) => approval === null || approval.status === 'pending');
}

/** Grants in force that `userId` may revoke: their own first, then those they approve for (or all, for an admin). */
export async function revocableGrants(deps: GatewayDeps, userId: string): Promise<Grant[]> {
  const now = deps.clock();
  const [own, all] = await Promise.all([
    deps.gateway.grants.activeOfUser(userId, now),
    deps.gateway.grants.active(now, GRANTS_SCANNED),
  ]);
  const others: Grant[] = [];
  for (const grant of all) {
    if (grant.userId === userId || others.length >= HOME_GRANTS) continue;
    const why = await mayRevokeGrant(
      { approvals: deps.decisions.approvals, groups: deps.decisions.groups, admins: deps.admins },
      grant,
      userId,
    );
    if (why === undefined) others.push(grant);
  }
  return [...own, ...others];
}

/**
 * Builds `userId`'s Home tab from the records as they stand (what waits for them, their runs) and
 * publishes it. Called when they open the tab, and after they decide from it.
 */
export async function publishAppHome(
  deps: Pick<CommandDeps, 'decisions' | 'runs' | 'clock' | 'gateway' | 'admins'>,
  client: webApi.WebClient,
  userId: string,
): Promise<void> {
  const [waiting, runs, calls, grants] = await Promise.all([
    approvalsWaitingFor(deps.decisions, userId, HOME_APPROVALS),
    deps.runs.recent({ requesterId: userId, limit: HOME_RUNS }),
    pendingCallsOf(deps, userId),
    revocableGrants(deps, userId),
  ]);
  await client.views.publish({
    user_id: userId,
    view: appHomeView({
      waiting: waiting.approvals,
      moreWaiting: waiting.more,
      unresolved: waiting.unresolved,
      runs,
      calls,
      grants,
      userId,
      at: deps.clock(),
    }),
  });
}

/** After a decision from Home: the decided item leaves it. A failure is logged; the decision stands. */
export async function republishAppHome(
  deps: Pick<CommandDeps, 'decisions' | 'runs' | 'clock' | 'log' | 'gateway' | 'admins'>,
  client: webApi.WebClient,
  userId: string,
): Promise<void> {
  try {
    await publishAppHome(deps, client, userId);
  } catch (error) {
    deps.log.warn({ err: error, user: userId }, 'could not update the Home tab after a decision');
  }
}
