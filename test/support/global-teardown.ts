// Jest global teardown: remove what the run made, and stop only the servers the setup started.
import type { Services } from './services';
import { removeTestRunData, removeTestRunTmpdir } from './test-run';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __countersignServices?: Services };
  const services = g.__countersignServices;
  g.__countersignServices = undefined;
  let left = { redisKeys: 0, databases: [] as string[] };
  try {
    if (services !== undefined) left = await removeTestRunData(services);
  } finally {
    await services?.stop();
  }
  const tmpdirLeft = removeTestRunTmpdir();
  // A leftover means the cleanup missed something: fail the run rather than pass quietly.
  if (left.redisKeys > 0 || left.databases.length > 0 || tmpdirLeft) {
    throw new Error(
      `the test run left ${left.redisKeys} Redis key(s), ${left.databases.length} database(s)${tmpdirLeft ? ' and its temp folder' : ''} behind`,
    );
  }
}
