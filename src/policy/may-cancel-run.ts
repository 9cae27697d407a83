/**
 * Whether a user may cancel a run: its requester and the admins. Approvers may not: they stop a
 * call by denying it, which the run (and the model) then hears about.
 */
export function mayCancelRun(
  run: { requester: { userId: string } },
  userId: string,
  admins: ReadonlySet<string>,
): boolean {
  return run.requester.userId === userId || admins.has(userId);
}
