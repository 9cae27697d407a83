import { type Connection, type Model, Schema } from 'mongoose';

/** Bumped when the stored shape changes; docs/upgrading.md ("Stored data and migrations") says how to migrate. */
export const RUN_SCHEMA_VERSION = 1;

const statusChangeSchema = new Schema(
  {
    status: { type: String, required: true },
    at: { type: Date, required: true },
    detail: String,
    // Who made the change, when a person did; absent from older entries, which read the same.
    by: String,
  },
  { _id: false },
);

const runSchema = new Schema(
  {
    _id: { type: String, required: true },
    schemaVersion: { type: Number, required: true, default: RUN_SCHEMA_VERSION },
    requestKey: { type: String, required: true },
    workflow: { type: String, required: true },
    manifestHash: { type: String, required: true },
    // JSON text: manifests may hold keys with `.` or `$` (JSON Schema's `$schema`, header names).
    manifestJson: { type: String, required: true },
    inputs: { type: Schema.Types.Mixed, default: {} },
    requester: {
      userId: { type: String, required: true },
      teamId: { type: String, required: true },
      channelId: { type: String, required: true },
    },
    responseUrl: String,
    dryRun: Boolean,
    status: { type: String, required: true },
    history: { type: [statusChangeSchema], default: [] },
    // Keyed `s<index>`, so saving a step is one `$set` whether it is new or not.
    steps: { type: Schema.Types.Mixed, default: {} },
    thread: { type: { channel: String, ts: String }, _id: false, default: undefined },
    owner: String,
    // An agent's transcript, one JSON text per message: tool inputs may hold keys with `.` or `$`.
    transcript: { type: [String], default: undefined },
    usage: {
      type: { turns: Number, inputTokens: Number, outputTokens: Number },
      _id: false,
      default: undefined,
    },
    lastStopReason: String,
    announcedAt: Date,
    detailsPrunedAt: Date,
    result: String,
    error: String,
  },
  { timestamps: true, minimize: false, versionKey: false },
);

runSchema.index({ requestKey: 1 }, { unique: true });
runSchema.index({ status: 1, updatedAt: 1 });
runSchema.index({ 'requester.userId': 1, createdAt: -1 });
runSchema.index({ workflow: 1, createdAt: -1 });
// `/countersign runs all`: everyone's newest runs.
runSchema.index({ createdAt: -1 });

// biome-ignore lint/suspicious/noExplicitAny: lean documents are shaped by toRecord, not by mongoose.
export type RunDocument = Record<string, any>;

export function runModel(connection: Connection): Model<RunDocument> {
  return (connection.models.Run ??
    connection.model('Run', runSchema, 'runs')) as Model<RunDocument>;
}
