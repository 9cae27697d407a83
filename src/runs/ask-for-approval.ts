import { type ApprovalRecord, ApprovalStatus, approvalBinding } from '../approvals/approval';
import { askDeadlines } from '../approvals/ask-deadlines';
import { type ApprovalDeps, publishApproval } from '../approvals/request-approval';
import { callTarget } from '../workflows/call-target';
import type { ApprovalSpec } from '../workflows/manifest-schema';
import { approvalIdOf } from './approval-id';
import { messageText, type RunRecord, type StepRecord, type ThreadRef } from './run';

/**
 * Asks for the approval of a call that waits for one: stored once (its id is the call's), audited,
 * its card posted once, its expiry, reminder and escalation handed to the queue. Safe to repeat
 * after a crash at any point.
 * @throws Error when the manifest names no approvers (validation refuses such a manifest).
 */
export async function requestApproval(
  deps: ApprovalDeps,
  run: RunRecord,
  step: StepRecord,
  thread: ThreadRef,
): Promise<ApprovalRecord> {
  const spec = run.manifest.approval;
  if (spec === undefined) throw new Error(`${run.workflow} names no approvers`);
  const reason = statedReason(run, step);
  return publishApproval(deps, {
    ...callToDecide(run, step, spec, thread),
    id: approvalIdOf(run.id, step.index, 'call'),
    kind: 'call',
    ...(reason ? { reason } : {}),
    required: spec.required,
    onTimeout: spec.on_timeout,
    ...askDeadlines(spec, step.startedAt),
  });
}

/** What every request about a call holds: the call, its binding, who decides, where the card goes. */
export function callToDecide(
  run: RunRecord,
  step: StepRecord,
  spec: ApprovalSpec,
  thread: ThreadRef,
) {
  return {
    runId: run.id,
    step: step.index,
    workflow: run.workflow,
    ...callTarget(step),
    args: step.args,
    risk: step.risk ?? 'high',
    binding: approvalBinding({ ...step, manifestHash: run.manifestHash }),
    manifestHash: run.manifestHash,
    requesterId: run.requester.userId,
    approvers: {
      users: spec.approvers.users ?? [],
      usergroups: spec.approvers.usergroups ?? [],
    },
    allowSelfApproval: spec.allow_self_approval,
    channel: spec.channel ?? thread.channel,
    ...(spec.channel === undefined ? { threadTs: thread.ts } : {}),
    status: ApprovalStatus.Pending,
    approvals: [],
  };
}

/**
 * A call above low risk was interrupted while executing (a crash): it may or may not have run,
 * so it is not repeated blindly. Its approvers get a card to decide: retry it, mark it done, or
 * abort the run. Stored and posted once; it expires like an approval (the run then stays as it is).
 */
export async function requestOutcomeDecision(
  deps: ApprovalDeps,
  run: RunRecord,
  step: StepRecord,
  thread: ThreadRef,
): Promise<ApprovalRecord | undefined> {
  const spec = run.manifest.approval;
  if (spec === undefined) return undefined; // nobody to ask: the run just needs attention
  const now = deps.clock();
  return publishApproval(deps, {
    ...callToDecide(run, step, spec, thread),
    id: approvalIdOf(run.id, step.index, 'outcome_unknown'),
    kind: 'outcome_unknown',
    required: 1,
    onTimeout: 'expire',
    createdAt: now,
    expiresAt: new Date(now.getTime() + spec.timeout),
  });
}

/** What the model said in the turn that asked for the call: its stated reason. */
function statedReason(run: RunRecord, step: StepRecord): string | undefined {
  if (step.toolUseId === undefined) return undefined;
  const turn = (run.transcript ?? []).find(
    (message) =>
      message.role === 'assistant' &&
      message.content.some((block) => block.type === 'tool_use' && block.id === step.toolUseId),
  );
  const text = turn === undefined ? '' : messageText(turn);
  return text === '' ? undefined : text;
}
