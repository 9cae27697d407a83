/**
 * What the gateway core stands on: tokens (who an outside agent acts for), calls (each presentation
 * of a call that needs a decision), and grants. store/ implements them on MongoDB; the core never
 * sees mongoose, an HTTP request or a Claude Code hook body.
 */

/** A per-person gateway token, as stored: only the sha256 of the token itself is kept. */
export interface GatewayToken {
  /** `tok_…`: shown by `token list`, named by `token revoke`; not a secret. */
  id: string;
  /** sha256 (hex) of the token text; the text is shown once, when it is created. */
  hash: string;
  workflow: string;
  /** The Slack user the agent acts for: the requester on cards, checked against `access`. */
  userId: string;
  label?: string;
  /** Made for CI: a call still pending is deferred (Claude Code resumes it) rather than denied. */
  headless: boolean;
  /** Who made it: a Slack user (`/countersign token`) or `cli`. */
  createdBy: string;
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
  revokedBy?: string;
}

export interface TokenStore {
  create(token: GatewayToken): Promise<void>;
  byHash(hash: string): Promise<GatewayToken | null>;
  /** Every token (of one workflow), newest first; revoked and expired ones included. */
  list(filter?: { workflow?: string }): Promise<GatewayToken[]>;
  /** Revokes the token once; null when there is no such token or it was revoked already. */
  revoke(id: string, by: string, at: Date): Promise<GatewayToken | null>;
}

/**
 * One presentation of a call that needs a decision. The same call (same token, session, tool and
 * canonical input) presented again finds the newest generation: while its outcome has not been
 * delivered, it waits on the same approval; once delivered, the next presentation opens the next
 * generation. So an approved call is allowed exactly once.
 */
export interface GatewayCall {
  /** `gw_<call hash>.<generation>`: also the id of its approval. */
  id: string;
  callHash: string;
  generation: number;
  workflow: string;
  tokenId: string;
  userId: string;
  sessionId: string;
  tool: string;
  /** Canonical JSON of the tool input, secrets scrubbed. */
  input: string;
  createdAt: Date;
  /** When its outcome was told to the client (then the next presentation is a new call). */
  deliveredAt?: Date;
  /** Withdrawn by the client (MCP cancellation, API withdraw): its approval waits no more. */
  withdrawnAt?: Date;
}

export interface CallStore {
  /** The newest generation of the call with this hash, if any. */
  latest(callHash: string): Promise<GatewayCall | null>;
  /** Stores the call unless one with its id exists: the stored one, and whether this stored it. */
  createOnce(call: GatewayCall): Promise<{ call: GatewayCall; created: boolean }>;
  get(id: string): Promise<GatewayCall | null>;
  /**
   * Claims the telling of the call's outcome, exactly once however many ask at the same moment
   * (a unique insert): true for the one claim that won.
   */
  claimDelivery(id: string, at: Date): Promise<boolean>;
  withdraw(id: string, at: Date): Promise<GatewayCall | null>;
  /** Calls of `userId` not yet delivered nor withdrawn, newest first (status, App Home). */
  openOf(userId: string, limit: number): Promise<GatewayCall[]>;
}

/** "Approve for this session, for N minutes": later calls it covers are allowed without a card. */
export interface Grant {
  /** `gr_…`. */
  id: string;
  workflow: string;
  /** The person and session it was given to: it covers nothing outside that session. */
  userId: string;
  tokenId: string;
  sessionId: string;
  /** The permission rule it covers (the rule the approved call matched)… */
  rule?: string;
  /** …or, when the call matched no rule, the exact call (its hash) and nothing else. */
  callHash?: string;
  /** What the card showed: the rule, or the call. */
  covers: string;
  approvalId: string;
  grantedBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
  revokedBy?: string;
}

export interface GrantStore {
  create(grant: Grant): Promise<void>;
  get(id: string): Promise<Grant | null>;
  /** Grants of this token's session in force at `now`. */
  activeFor(session: { tokenId: string; sessionId: string }, now: Date): Promise<Grant[]>;
  /** Grants of `userId` in force at `now` (App Home), newest first. */
  activeOfUser(userId: string, now: Date): Promise<Grant[]>;
  /** Grants in force at `now` (App Home: approvers see those they may revoke). */
  active(now: Date, limit: number): Promise<Grant[]>;
  /** Revokes once; null when unknown or revoked already. */
  revoke(id: string, by: string, at: Date): Promise<Grant | null>;
}
