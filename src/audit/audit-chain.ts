import { createHmac } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json';
import type { AuditEvent } from './audit-event';

/**
 * The hash chain over audit events. Each event carries its place (`seq`), the hash of the
 * event before it (`prevHash`), which key signed it (`hmacKeyId`) and its own `hash`: an
 * HMAC-SHA256 over the canonical JSON of every other field. Changing, removing, moving or
 * inserting an event breaks a hash or a link that only the key holder could mend.
 */

/** `prevHash` of the first event (seq 1): no event comes before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** What the chain adds to an event. */
export interface ChainFields {
  /** 1, 2, 3… in the order events were appended, across every process; no gaps. */
  seq: number;
  /** The previous event's `hash`; {@link GENESIS_HASH} for seq 1. */
  prevHash: string;
  /** Names the key that signed the event (not the key), so verify can pick it after a rotation. */
  hmacKeyId: string;
  /** HMAC-SHA256 (hex) of the canonical JSON of every other field, dates as ISO strings. */
  hash: string;
}

export type ChainedAuditEvent = AuditEvent & ChainFields;

/** The last event of the chain: where the next one links. */
export interface ChainHead {
  seq: number;
  hash: string;
}

type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/** Every field an audit event may have; the only ones stored and hashed. */
export const EVENT_FIELDS = [
  'at',
  'type',
  'actor',
  'team',
  'workflow',
  'channel',
  'runId',
  'reason',
  'key',
  'details',
] as const satisfies readonly KeysOfUnion<AuditEvent>[];

/** Fails to compile when an event type gains a field that {@link EVENT_FIELDS} does not list. */
function everyFieldListed<_Unlisted extends never>(): void {}
everyFieldListed<Exclude<KeysOfUnion<AuditEvent>, (typeof EVENT_FIELDS)[number]>>();

export const CHAIN_FIELDS = ['seq', 'prevHash', 'hmacKeyId', 'hash'] as const;

/** An `AUDIT_HMAC_KEY`, ready to sign. */
export interface AuditKey {
  /** 16 hex characters derived from the key; reveals nothing of it. */
  readonly id: string;
  /** HMAC-SHA256 of `text`, hex. */
  sign(text: string): string;
}

export function auditKey(secret: string): AuditKey {
  const sign = (text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');
  return { id: sign('countersign audit key id').slice(0, 16), sign };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The value as it will come back from the database: no `undefined` (BSON would store null), and
 * strings made well-formed (BSON's UTF-8 would replace a lone surrogate), so the hash computed
 * now is the hash recomputed later.
 */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\uFFFD');
  if (Array.isArray(value)) return value.map(storable);
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    if (item !== undefined) out[name] = storable(item);
  }
  return out;
}

/** Dates as ISO strings: the form that is hashed. */
function hashable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(hashable);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, hashable(item)]));
}

/** The hash of a stored event: every field but `hash` itself (and storage fields, left out). */
export function eventHash(fields: Record<string, unknown>, key: AuditKey): string {
  const { hash: _hash, ...signed } = fields;
  return key.sign(canonicalJson(hashable(signed)));
}

/** @throws TypeError if the event cannot be chained (it has no valid time). */
export function assertChainable(event: AuditEvent): void {
  if (!(event.at instanceof Date) || Number.isNaN(event.at.getTime())) {
    throw new TypeError(`audit event ${event.type} has no valid date (at)`);
  }
}

/**
 * The event as it is stored: its known fields (anything else is dropped), linked after `head`
 * (undefined: the chain is empty) and signed with `key`.
 */
export function chainEvent(
  event: AuditEvent,
  head: ChainHead | undefined,
  key: AuditKey,
): ChainedAuditEvent {
  assertChainable(event);
  const fields: Record<string, unknown> = {};
  for (const name of EVENT_FIELDS) {
    const value = (event as unknown as Record<string, unknown>)[name];
    if (value !== undefined) fields[name] = storable(value);
  }
  fields.seq = (head?.seq ?? 0) + 1;
  fields.prevHash = head?.hash ?? GENESIS_HASH;
  fields.hmacKeyId = key.id;
  fields.hash = eventHash(fields, key);
  return fields as unknown as ChainedAuditEvent;
}
