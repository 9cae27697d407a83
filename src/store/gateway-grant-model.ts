import { type Connection, type Model, Schema } from 'mongoose';

/** A grant given on a gateway approval's card (gateway/ports.ts Grant). */
const gatewayGrantSchema = new Schema(
  {
    // `gr_…`, named for its approval: one approval gives at most one grant.
    _id: { type: String, required: true },
    workflow: { type: String, required: true },
    userId: { type: String, required: true },
    tokenId: { type: String, required: true },
    sessionId: { type: String, required: true },
    rule: String,
    callHash: String,
    covers: { type: String, required: true },
    approvalId: { type: String, required: true },
    grantedBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    revokedAt: Date,
    revokedBy: String,
  },
  { versionKey: false },
);

// activeFor: every decision of a high-risk call reads its session's grants.
gatewayGrantSchema.index({ tokenId: 1, sessionId: 1, expiresAt: -1 });
// activeOfUser: App Home and `/countersign status`.
gatewayGrantSchema.index({ userId: 1, expiresAt: -1 });
// active: the grants an approver may revoke.
gatewayGrantSchema.index({ expiresAt: -1 });

// biome-ignore lint/suspicious/noExplicitAny: lean documents are shaped by the store.
export type GatewayGrantDocument = Record<string, any>;

export function gatewayGrantModel(connection: Connection): Model<GatewayGrantDocument> {
  return (connection.models.GatewayGrant ??
    connection.model(
      'GatewayGrant',
      gatewayGrantSchema,
      'gateway_grants',
    )) as Model<GatewayGrantDocument>;
}

/**
 * The revocation of a grant, claimed by inserting `_id: <grant id>`: FerretDB applies no
 * conditional update atomically, and rewrites whole documents, so of racing revokes only the one
 * whose insert wins reports the revoke (and is audited).
 */
const grantRevocationSchema = new Schema(
  {
    _id: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

export function grantRevocationModel(connection: Connection): Model<GatewayGrantDocument> {
  return (connection.models.GatewayGrantRevocation ??
    connection.model(
      'GatewayGrantRevocation',
      grantRevocationSchema,
      'gateway_grant_revocations',
    )) as Model<GatewayGrantDocument>;
}
