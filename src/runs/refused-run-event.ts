import type { RunRefusalReason, RunRefusedEvent } from '../audit/audit-event';
import type { RunRefusal, RunRequest } from './start-run';

/**
 * Refusals worth an audit event: attempts the access rules turned away, or could not vouch for,
 * and names that match no workflow (a guess at a name is an attempt too). Bad inputs from a user
 * who may run the workflow are a typo, not an attempt: they are answered, not audited.
 */
export const AUDITED_REFUSALS: ReadonlySet<RunRefusalReason> = new Set([
  'not_allowed',
  'unknown_workflow',
  'access_unresolved',
]);

/** The audit event for a refused request, or undefined if this kind of refusal is not audited. */
export function refusedRunEvent(
  refusal: RunRefusal,
  request: RunRequest,
  at: Date,
): RunRefusedEvent | undefined {
  if (!AUDITED_REFUSALS.has(refusal.reason)) return undefined;
  const details: RunRefusedEvent['details'] = {};
  if ('manifestHash' in refusal) details.manifestHash = refusal.manifestHash;
  if (refusal.reason === 'access_unresolved') details.error = refusal.error;
  return {
    type: 'run.refused',
    at,
    actor: request.requester.userId,
    team: request.requester.teamId,
    // What was typed, bounded: a slash command carries up to 4000 characters.
    workflow: refusal.workflow.slice(0, 200),
    channel: request.requester.channelId,
    reason: refusal.reason,
    ...(Object.keys(details).length > 0 ? { details } : {}),
  };
}
