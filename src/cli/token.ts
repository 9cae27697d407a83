import path from 'node:path';
import type { TokenDeps, TokenRequest } from '../gateway/create-token';
import type { GatewayToken } from '../gateway/ports';
import { parseDuration } from '../workflows/duration';
import { formatProblem, type WorkflowCatalog } from '../workflows/load-workflows';
import type { WorkflowManifest } from '../workflows/manifest-schema';

/** A command-line value, or a workflow that cannot have tokens; one line, and exit code 2. */
export class TokenUsageError extends Error {
  override readonly name = 'TokenUsageError';
}

/** What `token create`, `list` and `revoke` stand on; main.ts builds it from the environment. */
export type TokenCliDeps = TokenDeps;

/** Who made or revoked a token from the command line, in the token and in the audit log. */
export const CLI_ACTOR = 'cli';

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const TOKEN_ID = /^tok_[0-9a-f]{12}$/;
/** Ten years: past this an expiry is a typo (and past JavaScript's dates, an error). */
const MAX_EXPIRY_MS = 3650 * 86_400_000;
const MAX_LABEL = 60;

export interface CreateOptions {
  user: string;
  label?: string;
  expires?: string;
  headless?: boolean;
}

/** Checks the options of `countersign token create` before anything is opened. */
export function createRequest(workflow: string, options: CreateOptions): TokenRequest {
  if (!USER_ID.test(options.user)) {
    throw new TokenUsageError(
      `--user must be a Slack user id such as U0123ABCD (got ${JSON.stringify(options.user)})`,
    );
  }
  const request: TokenRequest = {
    workflow,
    userId: options.user,
    headless: options.headless === true,
  };
  if (options.label !== undefined) {
    const label = options.label.trim();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    if (label === '' || label.length > MAX_LABEL || /[\u0000-\u001f\u007f]/.test(label)) {
      throw new TokenUsageError(
        `--label must be 1-${MAX_LABEL} printable characters, e.g. laptop (got ${JSON.stringify(options.label)})`,
      );
    }
    request.label = label;
  }
  if (options.expires !== undefined) {
    const ms = parseDuration(options.expires);
    if (ms === undefined || ms <= 0 || ms > MAX_EXPIRY_MS) {
      throw new TokenUsageError(
        `--expires must be a duration from 1s to 3650d, e.g. 90d or 12h (got ${JSON.stringify(options.expires)})`,
      );
    }
    request.expiresInMs = ms;
  }
  return request;
}

/**
 * The workflow the token is for, if tokens for `userId` can work there: it must exist, have a
 * `gateway` block, and let the user in by `access` as the gateway will check it. The command line
 * cannot ask Slack who is in a user group: only `access.users` (or no `access`) lets a person in
 * here. (A gateway workflow has no `access.channels`: a token is used in no channel.)
 */
export function tokenWorkflow(
  catalog: WorkflowCatalog,
  request: TokenRequest,
  where: string,
): WorkflowManifest {
  const name = request.workflow;
  const loaded = catalog.workflows.get(name);
  if (loaded === undefined) {
    const broken = catalog.problems.find((problem) =>
      [`${name}.yaml`, `${name}.yml`].includes(path.basename(problem.file)),
    );
    throw new TokenUsageError(
      broken
        ? `workflow "${name}" in ${where} is invalid: ${formatProblem(broken)}`
        : `no workflow "${name}" in ${where} (workflows: ${[...catalog.workflows.keys()].join(', ') || 'none'})`,
    );
  }
  const manifest = loaded.manifest;
  if (manifest.gateway === undefined) {
    throw new TokenUsageError(
      `workflow "${name}" has no gateway block, so no outside agent can use it (see docs/manifest.md, gateway)`,
    );
  }
  const problem = accessProblem(manifest, request.userId);
  if (problem !== undefined) throw new TokenUsageError(problem);
  return manifest;
}

