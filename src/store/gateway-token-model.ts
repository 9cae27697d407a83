import { type Connection, type Model, Schema } from 'mongoose';

export const GATEWAY_TOKEN_SCHEMA_VERSION = 1;

/**
 * Per-person gateway tokens (gateway/ports.ts GatewayToken). Only the sha256 of a token's text is
 * kept, under a unique index: the text itself is shown once, when it is made, and never stored.
 */
const gatewayTokenSchema = new Schema(
  {
    // `tok_…`: named by `token list` and `token revoke`; not a secret.
    _id: { type: String, required: true },
    schemaVersion: { type: Number, required: true, default: GATEWAY_TOKEN_SCHEMA_VERSION },
    hash: { type: String, required: true },
    workflow: { type: String, required: true },
    userId: { type: String, required: true },
    label: String,
    headless: { type: Boolean, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: Date,
    // Set by whichever revoke wins the claim (gateway_token_revocations), and by no other.
    revokedAt: Date,
    revokedBy: String,
    // Set by every revoke before it claims: a crash after it leaves the token refused, not usable.
    revokeStartedAt: Date,
  },
  { versionKey: false },
);

gatewayTokenSchema.index({ hash: 1 }, { unique: true });
gatewayTokenSchema.index({ workflow: 1 });

/**
 * One document per revoked token, under the token's id: FerretDB 1.24 does not apply a conditional
 * update atomically, but a duplicate `_id` insert is refused, so exactly one revoke wins.
 */
const gatewayTokenRevocationSchema = new Schema(
  {
    _id: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

// biome-ignore lint/suspicious/noExplicitAny: lean documents are shaped by the store.
export type GatewayTokenDocument = Record<string, any>;

export function gatewayTokenModel(connection: Connection): Model<GatewayTokenDocument> {
  return (connection.models.GatewayToken ??
    connection.model(
      'GatewayToken',
      gatewayTokenSchema,
      'gateway_tokens',
    )) as Model<GatewayTokenDocument>;
}

export function gatewayTokenRevocationModel(connection: Connection): Model<GatewayTokenDocument> {
  return (connection.models.GatewayTokenRevocation ??
    connection.model(
      'GatewayTokenRevocation',
      gatewayTokenRevocationSchema,
      'gateway_token_revocations',
    )) as Model<GatewayTokenDocument>;
}
