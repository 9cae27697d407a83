import type { Model } from 'mongoose';
import type { GatewayToken, TokenStore } from '../gateway/ports';
import { GATEWAY_TOKEN_SCHEMA_VERSION, type GatewayTokenDocument } from './gateway-token-model';

const DUPLICATE_KEY = 11000;

function toToken(doc: GatewayTokenDocument): GatewayToken {
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
    ...optional('revokedAt'),
    ...optional('revokedBy'),
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
    // Sorted here: FerretDB sorts without an index, and the list is an admin's few hundred.
    return docs
      .map(toToken)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  }

  /**
   * Marks the token revoked first (so a crash leaves it refused, never usable), then claims the
   * revocation by a unique insert: of racing revokes, exactly one gets the token back.
   */
  async revoke(id: string, by: string, at: Date): Promise<GatewayToken | null> {
    const found = await this.model.findById(id).lean();
    if (found === null) return null;
    if (found.revokedAt === undefined || found.revokedAt === null) {
      await this.model.updateOne(
        { _id: id, revokedAt: { $exists: false } },
        { $set: { revokedAt: at, revokedBy: by } },
      );
    }
    try {
      await this.revocations.create({ _id: id, by, at });
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) return null;
      throw error;
    }
    // The winner's word is the one kept: a racing loser may have written its own a moment before.
    await this.model.updateOne({ _id: id }, { $set: { revokedAt: at, revokedBy: by } });
    const stored = await this.model.findById(id).lean();
    if (stored === null) throw new Error(`gateway token ${id} vanished as it was revoked`);
    return toToken(stored);
  }
}
