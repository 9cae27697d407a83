import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger';
import { outageLog } from '../observability/outage-log';
import { storeUnreachable, withoutCredentials } from '../store/store-unreachable';

/** How long a start waits for Redis to answer before telling the operator it is unreachable. */
export const REDIS_START_TIMEOUT_MS = 5_000;

/** Anything that reports failures as 'error' events: an ioredis client, a BullMQ queue or worker. */
interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** A connection that failed or dropped, as BullMQ tells them from a command's own failure. */
function isConnectionError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return (
    (code !== undefined && CONNECTION_CODES.has(code)) ||
    error.message === 'Connection is closed.' ||
    error.message.includes('ECONNREFUSED')
  );
}

export interface RedisOutage {
  /** An ioredis client: each of its errors counts toward the outage; once all are ready, it is over. */
  client(redis: Redis): void;
  /** A BullMQ queue or worker: its connection errors count toward the outage; others are logged as `<label> error`. */
  emitter(emitter: ErrorEmitter, label: string, level: 'warn' | 'error'): void;
}

/** One outage log for every client, queue and worker on REDIS_URL: one line when it goes, one when it is back. */
export function redisOutage(url: string, log: Logger, clock: () => Date): RedisOutage {
  const clients: Redis[] = [];
  const outage = outageLog({
    subject: `Redis at ${withoutCredentials(url)} (REDIS_URL)`,
    log,
    clock,
  });
  const anyClientDown = () => clients.some((client) => client.status !== 'ready');
  return {
    client(redis) {
      clients.push(redis);
      redis.on('error', (error) => outage.failed(error));
      redis.on('ready', () => {
        if (!anyClientDown()) outage.recovered();
      });
    },
    emitter(emitter, label, level) {
      emitter.on('error', (error) => {
        if (isConnectionError(error) || anyClientDown()) outage.failed(error);
        else log[level]({ err: error }, `${label} error`);
      });
    },
  };
}

/**
 * Resolves once `redis` is ready.
 * @throws StoreUnreachableError naming Redis and the URL (password masked) after `timeoutMs`
 * without an answer; the client is disconnected, so it stops retrying.
 */
export async function untilRedisReady(
  redis: Redis,
  url: string,
  timeoutMs = REDIS_START_TIMEOUT_MS,
): Promise<void> {
  if (redis.status === 'ready') return;
  let lastError: Error | undefined;
  const remember = (error: Error) => {
    lastError = error;
  };
  redis.on('error', remember);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      redis.once('ready', resolve);
    });
  } catch (timeout) {
    redis.disconnect();
    throw storeUnreachable('Redis', 'REDIS_URL', url, lastError ?? timeout);
  } finally {
    clearTimeout(timer);
    redis.off('error', remember);
  }
}
