import type { WorkflowManifest } from '../workflows/manifest-schema';
import type { UsergroupDirectory } from './ports';

export interface StartRequester {
  userId: string;
  channelId: string;
}

/** How group memberships are looked up while a slash command waits for its answer. */
export interface GroupLookup {
  directory: UsergroupDirectory;
  /** Past this, the groups that have not answered count as unresolved. */
  timeoutMs: number;
}

export type AccessDecision =
  | { allowed: true }
  | { allowed: false; reason: 'not_allowed' }
  /** Only the user groups could have granted access, and at least one could not be looked up. */
  | { allowed: false; reason: 'access_unresolved'; error: string };

const ALLOWED: AccessDecision = { allowed: true };
const NOT_ALLOWED: AccessDecision = { allowed: false, reason: 'not_allowed' };

/**
 * Whether a user may start a workflow from a channel: any listed user, channel or user group
 * matches; no `access` block means everyone. Users and channels are checked first, without I/O;
 * the groups are looked up only when they are the last chance, all at once, within
 * `groups.timeoutMs`. A group that cannot be looked up grants nothing (deny by default).
 */
export async function mayStartWorkflow(
  manifest: WorkflowManifest,
  requester: StartRequester,
  groups: GroupLookup,
): Promise<AccessDecision> {
  const access = manifest.access;
  if (access === undefined) return ALLOWED;
  if (
    (access.users ?? []).includes(requester.userId) ||
    (access.channels ?? []).includes(requester.channelId)
  ) {
    return ALLOWED;
  }
  const usergroups = access.usergroups ?? [];
  if (usergroups.length === 0) return NOT_ALLOWED;
  return anyGroupHas(requester.userId, usergroups, groups);
}

/** Allowed as soon as one group lists the user; unresolved if none does and one failed or is late. */
function anyGroupHas(
  userId: string,
  usergroups: readonly string[],
  { directory, timeoutMs }: GroupLookup,
): Promise<AccessDecision> {
  return new Promise((resolve) => {
    let waiting = usergroups.length;
    let failure: string | undefined;
    const timer = setTimeout(() => {
      decide({
        allowed: false,
        reason: 'access_unresolved',
        error: `user groups did not answer within ${timeoutMs} ms`,
      });
    }, timeoutMs);
    function decide(decision: AccessDecision): void {
      clearTimeout(timer);
      resolve(decision);
    }
    function settled(): void {
      waiting -= 1;
      if (waiting > 0) return;
      decide(
        failure === undefined
          ? NOT_ALLOWED
          : { allowed: false, reason: 'access_unresolved', error: failure },
      );
    }
    for (const usergroup of usergroups) {
      // A promise that has already resolved ignores later calls: the first decision stands.
      directory.members(usergroup).then(
        (members) => (members.has(userId) ? decide(ALLOWED) : settled()),
        (error: unknown) => {
          failure ??= `${usergroup}: ${error instanceof Error ? error.message : String(error)}`;
          settled();
        },
      );
    }
  });
}
