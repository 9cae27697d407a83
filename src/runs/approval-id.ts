/**
 * A run's approvals are named for the call they are about, so asking twice for the same call finds
 * the same approval: `<runId>:<step>` for its approval, `<runId>:<step>:outcome` for the question
 * of what to do about it after its outcome was lost.
 */
export function approvalIdOf(
  runId: string,
  step: number,
  kind: 'call' | 'outcome_unknown',
): string {
  return kind === 'call' ? `${runId}:${step}` : `${runId}:${step}:outcome`;
}

// The run id's shape only: test fixtures name runs freely; isRunId checks what newRunId makes.
const APPROVAL_ID = /^(r-[a-z0-9]+):(0|[1-9][0-9]{0,8})(:outcome)?$/;

/** The run, step and kind an approval id names; undefined unless it is shaped as {@link approvalIdOf} makes them. */
export function parseApprovalId(
  id: string,
): { runId: string; step: number; kind: 'call' | 'outcome_unknown' } | undefined {
  const match = APPROVAL_ID.exec(id);
  if (match === null) return undefined;
  const [, runId = '', step = '', outcome] = match;
  return { runId, step: Number(step), kind: outcome ? 'outcome_unknown' : 'call' };
}
