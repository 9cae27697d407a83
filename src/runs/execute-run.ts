import type { Logger } from 'pino';
import type { AuditLog } from '../audit/ports';
import { findTool } from '../workflows/manifest-tools';
import { renderDeep } from '../workflows/template';
import { canonicalJson } from './canonical-json';
import { agentToolPolicy, dryRunHold, dryRunResult } from './dry-run';
import {
  ChannelUnavailableError,
  type Clock,
  LostClaimError,
  RunInterruptedError,
  type RunNotifier,
  type RunRepository,
  type ToolRunner,
} from './ports';
import {
  ACTIVE_RUN_STATUSES,
  FINAL_RUN_STATUSES,
  type RunRecord,
  RunStatus,
  type StepRecord,
  StepStatus,
  type ThreadRef,
  templateInputs,
} from './run';
import {
  runFinishedEvent,
  runRequestedEvent,
  runStartedEvent,
  toolCallAllowedEvent,
  toolCallOutcomeEvent,
} from './run-audit';

export interface ExecuteRunDeps {
  runs: RunRepository;
  /** Every fact of the run is recorded here, keyed, so a later attempt fills what a crash left out. */
  audit: AuditLog;
  notifier: RunNotifier;
  tools: ToolRunner;
  clock: Clock;
  log: Logger;
}

export interface Attempt {
  /** Identifies this attempt (the queue job's lock token); it claims the run. */
  owner: string;
  /** Aborted when the worker shuts down; the step in progress is left for the next attempt. */
  signal?: AbortSignal;
}

/**
 * Carries a runbook run forward from wherever it stands. Called by a queue worker; safe to call
 * again after a crash at any point: finished steps are not repeated, a step interrupted while
 * executing is repeated only if its tool is low risk (otherwise the run needs a human), and a
 * final outcome that did not reach Slack is announced.
 * @throws LostClaimError when a newer attempt took the run over; RunInterruptedError on abort.
 */
