import { type Connection, type Model, Schema } from 'mongoose';

/** One presentation of a gateway call that needs a decision (gateway/ports.ts GatewayCall). */
const gatewayCallSchema = new Schema(
  {
    // `gw_<call hash>.<generation>`: also its approval's id.
    _id: { type: String, required: true },
    callHash: { type: String, required: true },
    generation: { type: Number, required: true },
    workflow: { type: String, required: true },
    tokenId: { type: String, required: true },
    userId: { type: String, required: true },
    sessionId: { type: String, required: true },
    tool: { type: String, required: true },
    input: { type: String, required: true },
    createdAt: { type: Date, required: true },
    deliveredAt: Date,
    withdrawnAt: Date,
  },
  { versionKey: false },
);

gatewayCallSchema.index({ callHash: 1, generation: -1 });
gatewayCallSchema.index({ userId: 1, createdAt: -1 });

/**
 * The telling of a call's outcome, claimed by inserting `_id: <call id>` (FerretDB applies no
 * conditional update atomically; a duplicate `_id` insert is refused, so one claim wins).
 */
const deliveryClaimSchema = new Schema(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);

// biome-ignore lint/suspicious/noExplicitAny: lean documents are shaped by the store.
export type GatewayCallDocument = Record<string, any>;

export function gatewayCallModel(connection: Connection): Model<GatewayCallDocument> {
  return (connection.models.GatewayCall ??
    connection.model(
      'GatewayCall',
      gatewayCallSchema,
      'gateway_calls',
    )) as Model<GatewayCallDocument>;
}

export function deliveryClaimModel(connection: Connection): Model<GatewayCallDocument> {
  return (connection.models.GatewayDelivery ??
    connection.model(
      'GatewayDelivery',
      deliveryClaimSchema,
      'gateway_deliveries',
    )) as Model<GatewayCallDocument>;
}
