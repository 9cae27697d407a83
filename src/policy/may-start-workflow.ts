import type { WorkflowManifest } from '../workflows/manifest-schema';

export interface StartRequester {
  userId: string;
  channelId: string;
}

/**
 * Whether a user may start a workflow from a channel: any listed user or channel matches;
 * no `access` block means everyone. User groups are matched by issue #3's resolver; until then
 * a group entry grants nothing (deny by default).
 */
export function mayStartWorkflow(manifest: WorkflowManifest, requester: StartRequester): boolean {
  const access = manifest.access;
  if (access === undefined) return true;
  return (
    (access.users ?? []).includes(requester.userId) ||
    (access.channels ?? []).includes(requester.channelId)
  );
}
