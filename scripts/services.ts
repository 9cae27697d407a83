// Local dev / CI entry point: `tsx scripts/services.ts install|up`.
import {
  ensureFerretDb,
  findOnPath,
  mongoReachable,
  provideServices,
  redisReachable,
} from '../test/support/services';

const USAGE = 'usage: tsx scripts/services.ts install|up';

async function install(): Promise<void> {
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (await redisReachable(redisUrl)) {
    console.log(`Redis: reachable at ${redisUrl}`);
  } else if (findOnPath('redis-server')) {
    console.log('Redis: not running; redis-server is installed and will be started on demand');
  } else {
    throw new Error(
      `Redis is not reachable at ${redisUrl} and redis-server is not installed: ` +
        'apt-get install redis-server, or set REDIS_URL',
    );
  }
  const mongoUri = process.env.MONGODB_URI;
  if (mongoUri && (await mongoReachable(mongoUri))) {
    console.log('MongoDB: MONGODB_URI is reachable; FerretDB is not needed');
    return;
  }
  if (mongoUri) console.log('MongoDB: MONGODB_URI is set but not reachable; using FerretDB');
  console.log(`MongoDB: FerretDB binary at ${await ensureFerretDb()}`);
}

async function up(): Promise<void> {
  const services = await provideServices();
  for (const s of services.started) console.error(`started ${s}`);
  console.log(`REDIS_URL=${services.redisUrl}`);
  console.log(`MONGODB_URI=${services.mongoUri}`);
  console.error('services are up; press Ctrl-C to stop');
  // Started servers are unref'd, so keep the event loop alive until a signal arrives.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
  await services.stop();
  console.error('services stopped');
}

async function main(): Promise<void> {
  const cmd = process.argv[2];
  if (cmd === 'install') await install();
  else if (cmd === 'up') await up();
  else {
    console.error(USAGE);
    process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  console.error(`countersign: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
