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
  | 'bad_inputs'
  /** A gateway workflow: outside agents use it through tokens; it is never started. */
  | 'gateway_workflow';

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

/** The service itself, acting on a run or a file (not a person). */
export const SERVICE_ACTOR = 'countersign';

/**
 * A run's lifecycle: recorded (by its requester), started and finished (by the service), cancelled
 * (by its requester or an admin).
 */
export interface RunEvent {
  type: 'run.requested' | 'run.started' | 'run.finished' | 'run.cancelled';
  at: Date;
  /** The requester for `run.requested`, who cancelled for `run.cancelled`; {@link SERVICE_ACTOR} otherwise. */
  actor: string;
  runId: string;
  workflow: string;
  team?: string;
  channel?: string;
  /**
   * requested: manifestHash, inputs (canonical JSON), dryRun; finished: status, and error or
   * resultSha256 (the result itself lives with the run and may be pruned by retention);
   * cancelled: from (the status it left), asAdmin (an admin cancelled someone else's run).
   */
  details?: Record<string, AuditDetail>;
  /** The same fact recorded twice (a retried attempt) is stored once: `<runId>:started`. */
  key?: string;
}

/**
 * One tool call of a run: what the policy decided and what came of it. Arguments are canonical
 * JSON; outputs are recorded by their sha256 only, so pruning run details keeps the chain whole.
 */
export interface ToolCallEvent {
  type:
    | 'tool_call.allowed'
    | 'tool_call.refused'
    | 'tool_call.awaiting_approval'
    | 'tool_call.simulated'
    | 'tool_call.executed';
  at: Date;
  actor: string;
  runId: string;
  workflow: string;
  /**
   * step (index), tool, mcpTool, args; allowed and awaiting_approval: risk; refused: reason;
   * executed: outcome (succeeded | failed), outputSha256.
   */
  details: Record<string, AuditDetail>;
  key?: string;
}

/**
 * Someone asked for the timeline of a run they may not see (`view_refused`), or to cancel one
 * they may not cancel (`cancel_refused`); they were told it does not exist.
 */
export interface RunViewRefusedEvent {
  type: 'run.view_refused' | 'run.cancel_refused';
  at: Date;
  actor: string;
  team: string;
  channel: string;
  runId: string;
  workflow: string;
}

/**
 * An approval of a tool call: asked for, voted on, decided, expired, cancelled, and every click
 * refused (not an approver, own run, a card that no longer matches the call).
 */
export interface ApprovalEvent {
  type:
    | 'approval.requested'
    | 'approval.voted'
    | 'approval.approved'
    | 'approval.denied'
    | 'approval.expired'
    | 'approval.cancelled'
    | 'approval.refused'
    | 'approval.reminded'
    | 'approval.escalated';
  at: Date;
  /** Who clicked, or {@link SERVICE_ACTOR} for what the service did (request, expiry…). */
  actor: string;
  runId: string;
  workflow: string;
  /** approvalId, step, tool, binding; and per type: votes, required, note, why. */
  details: Record<string, AuditDetail>;
  key?: string;
}

/**
 * One decision of the gateway about an outside agent's call (a Claude Code session's), or a
 * request it refused before deciding (a refused token, a body it could not read).
 */
export interface GatewayEvent {
  type:
    | 'gateway.allowed'
    | 'gateway.denied'
    | 'gateway.pending'
    | 'gateway.approved'
    | 'gateway.expired'
    | 'gateway.withdrawn'
    | 'gateway.refused';
  at: Date;
  /** The token's person; `unknown` when the token was refused. */
  actor: string;
  /** The token's workflow (absent when no token was read). */
  workflow?: string;
  /**
   * client, session, tool, callHash, tokenId; by (policy | grant | approval | expiry | client),
   * rule, grantId, approvalId; reason (for a denial or a refusal).
   */
  details: Record<string, AuditDetail>;
  key?: string;
}

/** A gateway token made or revoked, a grant given or revoked. Never holds a token's text. */
export interface GatewayAdminEvent {
  type: 'token.created' | 'token.revoked' | 'grant.created' | 'grant.revoked' | 'grant.refused';
  at: Date;
  /** Who made or revoked it: a Slack user, or `cli`. */
  actor: string;
  workflow: string;
  /**
   * tokenId, userId, label, expiresAt; grantId, covers, session, expiresAt; a refused grant or
   * revocation (`grant.refused`): grantId or approvalId, action (create | revoke), why.
   */
  details: Record<string, AuditDetail>;
  key?: string;
}

export type AuditEvent =
  | GatewayEvent
  | GatewayAdminEvent
  | ApprovalEvent
  | RunRefusedEvent
  | ManifestEvent
  | RunEvent
  | ToolCallEvent
  | RunViewRefusedEvent;
export type AuditEventType = AuditEvent['type'];
