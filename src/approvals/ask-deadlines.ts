/** What sets an approval's deadlines: the manifest's `approval` block, in milliseconds. */
export interface DeadlineSpec {
  timeout: number;
  remind_after?: number | undefined;
  escalate_to?: unknown;
}

/**
 * When an approval asked at `asked` expires, reminds its approvers and escalates: halfway between
 * the reminder and the expiry, the escalation people join the approvers.
 */
export function askDeadlines(spec: DeadlineSpec, asked: Date) {
  const at = asked.getTime();
  const remindAt = spec.remind_after === undefined ? undefined : at + spec.remind_after;
  const expiresAt = at + spec.timeout;
  return {
    createdAt: asked,
    expiresAt: new Date(expiresAt),
    ...(remindAt === undefined ? {} : { remindAt: new Date(remindAt) }),
    ...(remindAt !== undefined && spec.escalate_to
      ? { escalateAt: new Date(remindAt + (expiresAt - remindAt) / 2) }
      : {}),
  };
}
