import type { Model } from 'mongoose';
import {
  type ApprovalRecord,
  type ApprovalStatus,
  type ApprovalVote,
  type CardRef,
  FIRST_SURFACE,
  type People,
  type SessionAsk,
  type SurfaceCard,
} from '../approvals/approval';
import type { ApprovalRepository, ClosedStatus } from '../approvals/ports';
import type { ApprovalClaimDocument } from './approval-claim-model';
import { APPROVAL_SCHEMA_VERSION, type ApprovalDocument } from './approval-model';
import { insertOnce } from './insert-once';

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
    ...(doc.session ? { session: sessionOf(doc.session) } : {}),
    status: doc.status,
    approvals: (doc.approvals ?? []).map((vote: ApprovalVote) => ({
      userId: vote.userId,
      at: vote.at,
    })),
    ...optional('decidedBy'),
    ...optional('decidedAt'),
    ...optional('decisionNote'),
    ...cardsFields(doc),
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    ...optional('remindAt'),
    ...optional('escalateAt'),
    ...optional('remindedAt'),
    ...optional('escalatedAt'),
  } as ApprovalRecord;
}

/** A gateway call's asker, as stored (plain data; people copied out of the document). */
function sessionOf(stored: SessionAsk): SessionAsk {
  const { escalateTo, ...rest } = stored;
  return { ...rest, ...(escalateTo ? { escalateTo: peopleOf(escalateTo) } : {}) };
}

/**
 * The cards of a document: its `cards` by surface, or, in a document of schema version 1, the one
 * Slack `card` (left for `cardsOf` to read as Slack's).
 */
function cardsFields(doc: ApprovalDocument): Pick<ApprovalRecord, 'cards' | 'card'> {
  if (doc.cards && typeof doc.cards === 'object') {
    const cards = Object.entries(doc.cards as Record<string, CardRef>);
    return { cards: cards.map(([surface, ref]) => ({ surface, ref: { ...ref } })) };
  }
  return doc.card?.ts ? { card: { channel: doc.card.channel, ts: doc.card.ts } } : {};
}

/** The document fields that record a card: by surface, and Slack's also where version 1 keeps it. */
function cardFields(card: SurfaceCard): Record<string, unknown> {
  return {
    [`cards.${card.surface}`]: card.ref,
    ...(card.surface === FIRST_SURFACE ? { card: card.ref } : {}),
  };
}

export class MongoApprovalRepository implements ApprovalRepository {
  constructor(
    private readonly model: Model<ApprovalDocument>,
    private readonly claims: Model<ApprovalClaimDocument>,
  ) {}

  async createOnce(approval: ApprovalRecord): Promise<ApprovalRecord> {
    // Cards are recorded as they are posted (addCard).
    const { id, approvals, createdAt, cards: _cards, card: _card, ...rest } = approval;
    await insertOnce(this.model, {
      _id: id,
      ...rest,
      approvals,
      createdAt,
      schemaVersion: APPROVAL_SCHEMA_VERSION,
    });
    const stored = await this.get(id);
    if (stored === null) throw new Error(`approval ${id} vanished as it was created`);
    return stored;
  }

  /** The request as stored, with what its claims say: the claims are the truth of its state. */
  async get(id: string): Promise<ApprovalRecord | null> {
    const doc = await this.model.findById(id).lean();
    if (doc === null) return null;
    const claim = (key: string) => this.claims.findById(`${id}:${key}`).lean();
    const slots = Array.from({ length: doc.required ?? 1 }, (_, n) => claim(`vote:${n}`));
    const [final, reminded, escalated, ...votes] = await Promise.all([
      claim('final'),
      claim('reminded'),
      claim('escalated'),
      ...slots,
    ]);
    const record = toRecord(doc);
    return {
      ...record,
      status: (final?.status as ApprovalStatus | undefined) ?? 'pending',
      approvals: votes.flatMap((vote) => (vote ? [{ userId: vote.userId, at: vote.at }] : [])),
      ...(final ? { decidedBy: final.userId, decidedAt: final.at } : {}),
      ...(final?.note ? { decisionNote: final.note } : {}),
      ...(reminded ? { remindedAt: reminded.at } : {}),
      ...(escalated ? { escalatedAt: escalated.at, escalatedTo: peopleOf(escalated.to) } : {}),
    };
  }

  async pending(limit: number): Promise<ApprovalRecord[]> {
    const docs = await this.model
      .find({ status: 'pending' })
      .sort({ createdAt: 1 })
      .limit(limit)
      .select({ _id: 1 })
      .lean();
    const current = await Promise.all(docs.map((doc) => this.get(doc._id as string)));
    return current.filter((approval): approval is ApprovalRecord => approval?.status === 'pending');
  }

