import Redis from 'ioredis';
import mongoose from 'mongoose';
import { freePort, provideServices, redisReachable } from './services';
import { testMongoUri, testRedisUrl, uniqueName } from './test-env';

describe('services provided by the jest global setup', () => {
  let conn: mongoose.Connection;

  beforeAll(async () => {
    conn = await mongoose.createConnection(testMongoUri(uniqueName('services'))).asPromise();
  });

  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('stores and reads documents in a per-file database', async () => {
    const Thing = conn.model('Thing', new mongoose.Schema({ name: String, n: Number }));
    await Thing.create({ name: 'a', n: 1 });
    const found = await Thing.findOne({ name: 'a' }).lean();
    expect(found?.n).toBe(1);
    expect(conn.db?.databaseName).toMatch(/^t_services_/);
  });

  it('rejects a duplicate under a unique index with code 11000', async () => {
    const Key = conn.model('Key', new mongoose.Schema({ key: { type: String, unique: true } }));
    await Key.init();
    await Key.create({ key: 'k1' });
    await expect(Key.create({ key: 'k1' })).rejects.toMatchObject({ code: 11000 });
  });

  it('answers PING on Redis', async () => {
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});

describe('provideServices', () => {
  it('starts its own redis-server when REDIS_URL is closed, and stop() kills it', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const services = await provideServices({
      redisUrl: closed,
      mongoUri: process.env.MONGODB_URI,
      log: () => {},
    });
    try {
      expect(services.redisUrl).not.toBe(closed);
      expect(services.mongoUri).toBe(process.env.MONGODB_URI);
      expect(services.started).toEqual([expect.stringContaining('redis-server')]);
      expect(await redisReachable(services.redisUrl)).toBe(true);
    } finally {
      await services.stop();
    }
    expect(await redisReachable(services.redisUrl)).toBe(false);
  });
});
