import { type Connection, type Model, type mongo, Schema } from 'mongoose';

/**
 * Bumped when the stored shape changes; docs/upgrading.md ("Stored data and migrations") says how to migrate.
 * 2: chained (`seq`, `prevHash`, `hmacKeyId`, `hash`; `_id` from seq). 1: unchained, before issue #6.
 */
export const AUDIT_EVENT_SCHEMA_VERSION = 2;

/**
 * An event's `_id`: its seq, zero-padded. FerretDB 1.24 uses an index only for equality on a
 * string `_id`, so finding the event at a seq (the append's probe) must go through `_id`.
 */
export function auditEventId(seq: number): string {
  return String(seq).padStart(12, '0');
}

const auditEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    schemaVersion: { type: Number, required: true, default: AUDIT_EVENT_SCHEMA_VERSION },
    seq: { type: Number, required: true },
    prevHash: { type: String, required: true },
    hmacKeyId: { type: String, required: true },
    hash: { type: String, required: true },
    type: { type: String, required: true },
    at: { type: Date, required: true },
    actor: { type: String, required: true },
    team: String,
    workflow: String,
    channel: String,
    runId: String,
    reason: String,
    key: String,
    // Keys are Countersign's own (`manifestHash`, `error`), never user-typed.
    details: { type: Schema.Types.Mixed, default: undefined },
  },
  { versionKey: false },
);

// One event per seq: a second writer at the same seq fails, and tries the next. Sparse, as
// events from before the chain (schemaVersion 1) have no seq.
auditEventSchema.index({ seq: 1 }, { unique: true, sparse: true });
// An idempotency key is recorded once: a retried attempt's event is not appended twice.
auditEventSchema.index({ key: 1 }, { unique: true, sparse: true });
// Reviews and exports read the log by run, by time, and by who acted.
auditEventSchema.index({ runId: 1, seq: 1 });
auditEventSchema.index({ at: 1 });
auditEventSchema.index({ actor: 1, at: -1 });

// biome-ignore lint/suspicious/noExplicitAny: lean documents are shaped by the AuditEvent type.
export type AuditEventDocument = Record<string, any>;

/** A stored event as the driver sees it: `_id` is a string. */
// biome-ignore lint/suspicious/noExplicitAny: fields are checked where they are read.
export type AuditEventRow = { _id: string } & Record<string, any>;

/** The driver's collection under the model: raw documents, stored exactly as they were hashed. */
export function auditEventRows(model: Model<AuditEventDocument>): mongo.Collection<AuditEventRow> {
  return model.collection as unknown as mongo.Collection<AuditEventRow>;
}

export function auditEventModel(connection: Connection): Model<AuditEventDocument> {
  return (connection.models.AuditEvent ??
    connection.model('AuditEvent', auditEventSchema, 'audit_events')) as Model<AuditEventDocument>;
}
