import type { Model } from 'mongoose';
import type { CallStore, GatewayCall } from '../gateway/ports';
import type { GatewayCallDocument } from './gateway-call-model';
import { insertOnce } from './insert-once';

function toCall(doc: GatewayCallDocument): GatewayCall {
  const { _id, deliveredAt, withdrawnAt, ...rest } = doc;
  return {
    id: _id,
    callHash: rest.callHash,
    generation: rest.generation,
    workflow: rest.workflow,
    tokenId: rest.tokenId,
    userId: rest.userId,
    sessionId: rest.sessionId,
    tool: rest.tool,
    input: rest.input,
    createdAt: rest.createdAt,
    ...(deliveredAt ? { deliveredAt } : {}),
    ...(withdrawnAt ? { withdrawnAt } : {}),
  };
}

/** Gateway calls in `gateway_calls`; the telling of each outcome claimed in `gateway_deliveries`. */
export class MongoCallStore implements CallStore {
  constructor(
    private readonly model: Model<GatewayCallDocument>,
    private readonly deliveries: Model<GatewayCallDocument>,
  ) {}

  async latest(callHash: string): Promise<GatewayCall | null> {
    const doc = await this.model.findOne({ callHash }).sort({ generation: -1 }).lean();
    if (doc === null) return null;
    const call = toCall(doc);
    // A claim whose flag was not written (a crash between the two) still counts as told.
    if (call.deliveredAt === undefined) {
      const claim = await this.deliveries.findById(call.id).lean();
      if (claim !== null) return { ...call, deliveredAt: claim.at };
    }
    return call;
  }

  async createOnce(call: GatewayCall): Promise<{ call: GatewayCall; created: boolean }> {
    const { id, ...rest } = call;
    if (await insertOnce(this.model, { _id: id, ...rest })) return { call, created: true };
    const stored = await this.get(id);
    if (stored === null) throw new Error(`gateway call ${id} vanished as it was created`);
    return { call: stored, created: false };
  }

  async get(id: string): Promise<GatewayCall | null> {
    const doc = await this.model.findById(id).lean();
    return doc === null ? null : toCall(doc);
  }

  async claimDelivery(id: string, at: Date): Promise<boolean> {
    if (!(await insertOnce(this.deliveries, { _id: id, at }))) return false;
    await this.model.updateOne({ _id: id }, { $set: { deliveredAt: at } });
    return true;
  }

  async withdraw(id: string, at: Date): Promise<GatewayCall | null> {
    await this.model.updateOne(
      { _id: id, withdrawnAt: { $exists: false } },
      { $set: { withdrawnAt: at } },
    );
    return this.get(id);
  }

  async openOf(userId: string, limit: number): Promise<GatewayCall[]> {
    const docs = await this.model
      .find({ userId, deliveredAt: { $exists: false }, withdrawnAt: { $exists: false } })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean();
    return docs.map(toCall);
  }
}
