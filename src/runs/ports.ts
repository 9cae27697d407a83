import type { CallTarget } from '../workflows/call-target';
import type {
  AgentMessage,
  AgentUsage,
  NewRun,
  RunRecord,
  RunStatus,
  RunSummary,
  StepRecord,
  ThreadRef,
} from './run';

/** Persistence of runs. Every method is a single atomic document operation. */
export interface RunRepository {
  /** Creates the run unless one with the same requestKey exists; returns the stored one either way. */
  createOnce(run: NewRun, at: Date): Promise<{ run: RunRecord; created: boolean }>;
  get(id: string): Promise<RunRecord | null>;
  /** Makes `owner` the run's carrier (a newer attempt takes over from a dead one). */
  claim(id: string, owner: string): Promise<RunRecord | null>;
  /**
   * Moves the run to `to` only if its status is one of `from` (and, given `owner`, only if that
   * attempt still carries it); null if it was not. `detail` and `by` go into the history entry.
   */
  transition(
    id: string,
    from: readonly RunStatus[],
    to: RunStatus,
    at: Date,
    fields?: TransitionFields,
    owner?: string,
  ): Promise<RunRecord | null>;
  /** Records the thread once; returns the thread that is stored (an earlier one wins). */
  setThreadOnce(id: string, thread: ThreadRef): Promise<ThreadRef>;
  /**
   * Inserts or replaces the step with the same index. A step that has not ended (about to execute,
   * or waiting for approval) is saved only while the run is `running`; an ended one whenever
   * `owner` carries the run, so the outcome of a call in flight when the run was cancelled is kept.
   * @throws LostClaimError if `owner` no longer carries the run, or it stopped running.
   */
  saveStep(id: string, step: StepRecord, owner: string): Promise<void>;
  /**
   * Saves an agent's progress in one atomic update: appends messages to its transcript, adds to
   * its usage, and records why the model's answer ended.
   * @throws LostClaimError if `owner` no longer carries the run, or it stopped running (so a
   * cancelled run asks the model nothing more).
   */
  saveAgentProgress(id: string, owner: string, progress: AgentProgress): Promise<void>;
  /**
   * Records a human's decision on a call: sets `fields` on the step only if its status is still
   * `from` (`awaiting_approval`, or `executing` for an outcome nobody knows); false if it was not.
   */
  settleStep(
    id: string,
    index: number,
    from: StepRecord['status'],
    fields: Pick<StepRecord, 'status'> &
      Partial<Pick<StepRecord, 'output' | 'error' | 'finishedAt'>>,
  ): Promise<boolean>;
  /**
   * Takes a run that needed attention back from its end, once a human decided what to do: to
   * `to`, announced again when it ends anew. Null if it no longer needs attention.
   */
  reopen(
    id: string,
    to: RunStatus,
    at: Date,
    fields?: { detail?: string; error?: string },
  ): Promise<RunRecord | null>;
  markAnnounced(id: string, at: Date): Promise<void>;
  /**
   * Removes the step outputs and the result of up to `limit` final runs last updated before
   * `finishedBefore`, marking them pruned at `at`; returns how many runs it pruned.
   */
  pruneDetails(finishedBefore: Date, at: Date, limit: number): Promise<number>;
  /** Runs in one of `statuses` not updated since `before`, oldest first. */
  findStale(statuses: readonly RunStatus[], before: Date, limit: number): Promise<RunRecord[]>;
  /** Final runs whose outcome has not reached Slack, finished before `before`. */
  findUnannounced(before: Date, limit: number): Promise<RunRecord[]>;
  /** The newest runs first, of one requester (a Slack user id) or, without one, of everyone. */
  recent(query: { requesterId?: string; limit: number }): Promise<RunSummary[]>;
}

/** What a status change records besides the status. */
export interface TransitionFields {
  detail?: string;
  /** Who made the change, when a person did. */
  by?: string;
  result?: string;
  error?: string;
}

