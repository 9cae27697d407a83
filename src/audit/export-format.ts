import { canonicalJson } from '../shared/canonical-json';
import { type ChainedAuditEvent, EVENT_FIELDS } from './audit-chain';

export type ExportFormat = 'jsonl' | 'csv';

/** The fields of an exported event, in order: enough for anyone holding the key to re-verify it. */
export const EXPORT_COLUMNS = ['seq', ...EVENT_FIELDS, 'prevHash', 'hmacKeyId', 'hash'] as const;

const field = (event: ChainedAuditEvent, name: string): unknown =>
  (event as unknown as Record<string, unknown>)[name];

/** One JSON object per line; absent fields are left out, `at` is an ISO time. */
export function jsonlLine(event: ChainedAuditEvent): string {
  const out: Record<string, unknown> = {};
  for (const name of EXPORT_COLUMNS) {
    const value = field(event, name);
    if (value !== undefined && value !== null) out[name] = value;
  }
  return `${JSON.stringify(out)}\n`;
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvHeader(): string {
  return `${EXPORT_COLUMNS.join(',')}\r\n`;
}

/** One record, with `details` as (canonical) JSON in its one column and absent fields empty. */
export function csvRow(event: ChainedAuditEvent): string {
  const cells = EXPORT_COLUMNS.map((name) => {
    const value = field(event, name);
    if (value === undefined || value === null) return '';
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'object') return csvCell(canonicalJson(value));
    return csvCell(String(value));
  });
  return `${cells.join(',')}\r\n`;
}
