import type { InputValues } from '../workflows/bind-inputs';
import type { WorkflowManifest } from '../workflows/manifest-schema';

export const RunStatus = {
  Queued: 'queued',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  /** A tool call waits for a human's yes; no worker holds the run meanwhile. */
  AwaitingApproval: 'awaiting_approval',
  /** A step was interrupted in a way that is not safe to repeat; a human must look. */
  NeedsAttention: 'needs_attention',
  /** An agent run used up one of its budgets (turns, tool calls, tokens, time) before it ended. */
  BudgetExhausted: 'budget_exhausted',
  /** A call's approval expired with no decision (`on_timeout: expire`); not a denial. */
  Expired: 'expired',
  /** Its requester or an admin cancelled it (`/countersign cancel`). */
  Cancelled: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export const FINAL_RUN_STATUSES: readonly RunStatus[] = [
  RunStatus.Succeeded,
  RunStatus.Failed,
  RunStatus.NeedsAttention,
  RunStatus.BudgetExhausted,
  RunStatus.Expired,
  RunStatus.Cancelled,
];

/** Statuses of a run that a job still has to move forward. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = [RunStatus.Queued, RunStatus.Running];

/**
 * A tool call's state, written before and after it runs: awaiting_approval → approved →
 * executing → succeeded | failed; refused when its arguments do not fit the tool's input_schema
 * or the policy denies it.
 */
export const StepStatus = {
  AwaitingApproval: 'awaiting_approval',
  /** A human said yes; the next attempt executes it. */
  Approved: 'approved',
  /** Never executed: bad arguments or denied by the policy (`error` says which). */
  Refused: 'refused',
  Executing: 'executing',
  Succeeded: 'succeeded',
  Failed: 'failed',
  /** A dry run did not execute the call; its output says what would have happened. */
  Simulated: 'simulated',
} as const;
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

export interface StepRecord {
  /** Position among the run's calls: a runbook's step number (from 0), or an agent's nth call. */
  index: number;
  /** The manifest tool; for an MCP server, the server's name. */
  tool: string;
  /** The server's own tool, for a call of an MCP server. */
  mcpTool?: string;
  /** The model's `tool_use` id, for an agent's call. */
  toolUseId?: string;
  /** How the policy classed it: low, high. */
  risk?: string;
  /** Canonical JSON of the arguments, so keys with `.` or `$` store safely. */
  args: string;
  status: StepStatus;
  output?: string;
  error?: string;
  startedAt: Date;
  finishedAt?: Date;
}

export interface StatusChange {
  status: RunStatus;
  at: Date;
  detail?: string;
  /** The Slack user who made the change, when a person did (`/countersign cancel`). */
  by?: string;
}

/** Where the run's "started" message is; progress goes into its thread. */
export interface ThreadRef {
  channel: string;
  ts: string;
}

export interface Requester {
  userId: string;
  teamId: string;
  channelId: string;
}

export interface RunRecord {
  id: string;
  /** Identifies the Slack delivery that asked for the run, so a retry cannot start a second one. */
  requestKey: string;
  workflow: string;
  manifestHash: string;
  /** The manifest as it was when the run started: a later edit does not change a run in flight. */
  manifest: WorkflowManifest;
  inputs: InputValues;
  requester: Requester;
  /** Calls above low risk are simulated, not executed (`--dry-run`). */
  dryRun?: boolean;
  /** Slack's response_url for the command, to reach the requester if the channel cannot be used. */
  responseUrl?: string;
  status: RunStatus;
  history: StatusChange[];
  steps: StepRecord[];
  thread?: ThreadRef;
  /** The worker attempt that carries the run now; writes from an older attempt are refused. */
  owner?: string;
  /** When the final outcome reached Slack; a final run without it is still owed its announcement. */
  announcedAt?: Date;
  /** When retention removed its step outputs and result (AUDIT_RETENTION_DAYS); the audit log keeps their hashes. */
  detailsPrunedAt?: Date;
  /** An agent run's conversation with the model so far; it resumes from here on any worker. */
  transcript?: AgentMessage[];
  /** What an agent run has spent. */
  usage?: AgentUsage;
  /** Why the model's last answer ended (`end_turn`, `tool_use`, `max_tokens`, `refusal`…). */
  lastStopReason?: string;
  result?: string;
  error?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One message of an agent's transcript, in the Messages API's shape. */
export interface AgentMessage {
  role: 'user' | 'assistant';
  content: AgentContentBlock[];
}

export type AgentContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean }
  /** Blocks the loop does not read (thinking…) are kept as they came, for the next request. */
  | { type: string; [field: string]: unknown };

export interface AgentUsage {
  /** Model requests made. */
  turns: number;
  inputTokens: number;
  outputTokens: number;
}

/** What the model said in a message: its text blocks, one per line, trimmed ('' for none). */
export function messageText(message: Pick<AgentMessage, 'content'>): string {
  return message.content
    .flatMap((block) =>
      block.type === 'text' && typeof block.text === 'string' ? [block.text] : [],
    )
    .join('\n')
    .trim();
}

/** What an agent run has spent: nothing, until its first model request. */
/** The run's latest change to `status` (who cancelled it, and when), if it ever had it. */
export function lastChangeTo(
  run: Pick<RunRecord, 'history'>,
  status: RunStatus,
): StatusChange | undefined {
  return [...run.history].reverse().find((entry) => entry.status === status);
}

export function usageOf(run: Pick<RunRecord, 'usage'>): AgentUsage {
  return run.usage ?? { turns: 0, inputTokens: 0, outputTokens: 0 };
}

/** What a list of runs shows of each; cheap to read (no manifest, steps or outputs). */
export type RunSummary = Pick<
  RunRecord,
  'id' | 'workflow' | 'status' | 'dryRun' | 'requester' | 'createdAt' | 'updatedAt'
>;

export type NewRun = Pick<
  RunRecord,
  | 'id'
  | 'requestKey'
  | 'workflow'
  | 'manifestHash'
  | 'manifest'
  | 'inputs'
  | 'requester'
  | 'responseUrl'
  | 'dryRun'
>;

/** Every declared input, so an optional one left out renders as empty text rather than failing. */
export function templateInputs(
  run: Pick<RunRecord, 'manifest' | 'inputs'>,
): Record<string, unknown> {
  const declared = Object.fromEntries(
    Object.keys(run.manifest.inputs).map((name) => [name, undefined]),
  );
  return { ...declared, ...run.inputs };
}
