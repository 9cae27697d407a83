import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import mongoose from 'mongoose';
import { testMongoUri, testRedisUrl, uniqueName } from './test-env';
import { removeTestRunData, removeTestRunTmpdir, TEST_RUN_TMPDIR_ENV, testRunId } from './test-run';

describe('what a test run leaves behind', () => {
  it("puts every test's temp files in the run's own folder, which the teardown removes", () => {
    const runTmpdir = process.env[TEST_RUN_TMPDIR_ENV];
    expect(runTmpdir).toBeDefined();
    expect(os.tmpdir()).toBe(runTmpdir);
    const made = fs.mkdtempSync(path.join(os.tmpdir(), 'countersign-anything-'));
    expect(made.startsWith(`${runTmpdir}${path.sep}`)).toBe(true);
  });

  it("names every key prefix and database with the run's id", () => {
    expect(uniqueName('a long prefix, with: odd characters!'.repeat(2))).toMatch(
      new RegExp(`^t_[A-Za-z0-9_]{40}_${testRunId()}_[0-9a-f]{10}$`),
    );
    expect(uniqueName('x'.repeat(100)).length).toBeLessThanOrEqual(63);
  });

  it("removes a run's keys, databases and folder, and nothing of another run", async () => {
    const run = 'feed42';
    const mine = `t_cleanup_${run}_0123456789`;
    const theirs = `t_cleanup_beef01_0123456789`;
    const redis = new Redis(testRedisUrl());
    const uri = testMongoUri(mine);
    const connection = await mongoose.createConnection(uri).asPromise();
    try {
      await redis.set(`${mine}:runs:id`, '1');
      await redis.hset(`${mine}:runs:meta`, 'k', 'v');
      await redis.set(`${theirs}:runs:id`, '1');
      await connection.collection('things').insertOne({ n: 1 });
      const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'countersign-tests-feed42-'));
      fs.writeFileSync(path.join(tmpdir, 'left-over'), 'x');

      const stores = { redisUrl: testRedisUrl(), mongoUri: testMongoUri('') };
      expect(await removeTestRunData(stores, run)).toEqual({ redisKeys: 0, databases: [] });
      expect(removeTestRunTmpdir(tmpdir)).toBe(false);

      expect(await redis.exists(`${mine}:runs:id`, `${mine}:runs:meta`)).toBe(0);
      expect(await redis.get(`${theirs}:runs:id`)).toBe('1');
      const { databases } = (await connection.db?.admin().listDatabases({ nameOnly: true })) ?? {
        databases: [],
      };
      expect(databases.map((db) => db.name)).not.toContain(mine);
      expect(fs.existsSync(tmpdir)).toBe(false);
    } finally {
      await redis.del(`${theirs}:runs:id`);
      redis.disconnect();
      await connection.close();
    }
  });
});
