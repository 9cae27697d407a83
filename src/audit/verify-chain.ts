import {
  type AuditKey,
  CHAIN_FIELDS,
  type ChainHead,
  EVENT_FIELDS,
  eventHash,
  GENESIS_HASH,
} from './audit-chain';

/** What can be wrong with an event, from the verifier's side. */
export type ChainProblemKind =
  /** A field the audit log never writes: added by hand. */
  | 'unknown-field'
  /** Signed by a key verify was not given: forged with another key, or from before a rotation. */
  | 'unknown-key'
  /** Its content does not match its hash: edited, or forged without the key. */
  | 'changed'
  /** A seq is absent: deleted (or, at the end, cut off). */
  | 'missing'
  /** Two events claim one seq. */
  | 'duplicated'
  /** Neither its hash nor its link fits where it stands: moved, renumbered, or its link edited. */
  | 'out-of-order'
  /** Its own hash is valid, but it does not link to the event before it. */
  | 'broken-link'
  /** Not shaped like a chained event at all. */
  | 'malformed'
  /** The event at an anchored seq is not the one anchored: the log was rewritten. */
  | 'anchor-mismatch';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** The first bad seq; undefined for a document that has no usable seq. */
  seq?: number;
  /** One line: where and what, e.g. `seq 7: changed: …`. */
  message: string;
}

export type VerifyResult =
  | { ok: true; count: number; head?: ChainHead; lastSeqUnderOldKey?: number }
  | { ok: false; count: number; problem: ChainProblem };

/** A field the store keeps beside the event (not hashed), and what makes its value right. */
export type StorageFieldCheck = (document: Record<string, unknown>) => string | undefined;

export interface VerifyOptions {
  /** The current key first, then older ones (events signed before a rotation). */
  keys: readonly AuditKey[];
  /** Fields the store adds to each document, with their checks; e.g. `_id`, `schemaVersion`. */
  storageFields?: Readonly<Record<string, StorageFieldCheck>>;
  /**
   * The head the writers last recorded: if the chain ends before it, events were cut from the
   * end. (Whoever cuts the end and rewinds this too is caught only by an external anchor.)
   */
  recordedHead?: ChainHead;
  /** A head printed by an earlier verify and kept elsewhere: the chain must still hold it. */
  anchor?: ChainHead;
}

const HEX_64 = /^[0-9a-f]{64}$/;

function shapeProblem(document: Record<string, unknown>): string | undefined {
  if (typeof document.type !== 'string') return 'it has no type';
  if (typeof document.actor !== 'string') return 'it has no actor';
  if (!(document.at instanceof Date) || Number.isNaN(document.at.getTime())) {
    return 'its time (at) is not a date';
  }
  if (typeof document.prevHash !== 'string' || !HEX_64.test(document.prevHash)) {
    return 'its prevHash is not a SHA-256 hex digest';
  }
  if (typeof document.hash !== 'string' || !HEX_64.test(document.hash)) {
    return 'its hash is not a SHA-256 hex digest';
  }
  if (typeof document.hmacKeyId !== 'string') return 'it names no signing key (hmacKeyId)';
  return undefined;
}

const seqRange = (from: number, to: number) =>
  from === to ? `seq ${from} is` : `seq ${from}-${to} are`;

const problem = (
  kind: ChainProblemKind,
  seq: number | undefined,
  message: string,
): ChainProblem => ({
  kind,
  ...(seq !== undefined ? { seq } : {}),
  message,
});

/** The document's seq, if it is the one that follows `previous`; else what is wrong. */
function checkSeq(
  document: Record<string, unknown>,
  previous: ChainHead | undefined,
): number | ChainProblem {
  const expected = (previous?.seq ?? 0) + 1;
  const seq = document.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    const id = JSON.stringify(String(document._id ?? '?'));
    return problem(
      'malformed',
      undefined,
      `event ${id}: malformed: it has no valid seq, so it is not part of the chain (written before the chain, or by hand)`,
    );
  }
  if (seq < expected) {
    return problem('duplicated', seq, `seq ${seq}: duplicated: a second event claims seq ${seq}`);
  }
  if (seq > expected) {
    const where =
      previous === undefined
        ? `the log starts at seq ${seq}`
        : `the log goes from seq ${previous.seq} to seq ${seq}`;
    return problem('missing', expected, `${seqRange(expected, seq - 1)} missing: ${where}`);
  }
  return seq;
}

