import { ApprovalStatus, approvalBinding } from '../approvals/approval';
import { decideToolCall } from '../policy/tool-call-policy';
import { canonicalJson } from '../shared/canonical-json';
import { type CallTarget, callTarget } from '../workflows/call-target';
import { compileToolInputSchema, schemaMismatch } from '../workflows/json-schema-validator';
import { approvalIdOf } from './approval-id';
import { dryRunHold } from './dry-run';
import { RunInterruptedError, type ToolSession } from './ports';
import { type StepRecord, StepStatus } from './run';
import type { RunAttempt } from './run-attempt';
import { toolCallAllowedEvent, toolCallAwaitingApprovalEvent } from './run-audit';

/** One call a runbook step or the model asks for. */
export interface ToolCallRequest extends CallTarget {
  index: number;
  args: Record<string, unknown>;
  /** The model's `tool_use` id. */
  toolUseId?: string;
  /** JSON Schema the arguments must fit; none: any object. */
  inputSchema?: Record<string, unknown>;
  /** Why the arguments as given cannot be used at all (the model sent no object). */
  argsProblem?: string;
}

/**
 * The gate every tool call goes through, runbook step or model's choice alike: its arguments must
 * fit the tool's input_schema, then the policy allows it (it runs now), sends it for approval (the
 * run waits) or denies it. Returns the step as it ended, or as it waits for approval.
 */
export async function gateToolCall(
  attempt: RunAttempt,
  session: ToolSession,
  request: ToolCallRequest,
): Promise<StepRecord> {
  const { run } = attempt;
  const now = attempt.deps.clock();
  const policy = decideToolCall(run.manifest, request);
  const step: StepRecord = {
    index: request.index,
    ...callTarget(request),
    ...(request.toolUseId !== undefined ? { toolUseId: request.toolUseId } : {}),
    args: canonicalJson(request.args),
    status: StepStatus.Executing,
    ...(policy.decision === 'deny' ? {} : { risk: policy.decision === 'allow' ? 'low' : 'high' }),
    startedAt: now,
  };
  const refuse = async (error: string) => {
    const refused: StepRecord = { ...step, status: StepStatus.Refused, error, finishedAt: now };
    await attempt.endStep(refused);
    return refused;
  };

  if (request.argsProblem !== undefined) return refuse(`invalid arguments: ${request.argsProblem}`);
  if (request.inputSchema !== undefined) {
    const compiled = compileToolInputSchema(request.inputSchema);
    if ('problem' in compiled) {
      return refuse(`its input schema cannot be checked (${compiled.problem}), so it does not run`);
    }
    const mismatch = schemaMismatch(compiled.validate, request.args);
    if (mismatch !== undefined) return refuse(`invalid arguments: ${mismatch}`);
  }
  if (policy.decision === 'deny') return refuse(`denied by policy: ${policy.reason}`);

  const hold = run.dryRun ? dryRunHold(run.manifest, request) : undefined;
  if (hold !== undefined) {
    const simulated: StepRecord = {
      ...step,
      status: StepStatus.Simulated,
      output: hold,
      finishedAt: now,
    };
    await attempt.endStep(simulated);
    return simulated;
  }
  if (policy.decision === 'approve' && policy.approval === undefined) {
    return refuse('it needs approval, but the manifest names no approvers');
  }
  if (policy.decision === 'approve') {
    const waiting: StepRecord = { ...step, status: StepStatus.AwaitingApproval };
    // Audited before it is stored, like every fact: a failed write leaves nothing half-done.
    // The thread hears of it as the run moves to awaiting approval (RunAttempt.awaitApproval).
    await attempt.deps.audit.record(toolCallAwaitingApprovalEvent(run, waiting));
    await attempt.saveStep(waiting);
    return waiting;
  }
  return executeToolCall(attempt, session, step);
}

/**
 * Runs an allowed (or approved) call: marked executing before it starts, so after a crash the
 * next attempt knows it may have run; then ended as succeeded or failed.
 * @throws RunInterruptedError when the worker shuts down mid-call (the outcome is unknown).
 */
async function executeToolCall(
  attempt: RunAttempt,
  session: ToolSession,
  step: StepRecord,
): Promise<StepRecord> {
  if (step.status === StepStatus.Approved) {
    const mismatch = await approvalMismatch(attempt, step);
    if (mismatch !== undefined) {
      const refused: StepRecord = {
        ...step,
        status: StepStatus.Refused,
        error: mismatch,
        finishedAt: attempt.deps.clock(),
      };
      await attempt.endStep(refused);
      return refused;
    }
  }
  const started: StepRecord = {
    ...step,
    status: StepStatus.Executing,
    startedAt: attempt.deps.clock(),
  };
  await attempt.deps.audit.record(
    toolCallAllowedEvent(attempt.run, started, started.risk ?? 'unknown'),
  );
  await attempt.saveStep(started);
  const outcome = await session.call(
    callTarget(step),
    JSON.parse(step.args),
    attempt.attempt.signal,
  );
  if (outcome.aborted) {
    throw new RunInterruptedError(`call ${step.index + 1} (${step.tool}) was interrupted`);
  }
  const done: StepRecord = {
    ...started,
    status: outcome.ok ? StepStatus.Succeeded : StepStatus.Failed,
    ...(outcome.ok ? { output: outcome.output } : { error: outcome.output }),
    finishedAt: attempt.deps.clock(),
  };
  await attempt.endStep(done);
  return done;
}

/**
 * Why an approved call may not run after all, or undefined: its approval must say approved, for
 * exactly this call (tool, arguments) under this manifest version.
 */
async function approvalMismatch(
  attempt: RunAttempt,
  step: StepRecord,
): Promise<string | undefined> {
  const { run } = attempt;
  const approval = await attempt.deps.approvals.get(approvalIdOf(run.id, step.index, 'call'));
  if (approval?.status !== ApprovalStatus.Approved) {
    return 'not run: no approval of this call was found';
  }
  const binding = approvalBinding({ ...step, manifestHash: run.manifestHash });
  if (binding !== approval.binding) {
    return 'not run: the call differs from the one that was approved (tool, arguments or manifest version)';
  }
  return undefined;
}

/**
 * Carries on a call an earlier attempt recorded: runs it once approved; repeats it if a crash
 * left it `executing` and it is low risk (anything else may have run, and is handed back as
 * `interrupted`); takes any other call (ended, or still waiting) as it stands.
 */
export async function resumeToolCall(
  attempt: RunAttempt,
  session: ToolSession,
  step: StepRecord,
): Promise<StepRecord | { interrupted: StepRecord }> {
  if (step.status === StepStatus.Approved) return executeToolCall(attempt, session, step);
  if (step.status !== StepStatus.Executing) return step;
  if (step.risk !== 'low') return { interrupted: step };
  return executeToolCall(attempt, session, step);
}
