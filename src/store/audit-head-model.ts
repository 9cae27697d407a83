import { type Connection, type Model, type mongo, Schema } from 'mongoose';

export const AUDIT_HEAD_SCHEMA_VERSION = 1;

/** The `_id` of the one document of `audit_head`. */
export const AUDIT_HEAD_ID = 'head';

/**
 * Where writers last saw the end of the audit chain: a hint that spares a new writer a scan of
 * every event (FerretDB cannot sort on an index). It only moves forward, and may lag by the
 * events whose writer died before moving it; writers probe forward from it. Verify reads it to
 * notice events cut from the end.
 */
const auditHeadSchema = new Schema(
  {
    _id: { type: String, required: true },
    schemaVersion: { type: Number, required: true, default: AUDIT_HEAD_SCHEMA_VERSION },
    seq: { type: Number, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false },
);

// biome-ignore lint/suspicious/noExplicitAny: lean documents are read field by field.
export type AuditHeadDocument = Record<string, any>;

export function auditHeadRows(
  model: Model<AuditHeadDocument>,
): mongo.Collection<{ _id: string; seq: number; hash: string; schemaVersion: number }> {
  return model.collection as unknown as mongo.Collection<{
    _id: string;
    seq: number;
    hash: string;
    schemaVersion: number;
  }>;
}

export function auditHeadModel(connection: Connection): Model<AuditHeadDocument> {
  return (connection.models.AuditHead ??
    connection.model('AuditHead', auditHeadSchema, 'audit_head')) as Model<AuditHeadDocument>;
}
