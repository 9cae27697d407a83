import { mayStartWorkflow } from '../policy/may-start-workflow';
import { bindInputs, InputError, usageLine } from '../workflows/bind-inputs';
import type { WorkflowCatalog } from '../workflows/load-workflows';
import type { Clock, RunQueue, RunRepository } from './ports';
import { type NewRun, type Requester, type RunRecord, RunStatus } from './run';
import { newRunId } from './run-id';

export interface RunRequest {
  workflow: string;
  /** The `name=value` words after the workflow name. */
  words: string[];
  requester: Requester;
  /** Stable across Slack's redeliveries of one command (its trigger_id). */
  requestKey: string;
  responseUrl?: string;
}

export type PreparedRun = { ok: true; run: NewRun } | { ok: false; message: string };

/**
 * Checks a run request against the catalog without any I/O, so the slash command can be
 * answered within Slack's 3 seconds with either an error or an acknowledgement.
 */
export function prepareRun(catalog: WorkflowCatalog, request: RunRequest): PreparedRun {
  const loaded = catalog.workflows.get(request.workflow);
  if (loaded === undefined || !mayStartWorkflow(loaded.manifest, request.requester)) {
    // The same answer for "missing" and "not allowed": a refusal reveals nothing about the catalog.
    return {
      ok: false,
      message: `There is no workflow "${request.workflow}" that you can run here. Try \`/countersign list\`.`,
    };
  }
  try {
    const inputs = bindInputs(loaded.manifest, request.words);
    return {
      ok: true,
      run: {
        id: newRunId(),
        requestKey: request.requestKey,
        workflow: loaded.manifest.name,
        manifestHash: loaded.hash,
        manifest: loaded.manifest,
        inputs,
        requester: request.requester,
        ...(request.responseUrl ? { responseUrl: request.responseUrl } : {}),
      },
    };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const problems = error.problems.map((problem) => `• ${problem}`).join('\n');
    return {
      ok: false,
      message: `Cannot start *${loaded.manifest.name}*:\n${problems}\nUsage: \`${usageLine(loaded.manifest)}\``,
    };
  }
}

export interface StartRunDeps {
  runs: RunRepository;
  queue: RunQueue;
  clock: Clock;
}

/**
 * Records the run and queues it. Safe to repeat for the same request: a redelivery finds the
 * stored run and re-queues it, which is a no-op unless the first attempt died before queueing.
 */
export async function startRun(
  deps: StartRunDeps,
  run: NewRun,
): Promise<{ run: RunRecord; created: boolean }> {
  const stored = await deps.runs.createOnce(run, deps.clock());
  if (stored.run.status === RunStatus.Queued) await deps.queue.enqueueRun(stored.run.id);
  return stored;
}
