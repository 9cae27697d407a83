import type { Logger } from 'pino';
import type { ApprovalRepository, ApprovalSurfaces, ApprovalTimers } from '../approvals/ports';
import type { ApprovalDeps } from '../approvals/request-approval';
import type { AuditLog } from '../audit/ports';
import type { Clock } from '../shared/clock';
import { requestApproval, requestOutcomeDecision } from './ask-for-approval';
import {
  type AgentModel,
  type AgentProgress,
  LostClaimError,
  type RunNotifier,
  type RunRepository,
  type ToolRunner,
  type TransitionFields,
} from './ports';
import {
  ACTIVE_RUN_STATUSES,
  type RunRecord,
  RunStatus,
  type StepRecord,
  StepStatus,
  type ThreadRef,
  usageOf,
} from './run';
import { runFinishedEvent, toolCallOutcomeEvent } from './run-audit';

export interface ExecuteRunDeps {
  runs: RunRepository;
  /** Every fact of the run is recorded here, keyed, so a later attempt fills what a crash left out. */
  audit: AuditLog;
  notifier: RunNotifier;
  tools: ToolRunner;
  /** Where calls that need approval are asked for, and their cards posted. */
  approvals: ApprovalRepository;
  approvalSurfaces: ApprovalSurfaces;
  approvalTimers: ApprovalTimers;
  /** The model of agent runs; without one, agent workflows fail with a clear message. */
  model?: AgentModel;
  /** The Claude model of agent workflows that name none. */
  defaultModel: string;
  clock: Clock;
  log: Logger;
}

export interface Attempt {
  /** Identifies this attempt (the queue job's lock token); it claims the run. */
  owner: string;
  /** Aborted when the worker shuts down; the step in progress is left for the next attempt. */
  signal?: AbortSignal;
}

/** One attempt at carrying a run: the run as it stands, and how each change is recorded. */
export class RunAttempt {
  constructor(
    readonly deps: ExecuteRunDeps,
    public run: RunRecord,
    readonly thread: ThreadRef,
    readonly attempt: Attempt,
  ) {}

  /** Saves a step in its new state (before it executes, or as it waits). */
  async saveStep(step: StepRecord): Promise<void> {
    await this.deps.runs.saveStep(this.run.id, step, this.attempt.owner);
    this.run = withStep(this.run, step);
  }

  /** Records an ended step (stored, audited) and shows it in the thread. */
  async endStep(ended: StepRecord): Promise<void> {
    await this.saveStep(ended);
    await this.deps.audit.record(toolCallOutcomeEvent(this.run, ended));
    await this.deps.notifier.postStepOutcome(this.run, this.thread, ended);
  }

  /** Appends to an agent's transcript and usage, in one write. */
  async saveAgentProgress(progress: AgentProgress): Promise<void> {
    await this.deps.runs.saveAgentProgress(this.run.id, this.attempt.owner, progress);
    const usage = usageOf(this.run);
    this.run = {
      ...this.run,
      transcript: [...(this.run.transcript ?? []), ...(progress.messages ?? [])],
      usage: progress.usage
        ? {
            turns: usage.turns + progress.usage.turns,
            inputTokens: usage.inputTokens + progress.usage.inputTokens,
            outputTokens: usage.outputTokens + progress.usage.outputTokens,
          }
        : usage,
      ...(progress.stopReason !== undefined ? { lastStopReason: progress.stopReason } : {}),
    };
  }

  /** Moves the run from `from` to `to`. @throws LostClaimError when another attempt took it over. */
  async transition(
    from: readonly RunStatus[],
    to: RunStatus,
    fields: TransitionFields = {},
  ): Promise<RunRecord> {
    const moved = await this.deps.runs.transition(
      this.run.id,
      from,
      to,
      this.deps.clock(),
      fields,
      this.attempt.owner,
    );
    if (moved === null) throw new LostClaimError(`run ${this.run.id} was taken over`);
    this.run = moved;
    return moved;
  }

  /**
   * Leaves the run waiting for a decision; no worker, timer or promise is held meanwhile. Each
   * waiting call's approval is asked for first (stored, card posted, expiry scheduled; all once),
   * so an attempt that fails before the run moves asks again and finds it done.
   */
  async awaitApproval(): Promise<RunRecord> {
    if (this.run.status === RunStatus.AwaitingApproval) return this.run;
    for (const step of this.run.steps) {
      if (step.status !== StepStatus.AwaitingApproval) continue;
      const approval = await requestApproval(this.approvalDeps(), this.run, step, this.thread);
      // A card in the thread says it all; one elsewhere gets a pointer in the thread.
      if (approval.threadTs === undefined) {
        await this.deps.notifier.postStepOutcome(this.run, this.thread, step);
      }
    }
    return this.transition([RunStatus.Running], RunStatus.AwaitingApproval);
  }

  /**
   * A call above low risk was found executing after a crash: it is not repeated blindly. Its
   * approvers get a card (retry / mark as done / abort) and the run ends as needing attention
   * until one of them decides.
   */
  async outcomeUnknown(step: StepRecord, error: string): Promise<RunRecord> {
    await requestOutcomeDecision(this.approvalDeps(), this.run, step, this.thread);
    return this.finish(RunStatus.NeedsAttention, { error });
  }

  private approvalDeps(): ApprovalDeps {
    return approvalDepsOf(this.deps);
  }

  /** Ends the run and tells Slack. */
  async finish(status: RunStatus, fields: { result?: string; error?: string }): Promise<RunRecord> {
    await this.transition(ACTIVE_RUN_STATUSES, status, fields);
    return announce(this.deps, this.run);
  }
}

function withStep(run: RunRecord, step: StepRecord): RunRecord {
  return { ...run, steps: [...run.steps.filter((other) => other.index !== step.index), step] };
}

/** What asking a run's approvers needs, from what carrying the run has. */
export function approvalDepsOf(deps: ExecuteRunDeps): ApprovalDeps {
  return {
    approvals: deps.approvals,
    surfaces: deps.approvalSurfaces,
    timers: deps.approvalTimers,
    audit: deps.audit,
    clock: deps.clock,
    log: deps.log,
  };
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

/** How long the run has been running, its waits for approval excluded. */
export function runningTimeMs(run: Pick<RunRecord, 'history'>, now: Date): number {
  let total = 0;
  let since: Date | undefined;
  for (const change of run.history) {
    if (change.status === RunStatus.Running) since ??= change.at;
    else if (since !== undefined) {
      total += change.at.getTime() - since.getTime();
      since = undefined;
    }
  }
  if (since !== undefined) total += now.getTime() - since.getTime();
  return total;
}
