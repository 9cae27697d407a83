import { Redis } from 'ioredis';
import type { ApprovalRecord } from '../../src/approvals/approval';
import { BullmqApprovalTimers } from '../../src/queue/approval-timers';
import { BullmqRunQueue } from '../../src/queue/bullmq-run-queue';
import { testRedisUrl, uniqueName } from '../support/test-env';

/** Every job's options, as BullMQ stores them beside the job in Redis. */
const EVERY_JOB = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

describe('the jobs that runs and approvals queue', () => {
  let connection: Redis;
  let runs: BullmqRunQueue;
  let timers: BullmqApprovalTimers;
  beforeAll(() => {
    connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const prefix = uniqueName('job_options');
    runs = new BullmqRunQueue(connection, prefix);
    timers = new BullmqApprovalTimers(connection, prefix, () => new Date());
  });
  afterAll(async () => {
    for (const queue of [runs.queue, timers.queue]) await queue.obliterate({ force: true });
    await runs.close();
    await timers.close();
    await connection.quit();
  });

  it('are all retried 8 times with exponential backoff, and kept a day when done, a week when failed', async () => {
    const approval = {
      id: 'r-jobopts:0',
      status: 'pending',
      approvals: [],
      expiresAt: new Date(Date.now() + 60_000),
    } as unknown as ApprovalRecord;
    await runs.enqueueRun('r-jobopts');
    await timers.schedule(approval);
    await timers.retryCardUpdate(approval);

    const jobs = [...(await runs.queue.getJobs()), ...(await timers.queue.getJobs())];
    expect(jobs.map((job) => job.id).sort()).toEqual([
      'r-jobopts',
      'r-jobopts_0_card_pending_0_0',
      'r-jobopts_0_expire',
    ]);
    for (const job of jobs) expect(job.opts).toMatchObject(EVERY_JOB);
  });
});
