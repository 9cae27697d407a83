import type { ChainedAuditEvent, ChainHead } from './audit-chain';
import type { AuditEvent } from './audit-event';
import type { StorageFieldCheck } from './verify-chain';

/** Where audit events are kept; append-only. */
export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
}

/** Which events an export wants; every condition is optional. */
export interface AuditEventFilter {
  runId?: string;
  /** From this time on (inclusive). */
  since?: Date;
  /** Before this time (exclusive). */
  until?: Date;
}

/** Reads the audit log back, for verify and export; streams, holding a batch at a time. */
export interface AuditReader {
  /** Where it reads: the database's name, to say where a missing log was looked for. */
  readonly database: string;
  /** Whether the database holds an audit log at all (perhaps empty): the service makes one at start. */
  holdsAuditLog(): Promise<boolean>;
  /** Every stored document in seq order, exactly as stored (storage fields included). */
  documents(): AsyncIterable<Record<string, unknown>>;
  /** Fields the store keeps beside each event (not hashed), with what makes each right. */
  readonly storageFields: Readonly<Record<string, StorageFieldCheck>>;
  /** The end of the chain as writers last recorded it, if they did. */
  recordedHead(): Promise<ChainHead | undefined>;
  /** The events that match, in seq order, without storage fields. */
  events(filter: AuditEventFilter): AsyncIterable<ChainedAuditEvent>;
}
