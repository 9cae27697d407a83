import { type Connection, type Model, Schema } from 'mongoose';

/** Bumped when the stored shape changes; README "Data and migrations" says how to migrate. */
export const AUDIT_EVENT_SCHEMA_VERSION = 1;

const auditEventSchema = new Schema(
  {
    schemaVersion: { type: Number, required: true, default: AUDIT_EVENT_SCHEMA_VERSION },
    type: { type: String, required: true },
    at: { type: Date, required: true },
    actor: { type: String, required: true },
    team: String,
    workflow: String,
    runId: String,
    channel: String,
    reason: String,
    // Keys are Countersign's own (`manifestHash`, `error`), never user-typed.
    details: { type: Schema.Types.Mixed, default: undefined },
  },
  { versionKey: false },
);

// Reviews read the log by time, and by who acted.
auditEventSchema.index({ at: 1 });
auditEventSchema.index({ actor: 1, at: -1 });
auditEventSchema.index({ runId: 1, at: 1 });

// biome-ignore lint/suspicious/noExplicitAny: lean documents are shaped by the AuditEvent type.
export type AuditEventDocument = Record<string, any>;

export function auditEventModel(connection: Connection): Model<AuditEventDocument> {
  return (connection.models.AuditEvent ??
    connection.model('AuditEvent', auditEventSchema, 'audit_events')) as Model<AuditEventDocument>;
}
