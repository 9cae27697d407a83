// Per-file isolation helpers so test files can share one Redis and one MongoDB in parallel.
import { randomBytes } from 'node:crypto';
import { testRunId } from './test-run';

/**
 * A name unique to this call, safe as a MongoDB database name or a Redis key prefix. It holds
 * the run's id, by which the global teardown finds and removes what the run made.
 */
export function uniqueName(prefix: string): string {
  // FerretDB limits database names to 63 characters of [A-Za-z0-9_-]: at most 2+40+1+6+1+10.
  const clean = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return `t_${clean}_${testRunId().slice(0, 6)}_${randomBytes(5).toString('hex')}`;
}

function requireEnv(name: 'MONGODB_URI' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run tests through jest (its global setup provides it)`);
  }
  return value;
}

/** process.env.MONGODB_URI with its database replaced by `dbName`, keeping the query. */
export function testMongoUri(dbName: string, base = requireEnv('MONGODB_URI')): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(base);
  if (!m?.[1]) throw new Error(`MONGODB_URI is not a mongodb:// URI: ${base}`);
  const hostPart = m[1];
  const oldDb = decodeURIComponent((m[2] ?? '').slice(1));
  const params = new URLSearchParams((m[3] ?? '').slice(1));
  // The path database is also the default authSource; keep authenticating where we did before.
  if (hostPart.includes('@') && !params.has('authSource')) {
    params.set('authSource', oldDb || 'admin');
  }
  const query = params.toString();
  return `${hostPart}/${encodeURIComponent(dbName)}${query ? `?${query}` : ''}`;
}

/** The Redis URL provided by the global setup; isolate with uniqueName() key/queue prefixes. */
export function testRedisUrl(): string {
  return requireEnv('REDIS_URL');
}

/** The AUDIT_HMAC_KEY of every test: fixed, so a test can sign and recompute hashes itself. */
export const TEST_AUDIT_HMAC_KEY = 'test-audit-hmac-key-0123456789abcdef';
