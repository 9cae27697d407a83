import type { Model } from 'mongoose';

/** MongoDB's (and FerretDB's) error code for an insert a unique index refused. */
const DUPLICATE_KEY = 11000;

export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | null)?.code === DUPLICATE_KEY;
}

/**
 * Inserts `doc` unless a document with its `_id` (or another unique key) is there already: true
 * when this insert stored it. This is how a fact is claimed exactly once: FerretDB applies no
 * conditional update atomically, but its primary key refuses a second insert.
 */
export async function insertOnce(
  // biome-ignore lint/suspicious/noExplicitAny: any model; the document's shape is its caller's.
  model: Model<any>,
  doc: Record<string, unknown>,
): Promise<boolean> {
  try {
    await model.create(doc);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
