import type { Model } from 'mongoose';
import type { Grant, GrantStore } from '../gateway/ports';
import type { GatewayGrantDocument } from './gateway-grant-model';
import { insertOnce } from './insert-once';

function toGrant(doc: GatewayGrantDocument): Grant {
  return {
    id: doc._id,
    workflow: doc.workflow,
    userId: doc.userId,
    tokenId: doc.tokenId,
    sessionId: doc.sessionId,
    ...(doc.rule ? { rule: doc.rule } : {}),
    ...(doc.callHash ? { callHash: doc.callHash } : {}),
    covers: doc.covers,
    approvalId: doc.approvalId,
    grantedBy: doc.grantedBy,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    ...(doc.revokedAt ? { revokedAt: doc.revokedAt } : {}),
    ...(doc.revokedBy ? { revokedBy: doc.revokedBy } : {}),
  };
}

/** In force at `now`: not revoked, not expired. */
const inForce = (now: Date) => ({ revokedAt: { $exists: false }, expiresAt: { $gt: now } });

/** Grants in `gateway_grants`; each is created once (its id is its approval's). */
export class MongoGrantStore implements GrantStore {
  constructor(
    private readonly model: Model<GatewayGrantDocument>,
    private readonly revocations: Model<GatewayGrantDocument>,
  ) {}

  async create(grant: Grant): Promise<void> {
    const { id, ...rest } = grant;
    // Created already (a repeated click, a retry after a crash): the first one stands.
    await insertOnce(this.model, { _id: id, ...rest });
  }

  async get(id: string): Promise<Grant | null> {
    const doc = await this.model.findById(id).lean();
    return doc === null ? null : toGrant(doc);
  }

  async activeFor(session: { tokenId: string; sessionId: string }, now: Date): Promise<Grant[]> {
    const docs = await this.model
      .find({ tokenId: session.tokenId, sessionId: session.sessionId, ...inForce(now) })
      .sort({ expiresAt: -1 })
      .lean();
    return docs.map(toGrant);
  }

  async activeOfUser(userId: string, now: Date): Promise<Grant[]> {
    const docs = await this.model
      .find({ userId, ...inForce(now) })
      .sort({ createdAt: -1 })
      .lean();
    return docs.map(toGrant);
  }

  async active(now: Date, limit: number): Promise<Grant[]> {
    const docs = await this.model.find(inForce(now)).sort({ createdAt: -1 }).limit(limit).lean();
    return docs.map(toGrant);
  }

  /**
   * Marks the grant revoked first (so it covers nothing from then on, even if this process dies
   * next), then claims the revocation by a unique insert: of racing revokes, exactly one gets the
   * grant back, and writes who revoked it and when last.
   */
  async revoke(id: string, by: string, at: Date): Promise<Grant | null> {
    const found = await this.model.findById(id).lean();
    if (found === null) return null;
    if (!found.revokedAt) await this.model.updateOne({ _id: id }, { $set: { revokedAt: at } });
    if (!(await insertOnce(this.revocations, { _id: id, by, at }))) return null;
    await this.model.updateOne({ _id: id }, { $set: { revokedAt: at, revokedBy: by } });
    return this.get(id);
  }
}
