import type { Model } from 'mongoose';
import type { GatewayToken, TokenStore } from '../gateway/ports';
import { GATEWAY_TOKEN_SCHEMA_VERSION, type GatewayTokenDocument } from './gateway-token-model';
import { insertOnce } from './insert-once';

/**
 * A stored token as the port gives it. `revocation` (its claim, the truth of who revoked it and
 * when) wins over the document's own fields, which a racing revoke may have overwritten.
 */
function toToken(doc: GatewayTokenDocument, revocation?: { by: string; at: Date }): GatewayToken {
  const optional = <K extends keyof GatewayToken>(key: K) =>
    doc[key] === undefined || doc[key] === null ? {} : { [key]: doc[key] };
  return {
    id: doc._id,
    hash: doc.hash,
    workflow: doc.workflow,
    userId: doc.userId,
    ...optional('label'),
    headless: doc.headless === true,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    ...optional('expiresAt'),
    // A revoke that began and did not finish (its process died) still refuses the token.
    ...(doc.revokedAt || doc.revokeStartedAt
      ? { revokedAt: doc.revokedAt ?? doc.revokeStartedAt }
      : {}),
    ...optional('revokedBy'),
    ...(revocation ? { revokedAt: revocation.at, revokedBy: revocation.by } : {}),
  } as GatewayToken;
}

/** Gateway tokens on MongoDB (`gateway_tokens`), found by the sha256 of their text. */
export class MongoTokenStore implements TokenStore {
  constructor(
    private readonly model: Model<GatewayTokenDocument>,
    private readonly revocations: Model<GatewayTokenDocument>,
  ) {}

  async create(token: GatewayToken): Promise<void> {
    const { id, ...rest } = token;
    await this.model.create({ _id: id, ...rest, schemaVersion: GATEWAY_TOKEN_SCHEMA_VERSION });
  }

  async byHash(hash: string): Promise<GatewayToken | null> {
    const doc = await this.model.findOne({ hash }).lean();
    return doc === null ? null : toToken(doc);
  }

  async list(filter: { workflow?: string } = {}): Promise<GatewayToken[]> {
    const query = filter.workflow === undefined ? {} : { workflow: filter.workflow };
    const docs = await this.model.find(query).lean();
    const revoked = docs
      .filter((doc) => doc.revokedAt || doc.revokeStartedAt)
      .map((doc) => doc._id);
    const claims = new Map(
      (revoked.length > 0 ? await this.revocations.find({ _id: { $in: revoked } }).lean() : []).map(
        (claim) => [claim._id as string, { by: claim.by as string, at: claim.at as Date }],
      ),
    );
    // Sorted here: FerretDB sorts without an index, and the list is an admin's few hundred.
    return docs
      .map((doc) => toToken(doc, claims.get(String(doc._id))))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  }

  /**
   * Marks the token as being revoked first (so a crash leaves it refused, never usable), then
   * claims the revocation by a unique insert: of racing revokes exactly one gets the token back.
   * FerretDB 1.24 writes a whole document on every update, so racing updates can undo each other's
   * fields: the claim is the record of who revoked it and when; the marker, which every revoke
   * writes, always survives, so the token is refused whichever write lands last.
   */
  async revoke(id: string, by: string, at: Date): Promise<GatewayToken | null> {
    const found = await this.model.findById(id).lean();
    if (found === null) return null;
    if (!found.revokedAt && !found.revokeStartedAt) {
      await this.model.updateOne({ _id: id }, { $set: { revokeStartedAt: at } });
    }
    if (!(await insertOnce(this.revocations, { _id: id, by, at }))) return null;
    await this.model.updateOne(
      { _id: id },
      { $set: { revokeStartedAt: at, revokedAt: at, revokedBy: by } },
    );
    const stored = await this.model.findById(id).lean();
    if (stored === null) throw new Error(`gateway token ${id} vanished as it was revoked`);
    return toToken(stored, { by, at });
  }
}
