import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { BullmqRunQueue } from '../../src/queue/bullmq-run-queue';

/**
 * Stands in for an approver's Approve click until approval cards exist (issue 5): marks the
 * waiting call approved, as the decision will, and queues the run again.
 */
export async function approveWaitingCall(
  db: Connection,
  queuePrefix: string,
  runId: string,
  index: number,
): Promise<void> {
  const path = `steps.s${index}.status`;
  const updated = await db
    .collection('runs')
    .updateOne(
      { _id: runId as never, [path]: 'awaiting_approval' },
      { $set: { [path]: 'approved' } },
    );
  if (updated.modifiedCount !== 1)
    throw new Error(`call ${index} of ${runId} is not awaiting approval`);
  const connection = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: 1 });
  const queue = new BullmqRunQueue(connection, queuePrefix);
  try {
    await queue.requeueRun(runId);
  } finally {
    await queue.close();
    await connection.quit();
  }
}
