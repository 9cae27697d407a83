import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Bumped when the stored shape changes. 2: `cards`, by surface (version 1 held one Slack `card`,
 * which is still read, and still written for Slack's card so a version 1 process can update it).
 */
export const APPROVAL_SCHEMA_VERSION = 2;

const people = { users: [String], usergroups: [String] };

const approvalSchema = new Schema(
  {
    // `<runId>:<step>`: asking twice for the same call finds the same approval.
    _id: { type: String, required: true },
    schemaVersion: { type: Number, required: true, default: APPROVAL_SCHEMA_VERSION },
    runId: { type: String, required: true },
    step: { type: Number, required: true },
    workflow: { type: String, required: true },
    kind: { type: String, required: true },
    tool: { type: String, required: true },
    mcpTool: String,
    args: { type: String, required: true },
    risk: { type: String, required: true },
    binding: { type: String, required: true },
    manifestHash: { type: String, required: true },
    requesterId: { type: String, required: true },
    reason: String,
    approvers: { type: people, _id: false },
    escalatedTo: { type: people, _id: false, default: undefined },
    required: { type: Number, required: true },
    allowSelfApproval: { type: Boolean, required: true },
    onTimeout: { type: String, required: true },
    channel: { type: String, required: true },
    threadTs: String,
    // A gateway call's asker (approvals/approval.ts SessionAsk); absent for a run's call.
    session: { type: Schema.Types.Mixed, default: undefined },
    status: { type: String, required: true },
    approvals: {
      type: [{ userId: String, at: Date }],
      _id: false,
      default: [],
    },
    // How many approvals are in: the condition of the next vote's atomic update.
    votes: { type: Number, required: true, default: 0 },
    decidedBy: String,
    decidedAt: Date,
    decisionNote: String,
    // Each surface's card, by the surface's name: `{ slack: { channel, ts } }`.
    cards: { type: Schema.Types.Mixed, default: undefined },
    card: { type: { channel: String, ts: String }, _id: false, default: undefined },
    expiresAt: { type: Date, required: true },
    remindAt: Date,
    escalateAt: Date,
    remindedAt: Date,
    escalatedAt: Date,
  },
  { timestamps: { createdAt: true, updatedAt: true }, minimize: false, versionKey: false },
);

approvalSchema.index({ status: 1, createdAt: 1 });
approvalSchema.index({ runId: 1 });

// biome-ignore lint/suspicious/noExplicitAny: lean documents are shaped by the repository, not by mongoose.
export type ApprovalDocument = Record<string, any>;

export function approvalModel(connection: Connection): Model<ApprovalDocument> {
  return (connection.models.Approval ??
    connection.model('Approval', approvalSchema, 'approvals')) as Model<ApprovalDocument>;
}
