import { createHash } from 'node:crypto';
import { type RunEvent, SERVICE_ACTOR, type ToolCallEvent } from '../audit/audit-event';
import { canonicalJson } from '../shared/canonical-json';
import { callTarget } from '../workflows/call-target';
import { type RunRecord, RunStatus, type StepRecord, StepStatus } from './run';

/**
 * The audit events of a run, built from its record alone. Each carries a key (`<run>:started`), so
 * an attempt after a crash records again whatever the crash may have left out, and the audit log
 * stores each fact once. Outputs are recorded by their sha256: the text lives with the run, and
 * retention may prune it without breaking the chain.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** When the run first reached `status` (its record's history), else its last update. */
function reachedAt(run: RunRecord, status: RunStatus): Date {
  return run.history.find((change) => change.status === status)?.at ?? run.updatedAt;
}

export function runRequestedEvent(run: RunRecord): RunEvent {
  return {
    type: 'run.requested',
    at: run.createdAt,
    actor: run.requester.userId,
    runId: run.id,
    workflow: run.workflow,
    team: run.requester.teamId,
    channel: run.requester.channelId,
    details: {
      manifestHash: run.manifestHash,
      inputs: canonicalJson(run.inputs),
      dryRun: run.dryRun === true,
    },
    key: `${run.id}:requested`,
  };
}

export function runStartedEvent(run: RunRecord): RunEvent {
  return {
    type: 'run.started',
    at: reachedAt(run, RunStatus.Running),
    actor: SERVICE_ACTOR,
    runId: run.id,
    workflow: run.workflow,
    key: `${run.id}:started`,
  };
}

export function runFinishedEvent(run: RunRecord): RunEvent {
  return {
    type: 'run.finished',
    at: reachedAt(run, run.status),
    actor: SERVICE_ACTOR,
    runId: run.id,
    workflow: run.workflow,
    details: {
      status: run.status,
      ...(run.error !== undefined ? { error: run.error } : {}),
      ...(run.result !== undefined ? { resultSha256: sha256(run.result) } : {}),
    },
    key: `${run.id}:finished`,
  };
}

function toolCallEvent(
  run: RunRecord,
  step: StepRecord,
  type: ToolCallEvent['type'],
  at: Date,
  details: ToolCallEvent['details'],
): ToolCallEvent {
  return {
    type,
    at,
    actor: SERVICE_ACTOR,
    runId: run.id,
    workflow: run.workflow,
    details: {
      step: step.index,
      ...callTarget(step),
      args: step.args,
      ...details,
    },
    key: `${run.id}:step:${step.index}:${type.slice('tool_call.'.length)}`,
  };
}

/** The policy let the call run (`risk` says how it was classed). */
export function toolCallAllowedEvent(
  run: RunRecord,
  step: StepRecord,
  risk: string,
): ToolCallEvent {
  return toolCallEvent(run, step, 'tool_call.allowed', step.startedAt, { risk });
}

/** The policy asks a human first (`risk` says how it was classed). */
export function toolCallAwaitingApprovalEvent(run: RunRecord, step: StepRecord): ToolCallEvent {
  return toolCallEvent(run, step, 'tool_call.awaiting_approval', step.startedAt, {
    risk: step.risk ?? 'unknown',
  });
}

/** Never executed: its arguments did not fit, or the policy denied it (`step.error` says which). */
export function toolCallRefusedEvent(run: RunRecord, step: StepRecord): ToolCallEvent {
  return toolCallEvent(run, step, 'tool_call.refused', step.finishedAt ?? step.startedAt, {
    reason: step.error ?? '',
  });
}

/** What became of a step that has ended: executed (succeeded or failed) or, in a dry run, simulated. */
export function toolCallOutcomeEvent(run: RunRecord, step: StepRecord): ToolCallEvent {
  const at = step.finishedAt ?? step.startedAt;
  if (step.status === StepStatus.Simulated) {
    return toolCallEvent(run, step, 'tool_call.simulated', at, { reason: step.output ?? '' });
  }
  if (step.status === StepStatus.Refused) return toolCallRefusedEvent(run, step);
  const text = step.status === StepStatus.Succeeded ? step.output : step.error;
  return toolCallEvent(run, step, 'tool_call.executed', at, {
    outcome: step.status,
    outputSha256: sha256(text ?? ''),
  });
}
