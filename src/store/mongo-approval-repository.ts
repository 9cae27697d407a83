import type { Model } from 'mongoose';
import type {
  ApprovalRecord,
  ApprovalStatus,
  ApprovalVote,
  CardRef,
  People,
} from '../approvals/approval';
import type { ApprovalRepository } from '../approvals/ports';
import { APPROVAL_SCHEMA_VERSION, type ApprovalDocument } from './approval-model';

const DUPLICATE_KEY = 11000;

const peopleOf = (doc: ApprovalDocument | undefined): People => ({
  users: [...(doc?.users ?? [])],
  usergroups: [...(doc?.usergroups ?? [])],
});

function toRecord(doc: ApprovalDocument): ApprovalRecord {
  const optional = <K extends keyof ApprovalRecord>(key: K) =>
    doc[key] === undefined || doc[key] === null ? {} : { [key]: doc[key] };
  return {
    id: doc._id,
    runId: doc.runId,
    step: doc.step,
    workflow: doc.workflow,
    kind: doc.kind,
    tool: doc.tool,
    ...optional('mcpTool'),
    args: doc.args,
    risk: doc.risk,
    binding: doc.binding,
    manifestHash: doc.manifestHash,
    requesterId: doc.requesterId,
    ...optional('reason'),
    approvers: peopleOf(doc.approvers),
    ...(doc.escalatedTo ? { escalatedTo: peopleOf(doc.escalatedTo) } : {}),
    required: doc.required,
    allowSelfApproval: doc.allowSelfApproval,
    onTimeout: doc.onTimeout,
    channel: doc.channel,
    ...optional('threadTs'),
    status: doc.status,
    approvals: (doc.approvals ?? []).map((vote: ApprovalVote) => ({
      userId: vote.userId,
      at: vote.at,
    })),
    ...optional('decidedBy'),
    ...optional('decidedAt'),
    ...optional('decisionNote'),
    ...(doc.card?.ts ? { card: { channel: doc.card.channel, ts: doc.card.ts } } : {}),
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    ...optional('remindAt'),
    ...optional('escalateAt'),
    ...optional('remindedAt'),
    ...optional('escalatedAt'),
  } as ApprovalRecord;
}

export class MongoApprovalRepository implements ApprovalRepository {
  constructor(private readonly model: Model<ApprovalDocument>) {}

  async createOnce(approval: ApprovalRecord): Promise<ApprovalRecord> {
    const { id, approvals, createdAt, ...rest } = approval;
    try {
      const created = await this.model.create({
        _id: id,
        ...rest,
        approvals,
        votes: approvals.length,
        createdAt,
        schemaVersion: APPROVAL_SCHEMA_VERSION,
      });
      return toRecord(created.toObject());
    } catch (error) {
      if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
      const existing = await this.get(id);
      if (existing === null) throw error;
      return existing;
    }
  }

  async get(id: string): Promise<ApprovalRecord | null> {
    const doc = await this.model.findById(id).lean();
    return doc === null ? null : toRecord(doc);
  }

  async pending(limit: number): Promise<ApprovalRecord[]> {
    const docs = await this.model
      .find({ status: 'pending' })
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean();
    return docs.map(toRecord);
  }

  async ofRun(runId: string): Promise<ApprovalRecord[]> {
    const docs = await this.model.find({ runId }).sort({ step: 1 }).lean();
    return docs.map(toRecord);
  }

  async setCard(id: string, card: CardRef): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { card } });
  }

  async addVote(
    id: string,
    binding: string,
    userId: string,
    at: Date,
    expectedVotes: number,
    approvesNow: boolean,
  ): Promise<ApprovalRecord | null> {
    const doc = await this.model
      .findOneAndUpdate(
        {
          _id: id,
          status: 'pending',
          binding,
          votes: expectedVotes,
        },
        {
          $push: { approvals: { userId, at } },
          $inc: { votes: 1 },
          ...(approvesNow
            ? { $set: { status: 'approved', decidedBy: userId, decidedAt: at } }
            : {}),
        },
        { returnDocument: 'after' },
      )
      .lean();
    return doc === null ? null : toRecord(doc);
  }

  async close(
    id: string,
    status: Exclude<ApprovalStatus, 'pending'>,
    by: string,
    at: Date,
    note?: string,
    binding?: string,
  ): Promise<ApprovalRecord | null> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: id, status: 'pending', ...(binding === undefined ? {} : { binding }) },
        {
          $set: {
            status,
            decidedBy: by,
            decidedAt: at,
            ...(note === undefined ? {} : { decisionNote: note }),
          },
        },
        { returnDocument: 'after' },
      )
      .lean();
    return doc === null ? null : toRecord(doc);
  }

  async markReminded(id: string, at: Date): Promise<boolean> {
    const result = await this.model.updateOne(
      { _id: id, status: 'pending', remindedAt: { $exists: false } },
      { $set: { remindedAt: at } },
    );
    return result.modifiedCount === 1;
  }

  async escalate(id: string, to: People, at: Date): Promise<ApprovalRecord | null> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: id, status: 'pending', escalatedAt: { $exists: false } },
        { $set: { escalatedTo: to, escalatedAt: at } },
        { returnDocument: 'after' },
      )
      .lean();
    return doc === null ? null : toRecord(doc);
  }
}
