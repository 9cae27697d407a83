import type { Model } from 'mongoose';
import {
  type AuditKey,
  assertChainable,
  type ChainedAuditEvent,
  type ChainHead,
  chainEvent,
} from '../audit/audit-chain';
import type { AuditEvent } from '../audit/audit-event';
import type { AuditLog } from '../audit/ports';
import type { Redactor } from '../shared/redactor';
import { AuditAppendError } from './audit-append-error';
import {
  AUDIT_EVENT_SCHEMA_VERSION,
  type AuditEventDocument,
  auditEventId,
  auditEventRows,
} from './audit-event-model';
import {
  AUDIT_HEAD_ID,
  AUDIT_HEAD_SCHEMA_VERSION,
  type AuditHeadDocument,
  auditHeadRows,
} from './audit-head-model';
import { isDuplicateKey } from './insert-once';

/** A head read back from the database, or undefined if the document does not hold one. */
function headOf(document: Record<string, unknown> | null): ChainHead | undefined {
  if (document === null) return undefined;
  const { seq, hash } = document;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 && typeof hash === 'string'
    ? { seq, hash }
    : undefined;
}

/** A stored event is not where its `_id` says: appending past it would only add to the damage. */
function misplaced(expectedSeq: number): Error {
  return new Error(
    `audit event ${auditEventId(expectedSeq)} does not hold seq ${expectedSeq}: the audit log was altered; run \`countersign audit verify\``,
  );
}

export interface MongoAuditLogOptions {
  /** Signs every event (`AUDIT_HMAC_KEY`). */
  key: AuditKey;
  /**
   * Inserts refused in a row (other writers took the seq) before the waiting events fail.
   * @defaultValue 50
   */
  maxAttempts?: number;
  /**
   * Upper bound of the random pause after a refused insert, in ms; the bound doubles from 2 ms.
   * @defaultValue 50
   */
  maxBackoffMs?: number;
  /**
   * Events appended in one insert, when several wait.
   * @defaultValue 100
   */
  maxBatch?: number;
  /** @defaultValue a timer */
  sleep?: (ms: number) => Promise<void>;
  /** @defaultValue Math.random */
  random?: () => number;
  /**
   * Scrubs secret values from each event before it is hashed: the stored event is the signed one.
   * @defaultValue nothing is scrubbed
   */
  redactor?: Redactor;
}

