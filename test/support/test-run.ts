// What one jest run makes in the shared services and the temp directory, and its removal.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import mongoose from 'mongoose';

/** Set by the global setup: a short id in every uniqueName() of this run, and its temp folder. */
export const TEST_RUN_ENV = 'COUNTERSIGN_TEST_RUN';
export const TEST_RUN_TMPDIR_ENV = 'COUNTERSIGN_TEST_RUN_TMPDIR';

/** This run's id, or 'local' outside jest (a script importing the test helpers). */
export function testRunId(): string {
  return process.env[TEST_RUN_ENV] || 'local';
}

/** Redis keys and MongoDB database names of this run (see uniqueName). */
export function testRunPattern(run = testRunId()): RegExp {
  return new RegExp(`^t_\\w*_${run}_[0-9a-f]{10}`);
}

/**
 * Starts a run: a new id, and a temp folder of its own that every test's os.tmpdir() returns
 * (workers inherit TMPDIR), so whatever a test leaves there goes when the folder does.
 */
export function beginTestRun(): { run: string; tmpdir: string } {
  const run = randomBytes(3).toString('hex');
  const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), `countersign-tests-${run}-`));
  process.env[TEST_RUN_ENV] = run;
  process.env[TEST_RUN_TMPDIR_ENV] = tmpdir;
  process.env.TMPDIR = tmpdir;
  return { run, tmpdir };
}

export interface Leftovers {
  redisKeys: number;
  databases: string[];
}

async function runRedisKeys(redis: Redis, run: string): Promise<string[]> {
  const keys: string[] = [];
  // SCAN, not KEYS: the shared Redis holds other runs' keys too.
  for await (const batch of redis.scanStream({ match: `t_*_${run}_*`, count: 1000 })) {
    keys.push(...(batch as string[]).filter((key) => testRunPattern(run).test(key)));
  }
  return keys;
}

async function runDatabases(connection: mongoose.Connection, run: string): Promise<string[]> {
  const admin = connection.db?.admin();
  if (admin === undefined) return [];
  const { databases } = await admin.listDatabases({ nameOnly: true });
  return databases.map((db) => db.name).filter((name) => testRunPattern(run).test(name));
}

/** Removes this run's Redis keys and databases; returns how many of them are left after. */
export async function removeTestRunData(
  stores: { redisUrl: string; mongoUri: string },
  run = testRunId(),
): Promise<Leftovers> {
  const redis = new Redis(stores.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const connection = mongoose.createConnection(stores.mongoUri, {
    serverSelectionTimeoutMS: 5_000,
  });
  try {
    await redis.connect();
    const keys = await runRedisKeys(redis, run);
    for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
    await connection.asPromise();
    for (const name of await runDatabases(connection, run)) {
      await connection.useDb(name, { useCache: false }).dropDatabase();
    }
    return {
      redisKeys: (await runRedisKeys(redis, run)).length,
      databases: await runDatabases(connection, run),
    };
  } finally {
    redis.disconnect();
    await connection.close();
  }
}

/** Removes the run's temp folder (after the servers the setup started there have stopped). */
export function removeTestRunTmpdir(tmpdir = process.env[TEST_RUN_TMPDIR_ENV]): boolean {
  if (tmpdir === undefined) return false;
  fs.rmSync(tmpdir, { recursive: true, force: true });
  return fs.existsSync(tmpdir);
}