function accessProblem(manifest: WorkflowManifest, userId: string): string | undefined {
  const access = manifest.access;
  if (access === undefined || (access.users ?? []).includes(userId)) return undefined;
  const name = manifest.name;
  if ((access.usergroups ?? []).length > 0) {
    return `${userId} is not in access.users of "${name}", and its user groups (${access.usergroups?.join(', ')}) cannot be looked up without Slack: add ${userId} to access.users, or have them run /countersign token ${name} in Slack`;
  }
  return `${userId} may not use workflow "${name}" (not in its access.users)`;
}

/** What `token create` tells on stderr: everything about the token but its text. */
export function createdHint(token: GatewayToken): string {
  const expiry = token.expiresAt ? `expires ${stamp(token.expiresAt)}` : 'does not expire';
  return `token ${token.id} for ${token.userId} on workflow ${token.workflow} (${expiry}${token.headless ? ', headless' : ''}); it is shown only once: keep it in COUNTERSIGN_TOKEN\n`;
}

/** `2026-05-01 12:00Z`: minutes are enough to tell tokens apart, and the zone is never in doubt. */
function stamp(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export type TokenStatus = 'active' | 'revoked' | 'expired';

export function tokenStatus(token: GatewayToken, now: Date): TokenStatus {
  if (token.revokedAt !== undefined) return 'revoked';
  if (token.expiresAt !== undefined && token.expiresAt <= now) return 'expired';
  return 'active';
}

const COLUMNS = ['ID', 'WORKFLOW', 'USER', 'LABEL', 'CREATED', 'EXPIRES', 'STATUS'] as const;

/** `countersign token list`: a table of tokens, newest first; never a token's text (it is not kept). */
export function tokenTable(tokens: readonly GatewayToken[], now: Date): string {
  if (tokens.length === 0) return 'no gateway tokens\n';
  const rows = tokens.map((token) => [
    token.id,
    token.workflow,
    token.userId,
    `${token.label ?? '-'}${token.headless ? ' (headless)' : ''}`,
    stamp(token.createdAt),
    token.expiresAt ? stamp(token.expiresAt) : '-',
    tokenStatus(token, now),
  ]);
  const widths = COLUMNS.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    `${cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return line(COLUMNS) + rows.map(line).join('');
}

/** Checks `token revoke <id>`'s id before anything is opened. */
export function revokeRequest(id: string): string {
  if (!TOKEN_ID.test(id)) {
    throw new TokenUsageError(
      `a token id is tok_ and 12 hex digits, as token list shows it, e.g. tok_3f9a0c2b7d41 (got ${JSON.stringify(id)})`,
    );
  }
  return id;
}

/**
 * `countersign token revoke <id>`: revokes the token once and audits it; 0 when revoked now, 1
 * (with the reason) for a token that does not exist or was revoked already.
 */
export async function revokeGatewayToken(
  deps: TokenCliDeps,
  id: string,
  write: (text: string) => void,
  writeError: (text: string) => void,
): Promise<number> {
  const known = (await deps.tokens.list()).find((token) => token.id === id);
  if (known === undefined) {
    writeError(`countersign: no gateway token ${id} (see countersign token list)\n`);
    return 1;
  }
  const at = deps.clock();
  // Always asked of the store: a revoke that died half way is finished (and audited) here.
  const revoked = await deps.tokens.revoke(id, CLI_ACTOR, at);
  if (revoked === null) {
    const stored = (await deps.tokens.list()).find((token) => token.id === id) ?? known;
    const when = stored.revokedAt ? ` on ${stamp(stored.revokedAt)}` : '';
    writeError(
      `countersign: token ${id} was revoked already${when} by ${stored.revokedBy ?? 'someone'}\n`,
    );
    return 1;
  }
  try {
    await deps.audit.record({
      type: 'token.revoked',
      at,
      actor: CLI_ACTOR,
      workflow: revoked.workflow,
      details: { tokenId: revoked.id, userId: revoked.userId },
    });
  } catch (error) {
    writeError(
      `countersign: token ${id} is revoked, but the audit log could not record it: ${(error as Error).message}\n`,
    );
    return 1;
  }
  write(`revoked ${revoked.id} (${revoked.userId} on workflow ${revoked.workflow})\n`);
  return 0;
}
