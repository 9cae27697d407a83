// `npm run dev`: loads .env, provides Redis and MongoDB (existing ones, or started here, keeping
// their data in devDataDir()), then runs `countersign all` until Ctrl-C, and stops what it started.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { provideServices } from '../test/support/services';
import { devDataDir } from './dev-data-dir';

async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const envFile = path.join(root, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const dataDir = devDataDir(root, process.env);
  const services = await provideServices({ dataDir });
  if (services.started.length > 0) {
    process.stderr.write(`countersign: dev data (kept across restarts) in ${dataDir}\n`);
  }
  process.stderr.write(`countersign: REDIS_URL=${services.redisUrl}\n`);
  process.stderr.write(`countersign: MONGODB_URI=${services.mongoUri}\n`);
  const mongoUri = new URL(services.mongoUri);
  if (mongoUri.pathname === '/' || mongoUri.pathname === '') mongoUri.pathname = '/countersign';

  const app = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), 'all'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, REDIS_URL: services.redisUrl, MONGODB_URI: mongoUri.toString() },
  });
  const forward = (signal: NodeJS.Signals) => app.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) => app.on('exit', (exit) => resolve(exit ?? 1)));
  await services.stop();
  process.exit(code);
}

main().catch((error: unknown) => {
  process.stderr.write(`countersign: ${(error as Error).message}\n`);
  process.exit(1);
});
