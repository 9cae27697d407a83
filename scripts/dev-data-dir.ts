import path from 'node:path';

/**
 * Where `npm run dev` keeps the data of the Redis and FerretDB it starts: a named folder that
 * outlives restarts (runs and the audit log stay), `.countersign/dev` in the repository (git- and
 * docker-ignored) unless COUNTERSIGN_DEV_DATA_DIR names another.
 */
export function devDataDir(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const chosen = env.COUNTERSIGN_DEV_DATA_DIR;
  return chosen ? path.resolve(root, chosen) : path.join(root, '.countersign', 'dev');
}
