import type { NewRun, RunRecord, RunStatus, StepRecord, ThreadRef } from './run';

/** Persistence of runs. Every method is a single atomic document operation. */
export interface RunRepository {
  /** Creates the run unless one with the same requestKey exists; returns the stored one either way. */
  createOnce(run: NewRun, at: Date): Promise<{ run: RunRecord; created: boolean }>;
  get(id: string): Promise<RunRecord | null>;
  /** Moves the run to `to` only if its status is one of `from`; null if it was not. */
  transition(
    id: string,
    from: readonly RunStatus[],
    to: RunStatus,
    at: Date,
    fields?: { detail?: string; result?: string; error?: string },
  ): Promise<RunRecord | null>;
  /** Records the thread once; returns the thread that is stored (an earlier one wins). */
  setThreadOnce(id: string, thread: ThreadRef): Promise<ThreadRef>;
  /** Inserts or replaces the step with the same index. */
  saveStep(id: string, step: StepRecord): Promise<void>;
}

export interface RunQueue {
  /** Idempotent: asking twice for the same run queues one job. */
  enqueueRun(runId: string): Promise<void>;
}

/** What the requester sees in Slack. */
export interface RunNotifier {
  postRunStarted(run: RunRecord): Promise<ThreadRef>;
  postStepOutcome(run: RunRecord, thread: ThreadRef, step: StepRecord): Promise<void>;
  postRunFinished(run: RunRecord, thread: ThreadRef): Promise<void>;
  /** Tells the requester privately, through the command's response_url, when the channel fails. */
  tellRequester(run: RunRecord, text: string): Promise<void>;
}

export interface ToolOutcome {
  ok: boolean;
  output: string;
}

export interface ToolRunner {
  run(run: RunRecord, toolName: string, args: Record<string, unknown>): Promise<ToolOutcome>;
}

export type Clock = () => Date;

/** The run's channel refuses the bot (not a member, archived, gone): retrying will not help. */
export class ChannelUnavailableError extends Error {
  override readonly name = 'ChannelUnavailableError';
}
