import { type GroupLookup, mayStartWorkflow } from '../policy/may-start-workflow';
import type { Clock } from '../shared/clock';
import { bindInputs, InputError, usageLine } from '../workflows/bind-inputs';
import type { WorkflowCatalog } from '../workflows/load-workflows';
import type { RunQueue, RunRepository } from './ports';
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
  /** Simulate every call above low risk (`--dry-run`). */
  dryRun?: boolean;
}

/**
 * Why a request starts nothing. `not_allowed` and `unknown_workflow` are told to the user in the
 * same words: a refusal reveals nothing about a workflow the user may not run.
 */
export type RunRefusal =
  | { ok: false; reason: 'unknown_workflow'; workflow: string }
  | { ok: false; reason: 'not_allowed'; workflow: string; manifestHash: string }
  | {
      ok: false;
      reason: 'access_unresolved';
      workflow: string;
      manifestHash: string;
      error: string;
    }
  | { ok: false; reason: 'bad_inputs'; workflow: string; problems: string[]; usage: string }
  | { ok: false; reason: 'gateway_workflow'; workflow: string };

export type PreparedRun = { ok: true; run: NewRun } | RunRefusal;

/**
 * Checks a run request against the catalog and the workflow's access rules, without touching the
 * stores, so the slash command can be answered within Slack's 3 seconds with either an error or
 * an acknowledgement. The only I/O is the user-group lookup, bounded by `groups.timeoutMs`.
 * Access is checked before the inputs, so a user who may not run a workflow learns nothing of them
 * (nor that it is a gateway workflow, which is refused: it is used through tokens, never started).
 */
export async function prepareRun(
  catalog: WorkflowCatalog,
  request: RunRequest,
  groups: GroupLookup,
): Promise<PreparedRun> {
  const loaded = catalog.workflows.get(request.workflow);
  if (loaded === undefined) {
    return { ok: false, reason: 'unknown_workflow', workflow: request.workflow };
  }
  const access = await mayStartWorkflow(loaded.manifest, request.requester, groups);
  if (!access.allowed) {
    const refused = { workflow: loaded.manifest.name, manifestHash: loaded.hash };
    return access.reason === 'access_unresolved'
      ? { ok: false, reason: 'access_unresolved', ...refused, error: access.error }
      : { ok: false, reason: 'not_allowed', ...refused };
  }
  // A gateway workflow is a policy for outside agents' calls: there is nothing to run.
  if (loaded.manifest.gateway !== undefined) {
    return { ok: false, reason: 'gateway_workflow', workflow: loaded.manifest.name };
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
        ...(request.dryRun ? { dryRun: true } : {}),
      },
    };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return {
      ok: false,
      reason: 'bad_inputs',
      workflow: loaded.manifest.name,
      problems: error.problems,
      usage: usageLine(loaded.manifest),
    };
  }
}

export interface StartRunDeps {
  runs: RunRepository;
  queue: RunQueue;
  clock: Clock;
}

/** The run was recorded but could not be queued; it is recorded as failed so nothing waits on it. */
export class EnqueueFailedError extends Error {
  override readonly name = 'EnqueueFailedError';
  constructor(
    readonly run: RunRecord,
    options: { cause: unknown },
  ) {
    super(
      `could not queue run ${run.id}: ${(options.cause as Error)?.message ?? options.cause}`,
      options,
    );
  }
}

/**
 * Records the run and queues it. Safe to repeat for the same request: a redelivery finds the
 * stored run and re-queues it only if it is still waiting to start.
 * @throws EnqueueFailedError when the queue is unavailable (the run is then recorded as failed)
 */
export async function startRun(
  deps: StartRunDeps,
  run: NewRun,
): Promise<{ run: RunRecord; created: boolean }> {
  const stored = await deps.runs.createOnce(run, deps.clock());
  if (stored.run.status !== RunStatus.Queued) return stored;
  try {
    await deps.queue.enqueueRun(stored.run.id);
  } catch (cause) {
    const failed = await deps.runs
      .transition(stored.run.id, [RunStatus.Queued], RunStatus.Failed, deps.clock(), {
        error: `could not be queued: ${(cause as Error).message}`,
      })
      .catch(() => null);
    throw new EnqueueFailedError(failed ?? stored.run, { cause });
  }
  return stored;
}
