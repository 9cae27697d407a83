import type { AuditEvent } from './audit-event';

/** Where audit events are kept; append-only. */
export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
}
