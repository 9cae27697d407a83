/**
 * Whether a user may see a run's record (its inputs, arguments, outputs): its requester and
 * the admins only. Being in the run's channel is not enough: a thread shows what was posted
 * there, the record holds more (every argument, full outputs of steps).
 */
export function mayViewRun(
  run: { requester: { userId: string } },
  userId: string,
  admins: ReadonlySet<string>,
): boolean {
  return run.requester.userId === userId || admins.has(userId);
}
