import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApprovalRecord } from '../approvals/approval';
import {
  type ApprovalDeadline,
  type ApprovalDeadlineDeps,
  handleApprovalDeadline,
} from '../approvals/approval-deadlines';
import type { ApprovalTimers } from '../approvals/ports';
import type { Clock } from '../shared/clock';
import { APPROVALS_QUEUE, type ApprovalJob, approvalJobSchema } from './approval-jobs';
import { JOB_OPTIONS } from './job-options';
import type { JobsInProgress } from './jobs-in-progress';

/**
 * An approval's expiry, reminder and escalation as delayed BullMQ jobs: nothing waits in a
 * process. Job ids are derived from the approval, so scheduling twice schedules once.
 */
export class BullmqApprovalTimers implements ApprovalTimers {
  readonly queue: Queue<ApprovalJob>;

  constructor(
    connection: Redis,
    prefix: string,
    private readonly clock: Clock,
  ) {
    this.queue = new Queue<ApprovalJob>(APPROVALS_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: JOB_OPTIONS,
    });
  }

  async schedule(approval: ApprovalRecord): Promise<void> {
    const due: [ApprovalDeadline, Date | undefined][] = [
      ['remind', approval.remindAt],
      ['escalate', approval.escalateAt],
      ['expire', approval.expiresAt],
    ];
    const now = this.clock().getTime();
    for (const [deadline, at] of due) {
      if (at === undefined) continue;
      await this.queue.add(
        deadline,
        { approvalId: approval.id, deadline },
        {
          // BullMQ job ids may not hold ':'.
          jobId: `${approval.id.replaceAll(':', '_')}_${deadline}`,
          delay: Math.max(0, at.getTime() - now),
        },
      );
    }
  }

  async retryCardUpdate(approval: ApprovalRecord): Promise<void> {
    // One job per state of the approval: it shows the latest state whenever it runs.
    const state = `${approval.status}_${approval.approvals.length}_${approval.escalatedAt ? 1 : 0}`;
    await this.queue.add(
      'card',
      { approvalId: approval.id, deadline: 'card' },
      { jobId: `${approval.id.replaceAll(':', '_')}_card_${state}` },
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** Carries out approval deadlines as they fall due. */
export function startApprovalWorker(
  deps: ApprovalDeadlineDeps,
  options: { connection: Redis; prefix: string; log: Logger; jobs?: JobsInProgress },
): Worker<ApprovalJob> {
  const processor = async (job: Job<ApprovalJob>) => {
    const { approvalId, deadline } = approvalJobSchema.parse(job.data);
    await handleApprovalDeadline(deps, approvalId, deadline);
  };
  const worker = new Worker<ApprovalJob>(
    APPROVALS_QUEUE,
    options.jobs ? options.jobs.track(processor) : processor,
    { connection: options.connection, prefix: options.prefix, concurrency: 5 },
  );
  worker.on('failed', (job, error) =>
    options.log.warn({ err: error, jobId: job?.id }, 'approval deadline failed; retried'),
  );
  return worker;
}
