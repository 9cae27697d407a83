import mongoose, { type Connection } from 'mongoose';
import { auditKey } from '../audit/audit-chain';
import type { Redactor } from '../shared/redactor';
import { approvalClaimModel } from './approval-claim-model';
import { approvalModel } from './approval-model';
import { auditEventModel } from './audit-event-model';
import { auditHeadModel } from './audit-head-model';
import { deliveryClaimModel, gatewayCallModel } from './gateway-call-model';
import { gatewayGrantModel, grantRevocationModel } from './gateway-grant-model';
import { gatewayTokenModel, gatewayTokenRevocationModel } from './gateway-token-model';
import { MongoApprovalRepository } from './mongo-approval-repository';
import { MongoAuditLog } from './mongo-audit-log';
import { MongoCallStore } from './mongo-call-store';
import { MongoGrantStore } from './mongo-grant-store';
import { MongoRunRepository } from './mongo-run-repository';
import { MongoTokenStore } from './mongo-token-store';
import { redactWrites } from './redact-plugin';
import { runModel } from './run-model';
import { storeUnreachable } from './store-unreachable';

export interface Database {
  connection: Connection;
  runs: MongoRunRepository;
  approvals: MongoApprovalRepository;
  audit: MongoAuditLog;
  /** The gateway's calls that need a decision. */
  calls: MongoCallStore;
  /** Gateway tokens: only the sha256 of each token's text is stored. */
  tokens: MongoTokenStore;
  /** Grants given on gateway cards ("approve for this session"). */
  grants: MongoGrantStore;
  /** Resolves when the server answers a ping; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `AUDIT_HMAC_KEY`: signs the audit chain. */
  auditHmacKey: string;
  /** Scrubs every secret value from what is written: run documents and audit events alike. */
  redactor?: Redactor;
}

/** How long a start waits for MongoDB to answer before telling the operator it is unreachable. */
const SERVER_SELECTION_TIMEOUT_MS = 5_000;

/**
 * Connects to `uri` (MONGODB_URI), building no index.
 * @throws StoreUnreachableError naming MongoDB and the URL (password masked) when it does not answer.
 */
export async function connectMongo(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
    autoIndex: false,
  });
  try {
    return await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw storeUnreachable('MongoDB', 'MONGODB_URI', uri, error);
  }
}

/** Connects, builds the indexes the queries rely on (unique requestKey first), and returns repositories. */
export async function openDatabase(uri: string, options: DatabaseOptions): Promise<Database> {
  const connection = await connectMongo(uri);
  redactWrites(connection, options.redactor);
  const runs = runModel(connection);
  await runs.createIndexes();
  const approvals = approvalModel(connection);
  await approvals.createIndexes();
  const approvalClaims = approvalClaimModel(connection);
  const auditEvents = auditEventModel(connection);
  await auditEvents.createIndexes();
  const gatewayCalls = gatewayCallModel(connection);
  await gatewayCalls.createIndexes();
  const tokens = gatewayTokenModel(connection);
  await tokens.createIndexes();
  const gatewayGrants = gatewayGrantModel(connection);
  await gatewayGrants.createIndexes();
  return {
    connection,
    runs: new MongoRunRepository(runs),
    approvals: new MongoApprovalRepository(approvals, approvalClaims),
    audit: new MongoAuditLog(auditEvents, auditHeadModel(connection), {
      key: auditKey(options.auditHmacKey),
      ...(options.redactor ? { redactor: options.redactor } : {}),
    }),
    calls: new MongoCallStore(gatewayCalls, deliveryClaimModel(connection)),
    tokens: new MongoTokenStore(tokens, gatewayTokenRevocationModel(connection)),
    grants: new MongoGrantStore(gatewayGrants, grantRevocationModel(connection)),
    async ping() {
      const db = connection.db;
      if (db === undefined) throw new Error('MongoDB is not connected');
      await db.command({ ping: 1 });
    },
    close: () => connection.close(),
  };
}