interface Waiting {
  event: AuditEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Why the database refused an event as a duplicate. */
type Refusal = { kind: 'seq-taken'; by: ChainHead } | { kind: 'key-recorded' };

/**
 * The `audit_events` collection as a hash chain, appended without transactions: take the head,
 * chain the events after it, insert. The unique `_id` (from seq) lets one writer win each seq;
 * a loser learns the new head and tries again. Nothing is reserved before the insert, so a crash
 * at any point leaves no gap. In one process, events wait their turn and go in together (one
 * insert for all that waited), so they do not race each other; processes race in the database.
 */
export class MongoAuditLog implements AuditLog {
  /** The end of the chain as this process last saw it; the next append tries just after it. */
  private head: ChainHead | undefined;
  private readonly waiting: Waiting[] = [];
  private draining = false;
  private readonly events: ReturnType<typeof auditEventRows>;
  private readonly heads: ReturnType<typeof auditHeadRows>;
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;
  private readonly maxBatch: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    events: Model<AuditEventDocument>,
    heads: Model<AuditHeadDocument>,
    private readonly options: MongoAuditLogOptions,
  ) {
    this.events = auditEventRows(events);
    this.heads = auditHeadRows(heads);
    this.maxAttempts = options.maxAttempts ?? 50;
    this.maxBackoffMs = options.maxBackoffMs ?? 50;
    this.maxBatch = options.maxBatch ?? 100;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /**
   * Resolves once the event is in the chain, after the events this process recorded before it.
   * An event whose idempotency `key` is already recorded is left as it is.
   */
  record(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      assertChainable(event); // here, so a bad event fails alone, not with those it would join
      const scrubbed = this.options.redactor?.scrubDeep(event) ?? event;
      this.waiting.push({ event: scrubbed, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          await this.append(batch);
        } catch (error) {
          // What is stored is unknown after a failed insert: ask the database next time.
          this.head = undefined;
          for (const item of batch) item.reject(error); // no-op for those already resolved
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async append(batch: Waiting[]): Promise<void> {
    let head = this.head ?? (await this.readHead());
    let rest = batch;
    for (let attempt = 1; rest.length > 0; ) {
      const chained: ChainedAuditEvent[] = [];
      for (const { event } of rest) {
        chained.push(chainEvent(event, chained.at(-1) ?? head, this.options.key));
      }
      const inserted = await this.insert(chained);
      for (const item of rest.slice(0, inserted)) item.resolve();
      if (inserted > 0) {
        const last = chained[inserted - 1] as ChainedAuditEvent;
        head = this.head = { seq: last.seq, hash: last.hash };
        attempt = 1;
      }
      rest = rest.slice(inserted);
      const refused = chained[inserted];
      if (refused === undefined) break;

      const why = await this.whyRefused(refused);
      if (why.kind === 'key-recorded') {
        rest[0]?.resolve();
        rest = rest.slice(1);
        continue;
      }
      this.head = why.by;
      if (attempt >= this.maxAttempts) {
        throw new AuditAppendError(refused.type, attempt, refused.seq);
      }
      attempt += 1;
      await this.sleep(this.random() * Math.min(this.maxBackoffMs, 2 ** attempt));
      head = await this.readHead(why.by);
    }
    if (head !== undefined) await this.advanceHint(head);
  }

  /** Inserts in order; returns how many went in before a duplicate stopped it. */
  private async insert(chained: ChainedAuditEvent[]): Promise<number> {
    const documents = chained.map((event) => ({
      _id: auditEventId(event.seq),
      schemaVersion: AUDIT_EVENT_SCHEMA_VERSION,
      ...event,
    }));
    try {
      await this.events.insertMany(documents, { ordered: true });
      return documents.length;
    } catch (error) {
      const refused = (error as { writeErrors?: { index: number; code: number }[] })
        .writeErrors?.[0];
      if (refused === undefined || !isDuplicateKey(refused)) throw error;
      return refused.index;
    }
  }

  /** Which unique index refused the event? FerretDB does not say; the stored documents do. */
  private async whyRefused(event: ChainedAuditEvent): Promise<Refusal> {
    const taken = await this.events.findOne(
      { _id: auditEventId(event.seq) },
      { projection: { seq: 1, hash: 1 } },
    );
    if (taken !== null) {
      const by = headOf(taken);
      if (by?.seq !== event.seq) throw misplaced(event.seq);
      return { kind: 'seq-taken', by };
    }
    const key = (event as { key?: string }).key;
    if (key !== undefined && (await this.events.findOne({ key }, { projection: { _id: 1 } }))) {
      return { kind: 'key-recorded' };
    }
    throw new Error(
      `audit event seq ${event.seq} was refused as a duplicate, but no event holds that seq or key; run \`countersign audit verify\``,
    );
  }

  /**
   * The end of the chain: from the newer of `known` and the recorded hint, probe forward by
   * `_id` until a seq is free. With neither, the highest seq stored (a scan, done once).
   */
  private async readHead(known?: ChainHead): Promise<ChainHead | undefined> {
    const hint = headOf(await this.heads.findOne({ _id: AUDIT_HEAD_ID }));
    let head: ChainHead | undefined = known;
    if (hint !== undefined && (head === undefined || hint.seq > head.seq)) head = hint;
    if (head === undefined) {
      const [highest] = await this.events
        .find({ seq: { $exists: true } }, { projection: { seq: 1, hash: 1 } })
        .sort({ seq: -1 })
        .limit(1)
        .toArray();
      head = headOf(highest ?? null);
    }
    for (;;) {
      const seq = (head?.seq ?? 0) + 1;
      const next = await this.events.findOne(
        { _id: auditEventId(seq) },
        { projection: { seq: 1, hash: 1 } },
      );
      if (next === null) return head;
      head = headOf(next);
      if (head?.seq !== seq) throw misplaced(seq);
    }
  }

  /** Moves the hint forward (never back). */
  private async advanceHint(head: ChainHead): Promise<void> {
    try {
      await this.heads.updateOne(
        { _id: AUDIT_HEAD_ID, seq: { $lt: head.seq } },
        { $set: { seq: head.seq, hash: head.hash, schemaVersion: AUDIT_HEAD_SCHEMA_VERSION } },
        { upsert: true },
      );
    } catch {
      // Already further on (the upsert collides with the existing hint), or unreachable: the hint
      // may lag, which costs the next reader a probe per event, never correctness.
    }
  }
}