/** Fields nobody writes, and the store's own fields and the event's shape. */
function checkFields(
  document: Record<string, unknown>,
  seq: number,
  known: ReadonlySet<string>,
  storage: Readonly<Record<string, StorageFieldCheck>>,
): ChainProblem | undefined {
  const unknown = Object.keys(document).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    return problem(
      'unknown-field',
      seq,
      `seq ${seq}: unknown field ${unknown.map((name) => JSON.stringify(name)).join(', ')}: the audit log never writes it`,
    );
  }
  for (const check of Object.values(storage)) {
    const wrong = check(document);
    if (wrong !== undefined) return problem('malformed', seq, `seq ${seq}: malformed: ${wrong}`);
  }
  const shape = shapeProblem(document);
  return shape === undefined
    ? undefined
    : problem('malformed', seq, `seq ${seq}: malformed: ${shape}`);
}

/** Whether the event's content matches its hash, and its link the event before it. */
function checkHash(
  document: Record<string, unknown>,
  seq: number,
  key: AuditKey,
  previous: ChainHead | undefined,
  storage: Readonly<Record<string, StorageFieldCheck>>,
): ChainProblem | undefined {
  const stored: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(document)) {
    if (!(name in storage)) stored[name] = value;
  }
  const contentFits = eventHash(stored, key) === document.hash;
  const linkFits = document.prevHash === (previous?.hash ?? GENESIS_HASH);
  const before = previous === undefined ? 'the start of the chain' : `seq ${previous.seq}`;
  if (!contentFits && !linkFits) {
    return problem(
      'out-of-order',
      seq,
      `seq ${seq}: out of order: it does not follow ${before} (its prevHash is not that event's hash) and its content does not match its hash (moved, renumbered, or its link edited)`,
    );
  }
  if (!contentFits) {
    return problem(
      'changed',
      seq,
      `seq ${seq}: changed: its content does not match its hash (edited after it was written, or forged without the audit key)`,
    );
  }
  if (!linkFits) {
    return problem(
      'broken-link',
      seq,
      `seq ${seq}: broken link: its own hash is valid, but its prevHash is not the hash of ${before} (an event before it was replaced)`,
    );
  }
  return undefined;
}

function checkAnchor(seq: number, hash: unknown, anchor: ChainHead | undefined) {
  if (anchor === undefined || anchor.seq !== seq || anchor.hash === hash) return undefined;
  return problem(
    'anchor-mismatch',
    seq,
    `seq ${seq}: not the anchored event: its hash is ${hash}, the anchor's ${anchor.hash} (the log was rewritten, with the key, at or before seq ${seq})`,
  );
}

/** Events cut from the end: the log stops before a seq the anchor or the writers know. */
function checkEnd(
  previous: ChainHead | undefined,
  options: VerifyOptions,
): ChainProblem | undefined {
  const end = previous?.seq ?? 0;
  for (const [known, source] of [
    [options.anchor, 'the anchor names'],
    [options.recordedHead, 'writers had appended'],
  ] as const) {
    if (known !== undefined && known.seq > end) {
      return problem(
        'missing',
        end + 1,
        `${seqRange(end + 1, known.seq)} missing: the log ends at seq ${end}, but ${source} seq ${known.seq} (events cut from the end)`,
      );
    }
  }
  return undefined;
}

/**
 * Walks the chain in seq order and stops at the first bad event. Holds one event at a time, so
 * the source may be a cursor over millions.
 */
export async function verifyChain(
  source: AsyncIterable<Record<string, unknown>>,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const keys = new Map(options.keys.map((key, index) => [key.id, { key, old: index > 0 }]));
  const storage = options.storageFields ?? {};
  const known = new Set<string>([...EVENT_FIELDS, ...CHAIN_FIELDS, ...Object.keys(storage)]);
  let previous: ChainHead | undefined;
  let lastSeqUnderOldKey: number | undefined;
  let count = 0;
  const fail = (found: ChainProblem): VerifyResult => ({ ok: false, count, problem: found });

  for await (const document of source) {
    const seq = checkSeq(document, previous);
    if (typeof seq !== 'number') return fail(seq);
    const wrongFields = checkFields(document, seq, known, storage);
    if (wrongFields) return fail(wrongFields);
    const signer = keys.get(document.hmacKeyId as string);
    if (signer === undefined) {
      return fail(
        problem(
          'unknown-key',
          seq,
          `seq ${seq}: signed with an unknown key (id ${document.hmacKeyId}): forged with another key, or signed before a key rotation (give verify the old key with --old-keys)`,
        ),
      );
    }
    const wrong =
      checkHash(document, seq, signer.key, previous, storage) ??
      checkAnchor(seq, document.hash, options.anchor);
    if (wrong) return fail(wrong);
    if (signer.old) lastSeqUnderOldKey = seq;
    previous = { seq, hash: document.hash as string };
    count += 1;
  }
  const cut = checkEnd(previous, options);
  if (cut) return fail(cut);
  return {
    ok: true,
    count,
    ...(previous !== undefined ? { head: previous } : {}),
    ...(lastSeqUnderOldKey !== undefined ? { lastSeqUnderOldKey } : {}),
  };
}