  async ofRun(runId: string): Promise<ApprovalRecord[]> {
    const docs = await this.model.find({ runId }).sort({ step: 1 }).select({ _id: 1 }).lean();
    const current = await Promise.all(docs.map((doc) => this.get(doc._id as string)));
    return current.filter((approval): approval is ApprovalRecord => approval !== null);
  }

  async addCard(id: string, card: SurfaceCard): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: cardFields(card) });
  }

  async addVote(
    id: string,
    userId: string,
    at: Date,
    note?: string,
  ): Promise<{ counted: boolean; decided: boolean; approval: ApprovalRecord }> {
    const before = await this.mustGet(id);
    if (before.status !== 'pending') return { counted: false, decided: false, approval: before };
    if (!(await this.claim(`${id}:voter:${userId}`, { approvalId: id, userId, at }))) {
      return { counted: false, decided: false, approval: await this.mustGet(id) };
    }
    for (let n = before.approvals.length; n < before.required; n++) {
      if (!(await this.claim(`${id}:vote:${n}`, { approvalId: id, userId, at }))) continue;
      // The vote that fills the quorum approves, unless a denial (or expiry) came first.
      const last = n === before.required - 1;
      if (last) await this.claimApproved(id, userId, at, note);
      const approval = await this.project(id);
      // A vote counts unless a denial (expiry, cancel) ended the approval before it filled.
      const decided = last && approval.status === 'approved' && approval.decidedBy === userId;
      const counted = decided || (!last && ['pending', 'approved'].includes(approval.status));
      return { counted, decided, approval };
    }
    // Others filled the quorum first. Their final claim may not be in yet: make it for them
    // (same content, whoever inserts it), so this clicker is told who approved, not "pending".
    const filled = await this.mustGet(id);
    const closer = filled.approvals.at(-1);
    if (filled.status === 'pending' && closer && filled.approvals.length >= filled.required) {
      await this.claimApproved(id, closer.userId, closer.at);
    }
    return { counted: false, decided: false, approval: await this.project(id) };
  }

  /** The approval's final claim as approved by the voter who filled the quorum; false if taken. */
  private claimApproved(id: string, userId: string, at: Date, note?: string): Promise<boolean> {
    const fields = { approvalId: id, status: 'approved', userId, at, ...(note ? { note } : {}) };
    return this.claim(`${id}:final`, fields);
  }

  async close(
    id: string,
    status: ClosedStatus,
    by: string,
    at: Date,
    note?: string,
  ): Promise<ApprovalRecord | null> {
    // Approval takes its quorum of votes (addVote); a caller that gets here otherwise is refused.
    if ((status as ApprovalStatus) === 'approved')
      throw new Error(`approval ${id}: only votes approve`);
    const fields = { approvalId: id, status, userId: by, at, ...(note ? { note } : {}) };
    if (!(await this.claim(`${id}:final`, fields))) return null;
    return this.project(id);
  }

  async markReminded(id: string, at: Date): Promise<boolean> {
    return this.claim(`${id}:reminded`, { approvalId: id, at });
  }

  async escalate(id: string, to: People, at: Date): Promise<ApprovalRecord | null> {
    const current = await this.get(id);
    if (current?.status !== 'pending') return null;
    if (!(await this.claim(`${id}:escalated`, { approvalId: id, to, at }))) return null;
    return this.project(id);
  }

  /** Inserts a claim; false when one with this id exists (someone else claimed it first). */
  private claim(id: string, fields: Record<string, unknown>): Promise<boolean> {
    return insertOnce(this.claims, { _id: id, ...fields });
  }

  private async mustGet(id: string): Promise<ApprovalRecord> {
    const approval = await this.get(id);
    if (approval === null) throw new Error(`approval ${id} does not exist`);
    return approval;
  }

  /**
   * Copies the claims' verdict onto the approval document, for queries by status and for people
   * reading the collection. Only a hint: `get` reads the claims.
   */
  private async project(id: string): Promise<ApprovalRecord> {
    const approval = await this.mustGet(id);
    await this.model.updateOne(
      { _id: id },
      {
        $set: {
          status: approval.status,
          approvals: approval.approvals,
          ...(approval.decidedBy ? { decidedBy: approval.decidedBy } : {}),
          ...(approval.decidedAt ? { decidedAt: approval.decidedAt } : {}),
          ...(approval.decisionNote ? { decisionNote: approval.decisionNote } : {}),
          ...(approval.escalatedTo ? { escalatedTo: approval.escalatedTo } : {}),
        },
      },
    );
    return approval;
  }
}
