import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import mongoose from 'mongoose';
import { devDataDir } from '../../scripts/dev-data-dir';
import { provideMongo, provideRedis } from '../support/services';

const root = path.join(__dirname, '../..');

describe('npm run dev keeps its data', () => {
  it('in a named folder of the repository, ignored by git and docker, not a temporary one', () => {
    const dir = devDataDir(root, {});
    expect(dir).toBe(path.join(root, '.countersign', 'dev'));
    expect(dir.startsWith(os.tmpdir())).toBe(false);
    // check-ignore exits 0 when the path is ignored (and throws otherwise).
    execFileSync('git', ['check-ignore', '-q', path.join(dir, 'ferretdb', 'data')], { cwd: root });
    expect(readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n')).toContain(
      '.countersign',
    );
  });

  it('or in the folder COUNTERSIGN_DEV_DATA_DIR names, relative to the repository', () => {
    expect(devDataDir(root, { COUNTERSIGN_DEV_DATA_DIR: 'var/dev' })).toBe(
      path.join(root, 'var/dev'),
    );
    expect(devDataDir(root, { COUNTERSIGN_DEV_DATA_DIR: '/srv/countersign' })).toBe(
      '/srv/countersign',
    );
  });

  it('across a restart: what FerretDB and Redis held before a stop is there after', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'countersign-dev-data-'));
    const quiet = { log: () => {}, dataDir };
    /** Starts both stores here, as dev does on a bare machine, and runs `use` against them. */
    const withStores = async <T>(use: (db: mongoose.Connection, redis: Redis) => Promise<T>) => {
      const mongo = await provideMongo({ ...quiet, mongoUri: '' });
      const redisServer = await provideRedis({ ...quiet, redisUrl: 'redis://127.0.0.1:1' });
      const db = await mongoose.createConnection(`${mongo.url}dev`).asPromise();
      const redis = new Redis(redisServer.url);
      try {
        return await use(db, redis);
      } finally {
        redis.disconnect();
        await db.close();
        await mongo.stop();
        await redisServer.stop();
      }
    };
    await withStores(async (db, redis) => {
      await db.collection('runs').insertOne({ _id: 'r-kept2345' } as never);
      await redis.set('dev:kept', 'yes');
    });
    const kept = await withStores(async (db, redis) => ({
      runs: await db.collection('runs').countDocuments({ _id: 'r-kept2345' } as never),
      key: await redis.get('dev:kept'),
    }));
    expect(kept).toEqual({ runs: 1, key: 'yes' });
  });
});
