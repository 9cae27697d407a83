/** Other writers took every seq an append tried, until it ran out of attempts. */
export class AuditAppendError extends Error {
  override readonly name = 'AuditAppendError';
  readonly code = 'AUDIT_APPEND_CONTENDED';

  constructor(
    readonly eventType: string,
    readonly attempts: number,
    readonly lastSeq: number,
  ) {
    super(
      `could not append the ${eventType} audit event after ${attempts} attempts: other writers took every seq it tried (last: ${lastSeq})`,
    );
  }
}
