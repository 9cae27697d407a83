import { findTool } from '../workflows/manifest-tools';
import { renderJson } from '../workflows/template';
import { kindOf } from '../workflows/tool-kinds';
import { gateToolCall, resumeToolCall } from './call-tool';
import { carryAgent } from './carry-agent';
import { agentToolPolicy, dryRunResult } from './dry-run';
import {
  ChannelUnavailableError,
  LostClaimError,
  RunInterruptedError,
  type ToolSession,
  ToolSetupError,
} from './ports';
import {
  FINAL_RUN_STATUSES,
  type RunRecord,
  RunStatus,
  type StepRecord,
  StepStatus,
  templateInputs,
} from './run';
import { type Attempt, announce, type ExecuteRunDeps, RunAttempt } from './run-attempt';
import { runRequestedEvent, runStartedEvent, toolCallOutcomeEvent } from './run-audit';

export type { Attempt, ExecuteRunDeps } from './run-attempt';
export { announce } from './run-attempt';

/**
 * Carries a run forward from wherever it stands. Called by a queue worker; safe to call again
 * after a crash at any point: finished calls are not repeated, a call interrupted while executing
 * is repeated only if it is low risk (otherwise the run needs a human), and a final outcome that
 * did not reach Slack is announced. A call that needs approval leaves the run awaiting it, with
 * no worker held; once approved, the next job carries it on.
 * @throws LostClaimError when a newer attempt took the run over; RunInterruptedError on abort.
 */
export async function executeRun(
  deps: ExecuteRunDeps,
  runId: string,
  attempt: Attempt,
): Promise<RunRecord | null> {
  try {
    return await carryRun(deps, runId, attempt);
  } catch (error) {
    if (!(error instanceof LostClaimError)) throw error;
    // Cancelled while this attempt carried it: the cancel's own job found this one still active
    // (and so queued nothing), so this attempt tells Slack how the run ended.
    const run = await deps.runs.get(runId);
    if (run?.status !== RunStatus.Cancelled) throw error;
    deps.log.info({ runId }, 'the run was cancelled while this attempt carried it');
    return announce(deps, run);
  }
}

async function carryRun(
  deps: ExecuteRunDeps,
  runId: string,
  attempt: Attempt,
): Promise<RunRecord | null> {
  const { runs, notifier } = deps;
  const stored = await runs.get(runId);
  if (stored === null) {
    deps.log.warn({ runId }, 'run to execute does not exist');
    return null;
  }
  await deps.audit.record(runRequestedEvent(stored));
  if (FINAL_RUN_STATUSES.includes(stored.status)) return announce(deps, stored);
  if (waitsForApproval(stored)) return stored;
  const claimed = await runs.claim(runId, attempt.owner);
  if (claimed === null) return null;

  let thread = claimed.thread;
  if (thread === undefined) {
    try {
      thread = await runs.setThreadOnce(claimed.id, await notifier.postRunStarted(claimed));
    } catch (error) {
      if (!(error instanceof ChannelUnavailableError)) throw error;
      const unposted = new RunAttempt(deps, claimed, { channel: '', ts: '' }, attempt);
      return unposted.finish(RunStatus.Failed, {
        error: `could not post in its channel (${error.message}). Invite me to the channel, or run it from one I am in.`,
      });
    }
  }
  const carrier = new RunAttempt(deps, { ...claimed, thread }, thread, attempt);
  if (carrier.run.status !== RunStatus.Running) {
    // Queued, or awaiting an approval that has since been given.
    await carrier.transition([RunStatus.Queued, RunStatus.AwaitingApproval], RunStatus.Running);
  }
  await deps.audit.record(runStartedEvent(carrier.run));
  // Outcomes a crash may have left unaudited are recorded again (the audit log keeps each once).
  for (const step of carrier.run.steps) {
    if (step.finishedAt !== undefined)
      await deps.audit.record(toolCallOutcomeEvent(carrier.run, step));
  }

  if (carrier.run.manifest.agent !== undefined && carrier.run.dryRun) {
    return carrier.finish(RunStatus.Succeeded, { result: agentToolPolicy(carrier.run.manifest) });
  }
  let session: ToolSession;
  try {
    session = await deps.tools.open(carrier.run, attempt.signal);
  } catch (error) {
    if (attempt.signal?.aborted) throw new RunInterruptedError('stopped while its tools started');
    if (!(error instanceof ToolSetupError) || error.retryable) throw error;
    return carrier.finish(RunStatus.Failed, {
      error: `its tools could not be prepared: ${error.message}`,
    });
  }
  try {
    return carrier.run.manifest.agent !== undefined
      ? await carryAgent(carrier, session)
      : await carryRunbook(carrier, session);
  } finally {
    await session.close().catch((error) => deps.log.warn({ err: error }, 'closing tools failed'));
  }
}

/** A call waits for a decision: nothing to do until it is approved or denied. */
function waitsForApproval(run: RunRecord): boolean {
  return (
    run.status === RunStatus.AwaitingApproval &&
    run.steps.some((step) => step.status === StepStatus.AwaitingApproval)
  );
}

/** A fixed runbook: each step in order, through the same gate as an agent's calls. */
async function carryRunbook(carrier: RunAttempt, session: ToolSession): Promise<RunRecord> {
  const steps = carrier.run.manifest.steps ?? [];
  let lastOutput = '';
  for (let index = 0; index < steps.length; index++) {
    const spec = steps[index] as (typeof steps)[number];
    const previous = carrier.run.steps.find((step) => step.index === index);
    const label = `step ${index + 1} (${spec.tool})`;
    let ended: StepRecord;
    if (previous !== undefined) {
      const resumed = await resumeToolCall(carrier, session, previous);
      if ('interrupted' in resumed) {
        return carrier.outcomeUnknown(
          previous,
          `${label} was interrupted while executing; it is not repeated automatically`,
        );
      }
      ended = resumed;
    } else {
      let args: Record<string, unknown>;
      try {
        args = renderJson(spec.with, { inputs: templateInputs(carrier.run) }) as Record<
          string,
          unknown
        >;
      } catch (error) {
        return carrier.finish(RunStatus.Failed, { error: `${label}: ${(error as Error).message}` });
      }
      const tool = findTool(carrier.run.manifest, spec.tool);
      const inputSchema = tool && kindOf(tool).inputSchema;
      ended = await gateToolCall(carrier, session, {
        index,
        tool: spec.tool,
        args,
        ...(inputSchema ? { inputSchema } : {}),
      });
    }
    if (ended.status === StepStatus.AwaitingApproval) return carrier.awaitApproval();
    if (ended.status === StepStatus.Failed || ended.status === StepStatus.Refused) {
      return carrier.finish(RunStatus.Failed, {
        error: `${label} ${ended.status === StepStatus.Refused ? 'was refused' : 'failed'}: ${ended.error ?? ''}`,
      });
    }
    if (ended.status === StepStatus.Succeeded) lastOutput = ended.output ?? '';
  }
  return carrier.finish(RunStatus.Succeeded, {
    result: carrier.run.dryRun ? dryRunResult(carrier.run.steps) : lastOutput,
  });
}
