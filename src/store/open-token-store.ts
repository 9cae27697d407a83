import { connectMongo } from './database';
import { gatewayTokenModel, gatewayTokenRevocationModel } from './gateway-token-model';
import { MongoTokenStore } from './mongo-token-store';

/** The token store alone, for `countersign token list` (which needs no audit key); builds no index. */
export async function openTokenStore(
  uri: string,
): Promise<{ tokens: MongoTokenStore; close(): Promise<void> }> {
  const connection = await connectMongo(uri);
  return {
    tokens: new MongoTokenStore(
      gatewayTokenModel(connection),
      gatewayTokenRevocationModel(connection),
    ),
    close: () => connection.close(),
  };
}
