/**
 * Grants: "approve for this session, for N minutes". A grant is given only by the click that
 * decided an approved session approval, for no longer than its workflow allows, and covers no
 * more than the card showed: the rule the call matched, or the exact call.
 */
import { type ApprovalRecord, ApprovalStatus, deciders } from '../approvals/approval';
import type { ApprovalRepository } from '../approvals/ports';
import type { AuditLog } from '../audit/ports';
import type { UsergroupDirectory } from '../policy/ports';
import type { Clock } from '../shared/clock';
import type { CallStore, Grant, GrantStore } from './ports';

export interface GrantDeps {
  grants: GrantStore;
  calls: CallStore;
  audit: AuditLog;
  clock: Clock;
}

/** How a card a grant made needless is closed: `covered by grant <id> (<covers>)`. */
export const COVERED_BY_GRANT = 'covered by grant';

/** What a grant of this approval covers, as its card says it: the rule, or the exact call. */
export const EXACT_CALL = 'this exact call';

export function grantCovers(approval: Pick<ApprovalRecord, 'session'>): string {
  return approval.session?.rule ?? EXACT_CALL;
}

/** The grant an approval gives is named for it: at most one grant per approval, however many clicks. */
export function grantIdOf(approvalId: string): string {
  return `gr_${approvalId.replace(/^gw_/, '')}`;
}

const GRANT_ID = /^gr_[0-9a-f]{32}\.(0|[1-9][0-9]{0,8})$/;

/** Whether `text` is shaped like an id {@link grantIdOf} makes (it may still name no grant). */
export function isGrantId(text: string): boolean {
  return GRANT_ID.test(text);
}

/** Whether an approval offers a grant of `durationMs`: a session approval whose workflow allows that long. */
export function offersGrant(
  approval: Pick<ApprovalRecord, 'session'>,
  durationMs: number,
): boolean {
  const max = approval.session?.grantMaxMs;
  return max !== undefined && Number.isInteger(durationMs) && durationMs > 0 && durationMs <= max;
}

export type GrantResult =
  | { outcome: 'granted'; grant: Grant }
  /** The approval is no session's, offers no grants, or not this long: a forged or stale button. */
  | { outcome: 'not_offered' }
  /** Not approved (yet): a grant takes effect only with the deciding approval. */
  | { outcome: 'not_approved' }
  | { outcome: 'unknown_call' };

/**
 * The grant `by` gives on an approved session approval, for `durationMs` from now; created once
 * (a repeated click finds the first) and audited as `grant.created`.
 */
export async function grantFromApproval(
  deps: GrantDeps,
  approval: ApprovalRecord,
  by: string,
  durationMs: number,
): Promise<GrantResult> {
  const session = approval.session;
  if (session === undefined || !offersGrant(approval, durationMs))
    return { outcome: 'not_offered' };
  if (approval.status !== ApprovalStatus.Approved) return { outcome: 'not_approved' };
  const id = grantIdOf(approval.id);
  const existing = await deps.grants.get(id);
  if (existing !== null) return { outcome: 'granted', grant: existing };
  const call = await deps.calls.get(approval.id);
  if (call === null) return { outcome: 'unknown_call' };
  const now = deps.clock();
  const grant: Grant = {
    id,
    workflow: approval.workflow,
    userId: call.userId,
    tokenId: session.tokenId,
    sessionId: session.sessionId,
    ...(session.rule ? { rule: session.rule } : { callHash: call.callHash }),
    covers: grantCovers(approval),
    approvalId: approval.id,
    grantedBy: by,
    createdAt: now,
    expiresAt: new Date(now.getTime() + durationMs),
  };
  await deps.grants.create(grant);
  const stored = (await deps.grants.get(id)) ?? grant;
  await deps.audit.record({
    type: 'grant.created',
    at: stored.createdAt,
    actor: stored.grantedBy,
    workflow: stored.workflow,
    details: {
      grantId: stored.id,
      approvalId: stored.approvalId,
      covers: stored.covers,
      userId: stored.userId,
      tokenId: stored.tokenId,
      session: stored.sessionId,
      expiresAt: stored.expiresAt.toISOString(),
    },
    key: `${stored.id}:created`,
  });
  return { outcome: 'granted', grant: stored };
}

export interface RevokeDeps {
  grants: GrantStore;
  approvals: Pick<ApprovalRepository, 'get'>;
  groups: UsergroupDirectory;
  /** COUNTERSIGN_ADMINS. */
  admins: ReadonlySet<string>;
  audit: AuditLog;
  clock: Clock;
}

export type RevokeRefusal = 'not_allowed' | 'unresolved';

/**
 * Whether `userId` may revoke the grant, or why not: the person it was given to, an approver of
 * the approval it came from (listed, in a listed user group, or added by escalation), or an admin.
 */
export async function mayRevokeGrant(
  deps: Pick<RevokeDeps, 'approvals' | 'groups' | 'admins'>,
  grant: Grant,
  userId: string,
): Promise<RevokeRefusal | undefined> {
  if (grant.userId === userId || deps.admins.has(userId)) return undefined;
  const approval = await deps.approvals.get(grant.approvalId);
  if (approval === null) return 'not_allowed';
  const people = deciders(approval);
  if (people.users.includes(userId)) return undefined;
  let unresolved = false;
  for (const group of people.usergroups) {
    try {
      if ((await deps.groups.members(group)).has(userId)) return undefined;
    } catch {
      unresolved = true;
    }
  }
  return unresolved ? 'unresolved' : 'not_allowed';
}

export type RevokeResult =
  | { outcome: 'revoked'; grant: Grant }
  | { outcome: 'unknown' }
  /** Revoked already, or expired: it covers nothing any more. */
  | { outcome: 'ended'; grant: Grant }
  | { outcome: 'refused'; why: RevokeRefusal; grant: Grant };

/** Revokes the grant for `by` if they may (a refusal is audited), once, audited as `grant.revoked`. */
export async function revokeGrant(deps: RevokeDeps, id: string, by: string): Promise<RevokeResult> {
  const grant = await deps.grants.get(id);
  if (grant === null) return { outcome: 'unknown' };
  const now = deps.clock();
  const why = await mayRevokeGrant(deps, grant, by);
  if (why !== undefined) {
    await deps.audit.record({
      type: 'grant.refused',
      at: now,
      actor: by,
      workflow: grant.workflow,
      details: { grantId: grant.id, approvalId: grant.approvalId, action: 'revoke', why },
    });
    return { outcome: 'refused', why, grant };
  }
  if (grant.revokedAt !== undefined || grant.expiresAt <= now) return { outcome: 'ended', grant };
  const revoked = await deps.grants.revoke(id, by, now);
  if (revoked === null) {
    const current = await deps.grants.get(id);
    return { outcome: 'ended', grant: current ?? grant };
  }
  await deps.audit.record({
    type: 'grant.revoked',
    at: now,
    actor: by,
    workflow: revoked.workflow,
    details: {
      grantId: revoked.id,
      covers: revoked.covers,
      userId: revoked.userId,
      session: revoked.sessionId,
      expiresAt: revoked.expiresAt.toISOString(),
    },
    key: `${revoked.id}:revoked`,
  });
  return { outcome: 'revoked', grant: revoked };
}
