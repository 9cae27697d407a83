// Jest global setup: provide real Redis and MongoDB once; workers inherit the env vars.
import { provideServices } from './services';
import { beginTestRun } from './test-run';

export default async function globalSetup(): Promise<void> {
  beginTestRun();
  const services = await provideServices();
  process.env.REDIS_URL = services.redisUrl;
  process.env.MONGODB_URI = services.mongoUri;
  (globalThis as { __countersignServices?: typeof services }).__countersignServices = services;
}
