import type { AuditLog } from '../audit/ports';
import type { Clock } from '../shared/clock';
import type { GatewayToken, TokenStore } from './ports';
import { newToken, tokenHash } from './tokens';

/** What making (and revoking) a token stands on: the CLI and Slack give the same. */
export interface TokenDeps {
  tokens: TokenStore;
  audit: AuditLog;
  clock: Clock;
}

/** A token to make: for whom, for which workflow, how long, and whether for CI. */
export interface TokenRequest {
  workflow: string;
  userId: string;
  label?: string;
  expiresInMs?: number;
  headless: boolean;
}

/**
 * Makes a token and returns its text, the only time the text exists outside the person's hands.
 * It is stored (as its hash) and then audited; if the audit log refuses, the token is revoked,
 * so no token works that the log does not show.
 */
export async function createGatewayToken(
  deps: TokenDeps,
  request: TokenRequest,
  createdBy: string,
): Promise<{ text: string; token: GatewayToken }> {
  const { text, id } = newToken();
  const now = deps.clock();
  const token: GatewayToken = {
    id,
    hash: tokenHash(text),
    workflow: request.workflow,
    userId: request.userId,
    ...(request.label !== undefined ? { label: request.label } : {}),
    headless: request.headless,
    createdBy,
    createdAt: now,
    ...(request.expiresInMs !== undefined
      ? { expiresAt: new Date(now.getTime() + request.expiresInMs) }
      : {}),
  };
  await deps.tokens.create(token);
  try {
    await deps.audit.record({
      type: 'token.created',
      at: now,
      actor: createdBy,
      workflow: token.workflow,
      details: {
        tokenId: token.id,
        userId: token.userId,
        headless: token.headless,
        ...(token.label !== undefined ? { label: token.label } : {}),
        ...(token.expiresAt !== undefined ? { expiresAt: token.expiresAt.toISOString() } : {}),
      },
    });
  } catch (error) {
    await deps.tokens.revoke(token.id, createdBy, deps.clock()).catch(() => undefined);
    throw new Error(
      `the new token could not be recorded in the audit log, so it was revoked: ${(error as Error).message}`,
    );
  }
  return { text, token };
}
