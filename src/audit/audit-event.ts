/**
 * What the audit log records: who did or attempted what, when, and why it ended as it did.
 * Issue #6 chains these events by hash; each event type joins the `AuditEvent` union here.
 */

/** Why a `/countersign run` was refused before anything was recorded as a run. */
export type RunRefusalReason =
  /** The workflow exists but its `access` rules do not include the user or channel. */
  | 'not_allowed'
  /** No workflow has that name. */
  | 'unknown_workflow'
  /** Only a user group could have granted access, and Slack could not say in time. */
  | 'access_unresolved'
  /** The user may run it, but the inputs do not fit. */
  | 'bad_inputs';

/** Values an event's details may hold: plain data, safe to store and to hash. */
export type AuditDetail = string | number | boolean;

/** A `/countersign run` that started nothing. */
export interface RunRefusedEvent {
  type: 'run.refused';
  at: Date;
  /** Slack user id of who asked. */
  actor: string;
  /** Slack workspace (team) id the request came from. */
  team: string;
  /** The workflow name as typed (it may name no workflow). */
  workflow: string;
  channel: string;
  reason: RunRefusalReason;
  details?: Record<string, AuditDetail>;
}

/** What the Slack side's workflow registry did with a manifest file (at start, or on a change). */
export interface ManifestEvent {
  type: 'manifest.loaded' | 'manifest.changed' | 'manifest.removed' | 'manifest.rejected';
  at: Date;
  /** `countersign`: the service itself acted, on a file an admin wrote. */
  actor: string;
  /** The workflow the file serves (for a rejected file: the version that keeps serving, if any). */
  workflow?: string;
  details: Record<string, AuditDetail>;
}

export type AuditEvent = RunRefusedEvent | ManifestEvent;
