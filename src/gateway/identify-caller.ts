import type { AuditLog } from '../audit/ports';
import { type GroupLookup, mayStartWorkflow } from '../policy/may-start-workflow';
import type { Clock } from '../shared/clock';
import type { LoadedWorkflow, WorkflowCatalog } from '../workflows/load-workflows';
import type { GatewaySpec, WorkflowManifest } from '../workflows/manifest-schema';
import type { GatewayToken, TokenStore } from './ports';
import { TOKEN_PREFIX, tokenHash } from './tokens';

/** Who an outside agent acts for, and the workflow whose policy governs it. */
export interface Caller {
  token: GatewayToken;
  workflow: LoadedWorkflow & { manifest: WorkflowManifest & { gateway: GatewaySpec } };
}

/** Why a token was refused; each is told to the client in words and audited. */
export type TokenRefusal =
  | 'missing'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'workflow_gone'
  | 'not_a_gateway'
  | 'not_allowed'
  | 'access_unresolved';

export interface IdentifyDeps {
  tokens: TokenStore;
  /** The workflows in force now (hot reload replaces it). */
  catalog: () => WorkflowCatalog;
  groups: GroupLookup;
  audit: AuditLog;
  clock: Clock;
}

const REFUSAL_TEXT: Record<TokenRefusal, string> = {
  missing: 'no gateway token was sent (Authorization: Bearer <token>)',
  unknown: 'the gateway token is not one Countersign issued',
  revoked: 'the gateway token was revoked',
  expired: 'the gateway token has expired',
  workflow_gone: "the gateway token's workflow no longer exists",
  not_a_gateway: "the gateway token's workflow has no gateway block",
  not_allowed: "the token's person is no longer allowed to use its workflow (access)",
  access_unresolved: "Slack could not say in time whether the token's person may use its workflow",
};

export function refusalText(why: TokenRefusal): string {
  return REFUSAL_TEXT[why];
}

/**
 * The caller a token names, or why it is refused (audited, without the token's text): a token must
 * be known, unrevoked, unexpired, for a workflow that exists, has a gateway block and still lets
 * its person in.
 */
export async function identifyCaller(
  deps: IdentifyDeps,
  text: string | undefined,
  client: string,
): Promise<{ ok: true; caller: Caller } | { ok: false; why: TokenRefusal; reason: string }> {
  const found = await findCaller(deps, text);
  if (found.ok) return found;
  const token = found.token;
  await deps.audit.record({
    type: 'gateway.refused',
    at: deps.clock(),
    actor: token?.userId ?? 'unknown',
    ...(token ? { workflow: token.workflow } : {}),
    details: {
      client,
      why: found.why,
      reason: refusalText(found.why),
      ...(token ? { tokenId: token.id } : {}),
    },
  });
  return { ok: false, why: found.why, reason: refusalText(found.why) };
}

async function findCaller(
  deps: IdentifyDeps,
  text: string | undefined,
): Promise<{ ok: true; caller: Caller } | { ok: false; why: TokenRefusal; token?: GatewayToken }> {
  if (text === undefined || text === '') return { ok: false, why: 'missing' };
  if (!text.startsWith(TOKEN_PREFIX)) return { ok: false, why: 'unknown' };
  const token = await deps.tokens.byHash(tokenHash(text));
  if (token === null) return { ok: false, why: 'unknown' };
  const now = deps.clock();
  if (token.revokedAt !== undefined) return { ok: false, why: 'revoked', token };
  if (token.expiresAt !== undefined && token.expiresAt <= now) {
    return { ok: false, why: 'expired', token };
  }
  const workflow = deps.catalog().workflows.get(token.workflow);
  if (workflow === undefined) return { ok: false, why: 'workflow_gone', token };
  if (workflow.manifest.gateway === undefined) return { ok: false, why: 'not_a_gateway', token };
  const access = await mayStartWorkflow(
    workflow.manifest,
    { userId: token.userId, channelId: '' },
    deps.groups,
  );
  if (!access.allowed) return { ok: false, why: access.reason, token };
  return { ok: true, caller: { token, workflow: workflow as Caller['workflow'] } };
}
