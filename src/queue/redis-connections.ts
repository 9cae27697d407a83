import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger';
import type { Clock } from '../shared/clock';
import { within } from '../shared/within';
import { type RedisOutage, redisOutage, untilRedisReady } from './redis-outage';

/** The service's connections to REDIS_URL, and the one outage log they all report to. */
export interface RedisConnections {
  /** Commands and probes: they fail fast while Redis is down instead of waiting in an offline queue. */
  commands: Redis;
  /** BullMQ's workers block on Redis and need unlimited retries: their own connection, made on first use. */
  forWorkers(): Redis;
  outage: RedisOutage;
  /** Closes every connection made, at once. */
  close(): Promise<void>;
}

/**
 * Connects to `url` and waits until Redis answers.
 * @throws StoreUnreachableError naming Redis, as a start without MongoDB names MongoDB.
 */
export async function connectRedis(
  url: string,
  log: Logger,
  clock: Clock,
): Promise<RedisConnections> {
  const commands = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await untilRedisReady(commands, url);
  // Every client, queue and worker on Redis reports here: an outage is a few lines, not one per retry.
  const outage = redisOutage(url, log, clock);
  outage.client(commands);
  let workers: Redis | undefined;
  return {
    commands,
    outage,
    forWorkers() {
      if (workers) return workers;
      workers = new Redis(url, { maxRetriesPerRequest: null });
      outage.client(workers);
      return workers;
    },
    async close() {
      await Promise.all([closeRedis(commands), workers && closeRedis(workers)]);
    },
  };
}

/** Quits politely if Redis answers soon, else drops the connection. */
async function closeRedis(redis: Redis): Promise<void> {
  // Not connected: a QUIT would wait in the offline queue for a server that is not there.
  if (redis.status !== 'ready') return redis.disconnect();
  const quit = redis.quit().catch(() => undefined);
  if ((await within(2_000, quit)) === undefined) redis.disconnect();
}
