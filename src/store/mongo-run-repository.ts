import type { Model } from 'mongoose';
import {
  type AgentProgress,
  LostClaimError,
  type RunRepository,
  type TransitionFields,
} from '../runs/ports';
import {
  FINAL_RUN_STATUSES,
  type NewRun,
  type RunRecord,
  RunStatus,
  type RunSummary,
  type StepRecord,
  type ThreadRef,
} from '../runs/run';
import { isDuplicateKey } from './insert-once';
import { RUN_SCHEMA_VERSION, type RunDocument } from './run-model';

function toRecord(doc: RunDocument): RunRecord {
  const steps = Object.values((doc.steps ?? {}) as Record<string, StepRecord>).sort(
    (a, b) => a.index - b.index,
  );
  return {
    id: doc._id,
    requestKey: doc.requestKey,
    workflow: doc.workflow,
    manifestHash: doc.manifestHash,
    manifest: JSON.parse(doc.manifestJson),
    inputs: doc.inputs ?? {},
    requester: doc.requester,
    ...(doc.responseUrl ? { responseUrl: doc.responseUrl } : {}),
    ...(doc.dryRun ? { dryRun: true } : {}),
    status: doc.status,
    history: doc.history ?? [],
    steps,
    ...(doc.thread?.ts ? { thread: { channel: doc.thread.channel, ts: doc.thread.ts } } : {}),
    ...(doc.owner ? { owner: doc.owner } : {}),
    ...(doc.transcript
      ? { transcript: (doc.transcript as string[]).map((text) => JSON.parse(text)) }
      : {}),
    ...(doc.usage
      ? {
          usage: {
            turns: doc.usage.turns ?? 0,
            inputTokens: doc.usage.inputTokens ?? 0,
            outputTokens: doc.usage.outputTokens ?? 0,
          },
        }
      : {}),
    ...(doc.lastStopReason ? { lastStopReason: doc.lastStopReason } : {}),
    ...(doc.announcedAt ? { announcedAt: doc.announcedAt } : {}),
    ...(doc.detailsPrunedAt ? { detailsPrunedAt: doc.detailsPrunedAt } : {}),
    ...(doc.result !== undefined && doc.result !== null ? { result: doc.result } : {}),
    ...(doc.error !== undefined && doc.error !== null ? { error: doc.error } : {}),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export class MongoRunRepository implements RunRepository {
  constructor(private readonly model: Model<RunDocument>) {}

  async createOnce(run: NewRun, at: Date): Promise<{ run: RunRecord; created: boolean }> {
    const { id, manifest, ...rest } = run;
    try {
      const created = await this.model.create({
        _id: id,
        ...rest,
        schemaVersion: RUN_SCHEMA_VERSION,
        manifestJson: JSON.stringify(manifest),
        status: 'queued',
        history: [{ status: 'queued', at }],
        steps: {},
      });
      return { run: toRecord(created.toObject()), created: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.model.findOne({ requestKey: run.requestKey }).lean();
      if (existing === null) throw error;
      return { run: toRecord(existing), created: false };
    }
  }

  async get(id: string): Promise<RunRecord | null> {
    const doc = await this.model.findById(id).lean();
    return doc === null ? null : toRecord(doc);
  }

  async claim(id: string, owner: string): Promise<RunRecord | null> {
    const doc = await this.model
      .findOneAndUpdate({ _id: id }, { $set: { owner } }, { returnDocument: 'after' })
      .lean();
    return doc === null ? null : toRecord(doc);
  }

  async transition(
    id: string,
    from: readonly RunStatus[],
    to: RunStatus,
    at: Date,
    fields: TransitionFields = {},
    owner?: string,
  ): Promise<RunRecord | null> {
    const { detail, by, ...outcome } = fields;
    const doc = await this.model
      .findOneAndUpdate(
        { _id: id, status: { $in: from }, ...(owner === undefined ? {} : { owner }) },
        {
          $set: { status: to, ...outcome },
          $push: {
            history: { status: to, at, ...(detail ? { detail } : {}), ...(by ? { by } : {}) },
          },
        },
        { returnDocument: 'after' },
      )
      .lean();
    return doc === null ? null : toRecord(doc);
  }

  async setThreadOnce(id: string, thread: ThreadRef): Promise<ThreadRef> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: id, 'thread.ts': { $exists: false } },
        { $set: { thread } },
        { returnDocument: 'after' },
      )
      .lean();
    const stored = doc ?? (await this.model.findById(id).lean());
    if (!stored?.thread?.ts) throw new Error(`run ${id} vanished while its thread was being saved`);
    return { channel: stored.thread.channel, ts: stored.thread.ts };
  }

  async saveStep(id: string, step: StepRecord, owner: string): Promise<void> {
    // A call about to start (or to wait) needs a running run: a cancelled one starts nothing more.
    const running = step.finishedAt === undefined ? { status: RunStatus.Running } : {};
    const result = await this.model.updateOne(
      { _id: id, owner, ...running },
      { $set: { [`steps.s${step.index}`]: step } },
    );
    if (result.matchedCount === 0)
      throw new LostClaimError(`run ${id} is carried by another attempt, or no longer running`);
  }

  async saveAgentProgress(id: string, owner: string, progress: AgentProgress): Promise<void> {
    const update: Record<string, Record<string, unknown>> = {};
    if (progress.messages?.length) {
      update.$push = {
        transcript: { $each: progress.messages.map((message) => JSON.stringify(message)) },
      };
    }
    if (progress.usage) {
      update.$inc = {
        'usage.turns': progress.usage.turns,
        'usage.inputTokens': progress.usage.inputTokens,
        'usage.outputTokens': progress.usage.outputTokens,
      };
    }
    if (progress.stopReason !== undefined) update.$set = { lastStopReason: progress.stopReason };
    if (Object.keys(update).length === 0) return;
    const result = await this.model.updateOne(
      { _id: id, owner, status: RunStatus.Running },
      update,
    );
    if (result.matchedCount === 0)
      throw new LostClaimError(`run ${id} is carried by another attempt, or no longer running`);
  }

  async settleStep(
    id: string,
    index: number,
    from: StepRecord['status'],
    fields: Pick<StepRecord, 'status'> &
      Partial<Pick<StepRecord, 'output' | 'error' | 'finishedAt'>>,
  ): Promise<boolean> {
    const path = `steps.s${index}`;
    const result = await this.model.updateOne(
      { _id: id, [`${path}.status`]: from },
      {
        $set: Object.fromEntries(
          Object.entries(fields).map(([key, value]) => [`${path}.${key}`, value]),
        ),
      },
    );
    return result.modifiedCount === 1;
  }

  async reopen(
    id: string,
    to: RunStatus,
    at: Date,
    fields: { detail?: string; error?: string } = {},
  ): Promise<RunRecord | null> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: id, status: 'needs_attention' },
        {
          $set: { status: to, ...(fields.error ? { error: fields.error } : {}) },
          $unset: { announcedAt: '', ...(fields.error ? {} : { error: '' }) },
          $push: {
            history: { status: to, at, ...(fields.detail ? { detail: fields.detail } : {}) },
          },
        },
        { returnDocument: 'after' },
      )
      .lean();
    return doc === null ? null : toRecord(doc);
  }

  async markAnnounced(id: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { announcedAt: at } });
  }

  async pruneDetails(finishedBefore: Date, at: Date, limit: number): Promise<number> {
    const due = await this.model
      .find(
        {
          status: { $in: FINAL_RUN_STATUSES },
          updatedAt: { $lt: finishedBefore },
          detailsPrunedAt: { $exists: false },
        },
        { steps: 1 },
      )
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean();
    let pruned = 0;
    for (const doc of due) {
      // Steps are a map keyed s0, s1…: each output is unset by its own path, in one update.
      const outputs = Object.keys(doc.steps ?? {}).map((key) => [`steps.${key}.output`, '']);
      const result = await this.model.updateOne(
        { _id: doc._id, detailsPrunedAt: { $exists: false } },
        {
          $unset: { result: '', transcript: '', ...Object.fromEntries(outputs) },
          $set: { detailsPrunedAt: at },
        },
      );
      pruned += result.modifiedCount;
    }
    return pruned;
  }

  async findStale(
    statuses: readonly RunStatus[],
    before: Date,
    limit: number,
  ): Promise<RunRecord[]> {
    const docs = await this.model
      .find({ status: { $in: statuses }, updatedAt: { $lt: before } })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean();
    return docs.map(toRecord);
  }

  async findUnannounced(before: Date, limit: number): Promise<RunRecord[]> {
    const docs = await this.model
      .find({
        status: { $in: FINAL_RUN_STATUSES },
        announcedAt: { $exists: false },
        updatedAt: { $lt: before },
      })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean();
    return docs.map(toRecord);
  }

  async recent({
    requesterId,
    limit,
  }: {
    requesterId?: string;
    limit: number;
  }): Promise<RunSummary[]> {
    // Served by the (requester.userId, createdAt) index, or the createdAt one for everyone's.
    const docs = await this.model
      .find(requesterId === undefined ? {} : { 'requester.userId': requesterId })
      .sort({ createdAt: -1 })
      .limit(limit)
      .select({ workflow: 1, status: 1, dryRun: 1, requester: 1, createdAt: 1, updatedAt: 1 })
      .lean();
    return docs.map((doc) => ({
      id: doc._id as string,
      workflow: doc.workflow,
      status: doc.status,
      ...(doc.dryRun ? { dryRun: true } : {}),
      requester: doc.requester,
      createdAt: doc.createdAt,
      updatedAt: doc.updatedAt,
    }));
  }
}
