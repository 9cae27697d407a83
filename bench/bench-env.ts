import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { testMongoUri } from '../test/support/test-env';

/**
 * The real services the bench runs against; the service's defaults (nothing leaves FerretDB
 * running on a fixed port: `npm run services up` starts one and prints its MONGODB_URI).
 */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';

/** A database name or queue prefix of its own, so a bench never meets a test's data. */
export function benchName(what: string): string {
  return `bench_${what.replace(/[^A-Za-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
}

export function benchMongoUri(dbName: string): string {
  return testMongoUri(dbName, MONGODB_URI);
}

/** Deletes every Redis key under a queue prefix (BullMQ keys are `<prefix>:<queue>:…`). */
export async function dropQueuePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
  mongodbServer: string;
  date: string;
}

/** What the figures were measured on: they mean little without it. */
export async function machineInfo(): Promise<MachineInfo> {
  const redis = new Redis(REDIS_URL);
  const info = await redis.info('server').finally(() => redis.disconnect());
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const connection = await mongoose.createConnection(benchMongoUri('admin')).asPromise();
  let mongodbServer = 'unknown';
  try {
    const build = (await connection.db?.admin().command({ buildInfo: 1 })) as
      | { version?: string; ferretdbVersion?: string }
      | undefined;
    mongodbServer = build?.ferretdbVersion
      ? `FerretDB ${build.ferretdbVersion} (wire version ${build.version})`
      : `MongoDB ${build?.version ?? 'unknown'}`;
  } finally {
    await connection.close();
  }
  const kernel = await promisify(execFile)('uname', ['-sr']).then(
    (out) => out.stdout.trim(),
    () => `${os.type()} ${os.release()}`,
  );
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: kernel,
    node: process.version,
    redis: redisVersion,
    mongodbServer,
    date: new Date().toISOString(),
  };
}
