import type { Logger } from 'pino';
import { renderDeep } from '../workflows/template';
import {
  ChannelUnavailableError,
  type Clock,
  type RunNotifier,
  type RunRepository,
  type ToolRunner,
} from './ports';
import {
  FINAL_RUN_STATUSES,
  type RunRecord,
  RunStatus,
  type StepRecord,
  StepStatus,
  templateInputs,
} from './run';

export interface ExecuteRunDeps {
  runs: RunRepository;
  notifier: RunNotifier;
  tools: ToolRunner;
  clock: Clock;
  log: Logger;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Carries a runbook run forward from wherever it stands. Called by a queue worker; safe to call
 * again after a crash at any point: finished steps are not repeated, and a step interrupted while
 * executing is repeated only if its tool is low risk, otherwise the run needs a human.
 */
export async function executeRun(deps: ExecuteRunDeps, runId: string): Promise<RunRecord | null> {
  const { runs, notifier, clock } = deps;
  let run = await runs.get(runId);
  if (run === null) {
    deps.log.warn({ runId }, 'run to execute does not exist');
    return null;
  }
  if (FINAL_RUN_STATUSES.includes(run.status)) return run;

  let thread = run.thread;
  if (thread === undefined) {
    try {
      thread = await runs.setThreadOnce(run.id, await notifier.postRunStarted(run));
    } catch (error) {
      if (!(error instanceof ChannelUnavailableError)) throw error;
      const failed = await runs.transition(run.id, [run.status], RunStatus.Failed, clock(), {
        error: `could not post in the channel: ${error.message}`,
      });
      await notifier.tellRequester(
        run,
        `I could not post in <#${run.requester.channelId}> (${error.message}), so run \`${run.id}\` of *${run.workflow}* did not start. Invite me to the channel, or run it from one I am in.`,
      );
      return failed;
    }
  }
  if (run.status === RunStatus.Queued) {
    const running = await runs.transition(run.id, [RunStatus.Queued], RunStatus.Running, clock());
    // Null: another actor moved it first (e.g. it was failed); act on what is stored.
    run = running ?? (await runs.get(run.id));
    if (run === null || FINAL_RUN_STATUSES.includes(run.status)) return run;
  }
  if (run.manifest.steps === undefined) {
    return finish(deps, run, thread, RunStatus.Failed, {
      error: 'agent workflows are not supported by this version yet',
    });
  }

  const steps = run.manifest.steps;
  let lastOutput = '';
  for (let index = 0; index < steps.length; index++) {
    const spec = steps[index] as (typeof steps)[number];
    const previous = run.steps.find((step) => step.index === index);
    if (previous?.status === StepStatus.Succeeded) {
      lastOutput = previous.output ?? '';
      continue;
    }
    if (previous?.status === StepStatus.Failed) {
      return finish(deps, run, thread, RunStatus.Failed, {
        error: previous.error ?? 'step failed',
      });
    }
    const tool = run.manifest.tools.find(
      (candidate) => 'name' in candidate && candidate.name === spec.tool,
    );
    if (
      previous?.status === StepStatus.Executing &&
      tool &&
      'risk' in tool &&
      tool.risk !== 'low'
    ) {
      return finish(deps, run, thread, RunStatus.NeedsAttention, {
        error: `step ${index + 1} (${spec.tool}) was interrupted while executing; it is not repeated automatically`,
      });
    }

    let args: Record<string, unknown>;
    try {
      args = renderDeep(spec.with, { inputs: templateInputs(run) }) as Record<string, unknown>;
    } catch (error) {
      return finish(deps, run, thread, RunStatus.Failed, {
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
    await runs.saveStep(run.id, started);
    const outcome = await deps.tools.run(run, spec.tool, args);
    const done: StepRecord = {
      ...started,
      status: outcome.ok ? StepStatus.Succeeded : StepStatus.Failed,
      ...(outcome.ok ? { output: outcome.output } : { error: outcome.output }),
      finishedAt: clock(),
    };
    await runs.saveStep(run.id, done);
    run = { ...run, steps: [...run.steps.filter((step) => step.index !== index), done] };
    await notifier.postStepOutcome(run, thread, done);
    if (!outcome.ok) {
      return finish(deps, run, thread, RunStatus.Failed, {
        error: `step ${index + 1} (${spec.tool}) failed: ${outcome.output}`,
      });
    }
    lastOutput = outcome.output;
  }
  return finish(deps, run, thread, RunStatus.Succeeded, { result: lastOutput });
}

async function finish(
  deps: ExecuteRunDeps,
  run: RunRecord,
  thread: { channel: string; ts: string },
  status: RunStatus,
  fields: { result?: string; error?: string },
): Promise<RunRecord> {
  const finished =
    (await deps.runs.transition(
      run.id,
      [RunStatus.Queued, RunStatus.Running],
      status,
      deps.clock(),
      fields,
    )) ?? (await deps.runs.get(run.id));
  const final = finished ?? { ...run, status, ...fields };
  await deps.notifier.postRunFinished(final, thread);
  return final;
}
