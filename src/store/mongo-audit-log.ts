import type { Model } from 'mongoose';
import type { AuditEvent } from '../audit/audit-event';
import type { AuditLog } from '../audit/ports';
import { AUDIT_EVENT_SCHEMA_VERSION, type AuditEventDocument } from './audit-event-model';

/** The `audit_events` collection: one insert per event, never updated. */
export class MongoAuditLog implements AuditLog {
  constructor(private readonly model: Model<AuditEventDocument>) {}

  async record(event: AuditEvent): Promise<void> {
    await this.model.create({ ...event, schemaVersion: AUDIT_EVENT_SCHEMA_VERSION });
  }
}
