import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Facts about approvals, each claimed by inserting a document under a unique `_id`:
 * `<approval>:final` (the decision, expiry or cancellation), `<approval>:vote:<n>` (the nth
 * approval), `<approval>:voter:<user>`, `<approval>:reminded`, `<approval>:escalated`.
 *
 * Why inserts: FerretDB 1.24 (SQLite and PostgreSQL handlers alike) does not apply a conditional
 * update atomically: 20 concurrent `findOneAndUpdate({votes: 0}, …)` all "succeed". A duplicate
 * `_id` insert is refused by the backend's primary key, so exactly one of racing inserts wins.
 */
const approvalClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    approvalId: { type: String, required: true },
    userId: String,
    status: String,
    note: String,
    to: { type: { users: [String], usergroups: [String] }, _id: false, default: undefined },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

// biome-ignore lint/suspicious/noExplicitAny: lean documents are shaped by the repository.
export type ApprovalClaimDocument = Record<string, any>;

export function approvalClaimModel(connection: Connection): Model<ApprovalClaimDocument> {
  return (connection.models.ApprovalClaim ??
    connection.model(
      'ApprovalClaim',
      approvalClaimSchema,
      'approval_claims',
    )) as Model<ApprovalClaimDocument>;
}
