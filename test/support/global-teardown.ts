// Jest global teardown: stop only the servers the global setup started.
import type { Services } from './services';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __countersignServices?: Services };
  await g.__countersignServices?.stop();
  g.__countersignServices = undefined;
}