/** What one step of an agent's loop adds to its run. */
export interface AgentProgress {
  messages?: AgentMessage[];
  usage?: AgentUsage;
  stopReason?: string;
}

/** Where the run's job stands in the queue. */
export type RunJobState = 'pending' | 'completed' | 'failed' | 'missing';

export interface RunQueue {
  /** Idempotent: asking twice for the same run queues one job. */
  enqueueRun(runId: string): Promise<void>;
  runJobState(runId: string): Promise<RunJobState>;
  /** Replaces a finished or failed job of the run by a fresh one (for recovery). */
  requeueRun(runId: string): Promise<void>;
}

/** What the requester sees in Slack. */
export interface RunNotifier {
  postRunStarted(run: RunRecord): Promise<ThreadRef>;
  postStepOutcome(run: RunRecord, thread: ThreadRef, step: StepRecord): Promise<void>;
  /** In the thread and the headline when there is one; privately to the requester otherwise. */
  postRunFinished(run: RunRecord): Promise<void>;
}

export interface ToolOutcome {
  ok: boolean;
  output: string;
  /** Stopped by the abort signal (shutdown): the outcome is unknown, not a failure. */
  aborted?: boolean;
}

/** What a tool needs to know of its run: the manifest it runs under and the run's inputs. */
export type ToolRunContext = Pick<RunRecord, 'workflow' | 'manifest' | 'inputs'>;

/** A tool as the model sees it, and what a call of it calls (for MCP, the server and its tool). */
export interface ToolDescriptor extends CallTarget {
  /** The name the model calls it by (an MCP tool's is `<server>__<tool>`). */
  modelName: string;
  description?: string;
  /** JSON Schema of its arguments. */
  inputSchema: Record<string, unknown>;
}

/**
 * The tools of one run attempt. MCP servers are started when it opens and stopped when it closes.
 * Outputs come back with every secret value scrubbed.
 */
export interface ToolSession {
  /** The tools offered to the model. */
  readonly tools: readonly ToolDescriptor[];
  /** The tool the model calls by this name, offered or not (a denied MCP tool is not offered). */
  find(modelName: string): ToolDescriptor | undefined;
  call(
    target: CallTarget,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolOutcome>;
  close(): Promise<void>;
}

/** A run's tools could not be prepared (an MCP server did not start, a secret is missing). */
export class ToolSetupError extends Error {
  override readonly name = 'ToolSetupError';

  constructor(
    message: string,
    /** Worth another attempt (a start timeout); otherwise the run fails with the message. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface ToolRunner {
  /** @throws ToolSetupError, its message fit for the requester and free of secrets. */
  open(run: ToolRunContext, signal?: AbortSignal): Promise<ToolSession>;
}

/** One answer of the model. */
export interface ModelReply {
  message: AgentMessage & { role: 'assistant' };
  stopReason: string | null;
  usage: { inputTokens: number; outputTokens: number };
}

export interface ModelRequest {
  model: string;
  system: string;
  tools: readonly ToolDescriptor[];
  messages: readonly AgentMessage[];
  maxTokens: number;
}

/** The model an agent run talks to (Claude through the Messages API). */
export interface AgentModel {
  /** @throws ModelError once the client's own retries are spent. */
  respond(request: ModelRequest, signal?: AbortSignal): Promise<ModelReply>;
}

/** The model API failed for good (after retries): the run fails with this message. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
}

/** The run's channel refuses the bot (not a member, archived, gone): retrying will not help. */
export class ChannelUnavailableError extends Error {
  override readonly name = 'ChannelUnavailableError';
}

/** Another attempt took the run over; this one must stop without writing. */
export class LostClaimError extends Error {
  override readonly name = 'LostClaimError';
}

/** The attempt was stopped (shutdown) in the middle of a step; a later attempt resumes it. */
export class RunInterruptedError extends Error {
  override readonly name = 'RunInterruptedError';
}