export async function executeRun(
  deps: ExecuteRunDeps,
  runId: string,
  attempt: Attempt,
): Promise<RunRecord | null> {
  const { runs, notifier, clock } = deps;
  const stored = await runs.get(runId);
  if (stored === null) {
    deps.log.warn({ runId }, 'run to execute does not exist');
    return null;
  }
  await deps.audit.record(runRequestedEvent(stored));
  if (FINAL_RUN_STATUSES.includes(stored.status)) return announce(deps, stored);
  let run = await runs.claim(runId, attempt.owner);
  if (run === null) return null;

  let thread = run.thread;
  if (thread === undefined) {
    try {
      thread = await runs.setThreadOnce(run.id, await notifier.postRunStarted(run));
    } catch (error) {
      if (!(error instanceof ChannelUnavailableError)) throw error;
      return finish(deps, run, attempt, RunStatus.Failed, {
        error: `could not post in its channel (${error.message}). Invite me to the channel, or run it from one I am in.`,
      });
    }
    run = { ...run, thread };
  }
  if (run.status === RunStatus.Queued) {
    const running = await runs.transition(
      run.id,
      [RunStatus.Queued],
      RunStatus.Running,
      clock(),
      {},
      attempt.owner,
    );
    if (running === null) throw new LostClaimError(`run ${run.id} was taken over`);
    run = running;
  }
  await deps.audit.record(runStartedEvent(run));
  if (run.manifest.steps === undefined) {
    if (run.dryRun) {
      return finish(deps, run, attempt, RunStatus.Succeeded, {
        result: agentToolPolicy(run.manifest),
      });
    }
    return finish(deps, run, attempt, RunStatus.Failed, {
      error: 'agent workflows are not supported by this version yet',
    });
  }

  const steps = run.manifest.steps;
  let lastOutput = '';
  for (let index = 0; index < steps.length; index++) {
    const spec = steps[index] as (typeof steps)[number];
    const previous = run.steps.find((step) => step.index === index);
    if (previous !== undefined && previous.status !== StepStatus.Executing) {
      await deps.audit.record(toolCallOutcomeEvent(run, previous));
    }
    if (previous?.status === StepStatus.Succeeded) {
      lastOutput = previous.output ?? '';
      continue;
    }
    if (previous?.status === StepStatus.Simulated) continue;
    if (previous?.status === StepStatus.Failed) {
      return finish(deps, run, attempt, RunStatus.Failed, {
        error: previous.error ?? 'step failed',
      });
    }
    const tool = findTool(run.manifest, spec.tool);
    if (
      previous?.status === StepStatus.Executing &&
      tool &&
      'risk' in tool &&
      tool.risk !== 'low'
    ) {
      return finish(deps, run, attempt, RunStatus.NeedsAttention, {
        error: `step ${index + 1} (${spec.tool}) was interrupted while executing; it is not repeated automatically`,
      });
    }

    let args: Record<string, unknown>;
    try {
      args = renderDeep(spec.with, { inputs: templateInputs(run) }) as Record<string, unknown>;
    } catch (error) {
      return finish(deps, run, attempt, RunStatus.Failed, {
        error: `step ${index + 1} (${spec.tool}): ${(error as Error).message}`,
      });
    }
    const started: StepRecord = {
      index,
      tool: spec.tool,
      args: canonicalJson(args),
      status: StepStatus.Executing,
      startedAt: clock(),
    };
    const hold = run.dryRun ? dryRunHold(run.manifest, spec.tool) : undefined;
    if (hold !== undefined) {
      const simulated: StepRecord = {
        ...started,
        status: StepStatus.Simulated,
        output: hold,
        finishedAt: clock(),
      };
      run = await endStep(deps, run, thread, attempt, simulated);
      continue;
    }
    // Audited before the step is marked executing: a failed audit write leaves nothing half-done.
    await deps.audit.record(
      toolCallAllowedEvent(run, started, tool && 'risk' in tool ? String(tool.risk) : 'unknown'),
    );
    // Recorded before the tool starts: after a crash, the next attempt knows it may have run.
    await runs.saveStep(run.id, started, attempt.owner);
    const outcome = await deps.tools.run(run, spec.tool, args, attempt.signal);
    if (outcome.aborted)
      throw new RunInterruptedError(`step ${index + 1} (${spec.tool}) was interrupted`);
    const done: StepRecord = {
      ...started,
      status: outcome.ok ? StepStatus.Succeeded : StepStatus.Failed,
      ...(outcome.ok ? { output: outcome.output } : { error: outcome.output }),
      finishedAt: clock(),
    };
    run = await endStep(deps, run, thread, attempt, done);
    if (!outcome.ok) {
      return finish(deps, run, attempt, RunStatus.Failed, {
        error: `step ${index + 1} (${spec.tool}) failed: ${outcome.output}`,
      });
    }
    lastOutput = outcome.output;
  }
  return finish(deps, run, attempt, RunStatus.Succeeded, {
    result: run.dryRun ? dryRunResult(run.steps) : lastOutput,
  });
}

/** Records an ended step (stored, audited) and shows it in the thread; returns the run with it. */
async function endStep(
  deps: ExecuteRunDeps,
  run: RunRecord,
  thread: ThreadRef,
  attempt: Attempt,
  ended: StepRecord,
): Promise<RunRecord> {
  await deps.runs.saveStep(run.id, ended, attempt.owner);
  await deps.audit.record(toolCallOutcomeEvent(run, ended));
  const updated = {
    ...run,
    steps: [...run.steps.filter((step) => step.index !== ended.index), ended],
  };
  await deps.notifier.postStepOutcome(updated, thread, ended);
  return updated;
}

async function finish(
  deps: ExecuteRunDeps,
  run: RunRecord,
  attempt: Attempt,
  status: RunStatus,
  fields: { result?: string; error?: string },
): Promise<RunRecord> {
  const finished = await deps.runs.transition(
    run.id,
    ACTIVE_RUN_STATUSES,
    status,
    deps.clock(),
    fields,
    attempt.owner,
  );
  if (finished === null)
    throw new LostClaimError(`run ${run.id} was taken over before it finished`);
  return announce(deps, finished);
}

/** Tells Slack how the run ended, once: a retry after a failed post tries again. */
export async function announce(deps: ExecuteRunDeps, run: RunRecord): Promise<RunRecord> {
  if (run.announcedAt !== undefined) return run;
  await deps.audit.record(runFinishedEvent(run));
  await deps.notifier.postRunFinished(run);
  const at = deps.clock();
  await deps.runs.markAnnounced(run.id, at);
  return { ...run, announcedAt: at };
}
