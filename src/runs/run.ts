import type { InputValues } from '../workflows/bind-inputs';
import type { WorkflowManifest } from '../workflows/manifest-schema';

export const RunStatus = {
  Queued: 'queued',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  /** A step was interrupted in a way that is not safe to repeat; a human must look. */
  NeedsAttention: 'needs_attention',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export const FINAL_RUN_STATUSES: readonly RunStatus[] = [
  RunStatus.Succeeded,
  RunStatus.Failed,
  RunStatus.NeedsAttention,
];

/** Statuses of a run that a job still has to move forward. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = [RunStatus.Queued, RunStatus.Running];

export const StepStatus = {
  Executing: 'executing',
  Succeeded: 'succeeded',
  Failed: 'failed',
  /** A dry run did not execute the call; its output says what would have happened. */
  Simulated: 'simulated',
} as const;
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

export interface StepRecord {
  index: number;
  tool: string;
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
  result?: string;
  error?: string;
  createdAt: Date;
  updatedAt: Date;
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
