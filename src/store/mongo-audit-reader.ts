import type { Connection } from 'mongoose';
import type { ChainedAuditEvent, ChainHead } from '../audit/audit-chain';
import type { AuditEventFilter, AuditReader } from '../audit/ports';
import {
  AUDIT_EVENT_SCHEMA_VERSION,
  auditEventId,
  auditEventModel,
  auditEventRows,
} from './audit-event-model';
import { AUDIT_HEAD_ID, auditHeadModel, auditHeadRows } from './audit-head-model';
import { connectMongo } from './database';

/** Documents fetched per round trip: a cursor over a million events holds one batch. */
const BATCH_SIZE = 1_000;

/** Reads `audit_events` for verify and export; opens its own connection, builds no index. */
export class MongoAuditReader implements AuditReader {
  private readonly rows: ReturnType<typeof auditEventRows>;
  private readonly heads: ReturnType<typeof auditHeadRows>;

  readonly storageFields = {
    _id: (document: Record<string, unknown>) =>
      document._id === auditEventId(document.seq as number)
        ? undefined
        : `its _id ${JSON.stringify(String(document._id))} does not match its seq`,
    schemaVersion: (document: Record<string, unknown>) =>
      document.schemaVersion === AUDIT_EVENT_SCHEMA_VERSION
        ? undefined
        : `schemaVersion ${JSON.stringify(document.schemaVersion)} is not a chained event's (${AUDIT_EVENT_SCHEMA_VERSION})`,
  };

  private constructor(private readonly connection: Connection) {
    this.rows = auditEventRows(auditEventModel(connection));
    this.heads = auditHeadRows(auditHeadModel(connection));
  }

  get database(): string {
    return this.connection.name;
  }

  async holdsAuditLog(): Promise<boolean> {
    const db = this.connection.db;
    if (db === undefined) throw new Error('MongoDB is not connected');
    const names = new Set([this.rows.collectionName, this.heads.collectionName]);
    const found = await db.listCollections({}, { nameOnly: true }).toArray();
    return found.some((collection) => names.has(collection.name));
  }

  static async open(uri: string): Promise<MongoAuditReader> {
    return new MongoAuditReader(await connectMongo(uri));
  }

  documents(): AsyncIterable<Record<string, unknown>> {
    return this.rows.find({}, { sort: { seq: 1 }, batchSize: BATCH_SIZE });
  }

  async recordedHead(): Promise<ChainHead | undefined> {
    const head = await this.heads.findOne({ _id: AUDIT_HEAD_ID });
    // Only a hint: one that holds no head is no evidence either way.
    return head !== null && Number.isSafeInteger(head.seq) && typeof head.hash === 'string'
      ? { seq: head.seq, hash: head.hash }
      : undefined;
  }

  async *events(filter: AuditEventFilter): AsyncIterable<ChainedAuditEvent> {
    const at: Record<string, Date> = {};
    if (filter.since !== undefined) at.$gte = filter.since;
    if (filter.until !== undefined) at.$lt = filter.until;
    const query = {
      seq: { $exists: true },
      ...(filter.runId !== undefined ? { runId: filter.runId } : {}),
      ...(Object.keys(at).length > 0 ? { at } : {}),
    };
    const cursor = this.rows.find(query, {
      sort: { seq: 1 },
      batchSize: BATCH_SIZE,
      projection: { _id: 0, schemaVersion: 0 },
    });
    for await (const document of cursor) yield document as unknown as ChainedAuditEvent;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
