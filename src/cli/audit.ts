import { readFile } from 'node:fs/promises';
import { type AuditKey, auditKey, type ChainHead } from '../audit/audit-chain';
import { csvHeader, csvRow, type ExportFormat, jsonlLine } from '../audit/export-format';
import type { AuditEventFilter, AuditReader } from '../audit/ports';
import { verifyChain } from '../audit/verify-chain';
import { isRunId } from '../runs/run-id';

/** A command-line value or setting that cannot be used; the message is one line for the operator. */
export class AuditUsageError extends Error {
  override readonly name = 'AuditUsageError';
}

/**
 * `countersign audit verify`: walks the whole chain. Prints the head (to be kept somewhere the
 * database's writers cannot reach: only that shows events cut from the end) and returns 0, or
 * names the first bad event and returns 1.
 */
export async function verifyAuditLog(
  reader: AuditReader,
  options: { keys: readonly AuditKey[]; anchor?: ChainHead },
  write: (text: string) => void,
): Promise<number> {
  await requireAuditLog(reader);
  const recordedHead = await reader.recordedHead();
  const result = await verifyChain(reader.documents(), {
    ...options,
    storageFields: reader.storageFields,
    ...(recordedHead !== undefined ? { recordedHead } : {}),
  });
  if (!result.ok) {
    write(`${result.problem.message}\n`);
    write(`audit log NOT verified: ${result.count} event(s) checked out before that one\n`);
    return 1;
  }
  if (result.head === undefined) {
    write('0 events verified: the audit log is empty\n');
    return 0;
  }
  write(`${result.count} events verified, head seq ${result.head.seq} hash ${result.head.hash}\n`);
  if (options.anchor !== undefined) {
    write(`the anchored event (seq ${options.anchor.seq}) is in the chain, unchanged\n`);
  }
  if (result.lastSeqUnderOldKey !== undefined) {
    write(
      `the last event signed with an old key (--old-keys) is seq ${result.lastSeqUnderOldKey}\n`,
    );
  }
  return 0;
}

/**
 * A database without an audit log is a wrong MONGODB_URI (or a service never started there), not
 * an empty log: saying "0 events verified" would pass a check that looked in the wrong place.
 */
async function requireAuditLog(reader: AuditReader): Promise<void> {
  if (await reader.holdsAuditLog()) return;
  throw new AuditUsageError(
    `no audit log in database ${JSON.stringify(reader.database)} (no audit_events collection): check that MONGODB_URI names the database the service writes to`,
  );
}

/** `--old-keys <file>`: earlier AUDIT_HMAC_KEY values, one per line (blank lines and # comments skipped). */
export async function readOldKeys(file: string): Promise<AuditKey[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AuditUsageError(`--old-keys: cannot read ${file}: ${(error as Error).message}`);
  }
  return text.split('\n').flatMap((line, index) => {
    const secret = line.trim();
    if (secret === '' || secret.startsWith('#')) return [];
    if (secret.length < 32) {
      throw new AuditUsageError(
        `--old-keys: line ${index + 1} of ${file} is not a key (at least 32 characters)`,
      );
    }
    return [auditKey(secret)];
  });
}

/** `--anchor <seq>:<hash>`: a head printed by an earlier verify. */
export function parseAnchor(value: string): ChainHead {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value.trim());
  if (match === null || Number(match[1]) < 1) {
    throw new AuditUsageError(
      `--anchor must be <seq>:<hash>, as an earlier verify printed them, e.g. 1234:${'3f'.repeat(32)} (got ${JSON.stringify(value)})`,
    );
  }
  return { seq: Number(match[1]), hash: match[2] as string };
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An ISO 8601 date (`2026-05-01`, midnight UTC) or date and time with its zone
 * (`2026-05-01T12:00:00Z`, `…+02:00`): a time without a zone would depend on the machine.
 */
export function parseTimeOption(option: string, value: string): Date {
  const match = ISO_TIME.exec(value);
  const time = match ? new Date(value) : undefined;
  // Date() rolls 2026-02-30 over to March; a day that does not exist is a typo.
  const [year, month, day] = (match?.slice(1, 4) ?? []).map(Number);
  const calendar = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
  if (
    time === undefined ||
    Number.isNaN(time.getTime()) ||
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() + 1 !== month ||
    calendar.getUTCDate() !== day
  ) {
    throw new AuditUsageError(
      `${option} must be an ISO 8601 date or time with a zone, e.g. 2026-05-01 or 2026-05-01T12:00:00Z (got ${JSON.stringify(value)})`,
    );
  }
  return time;
}

export interface ExportOptions {
  run?: string;
  since?: string;
  until?: string;
  format: string;
}

/** Checks the options of `countersign audit export` before anything is opened. */
export function exportRequest(options: ExportOptions): {
  filter: AuditEventFilter;
  format: ExportFormat;
} {
  if (options.format !== 'jsonl' && options.format !== 'csv') {
    throw new AuditUsageError(
      `--format must be jsonl or csv (got ${JSON.stringify(options.format)})`,
    );
  }
  const filter: AuditEventFilter = {};
  if (options.run !== undefined) {
    if (!isRunId(options.run)) {
      throw new AuditUsageError(
        `--run must be a run id such as r-7kq2m9xd, as Slack shows it (got ${JSON.stringify(options.run)})`,
      );
    }
    filter.runId = options.run;
  }
  if (options.since !== undefined) filter.since = parseTimeOption('--since', options.since);
  if (options.until !== undefined) filter.until = parseTimeOption('--until', options.until);
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
    throw new AuditUsageError(
      `--since (${options.since}) must be earlier than --until (${options.until}): no event is in between`,
    );
  }
  return { filter, format: options.format };
}

/** Output is gathered into chunks of about this size before it is written. */
const CHUNK = 64 * 1024;

/**
 * `countersign audit export`: the matching events in seq order, as JSON lines or CSV (with a
 * header). `write` resolves when the output can take more, so a slow reader holds the cursor.
 * @returns the number of events written.
 */
export async function exportAuditLog(
  reader: AuditReader,
  request: { filter: AuditEventFilter; format: ExportFormat },
  write: (text: string) => Promise<void>,
): Promise<number> {
  await requireAuditLog(reader);
  let chunk = request.format === 'csv' ? csvHeader() : '';
  let count = 0;
  for await (const event of reader.events(request.filter)) {
    chunk += request.format === 'csv' ? csvRow(event) : jsonlLine(event);
    count += 1;
    if (chunk.length >= CHUNK) {
      await write(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') await write(chunk);
  return count;
}
