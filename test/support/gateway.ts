import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GatewayToken } from '../../src/gateway/ports';
import { newToken, tokenHash } from '../../src/gateway/tokens';
import {
  gatewayTokenModel,
  gatewayTokenRevocationModel,
} from '../../src/store/gateway-token-model';
import { MongoTokenStore } from '../../src/store/mongo-token-store';
import type { Harness } from './countersign-harness';

/** A gateway workflow for Claude Code sessions, as a team would write it. */
export const CLAUDE_CODE_MANIFEST = `name: claude-code
description: Claude Code sessions of the team
access:
  users: [U0DEV, U0OPS]
gateway:
  risk:
    default: high
    low: [Read, Grep, Glob, LS, "Bash(git status)", "Bash(ls:*)"]
    high: ["Bash(npm run build)"]
    deny: ["Read(./.env)", "Bash(curl:*)"]
  wait: 2s
  grants:
    max: 1h
approval:
  approvers:
    users: [U0LEAD, U0SRE]
  channel: C0APPROVALS
  timeout: 10m
`;

/** A workflows folder holding `manifests` (file name → YAML). */
export async function workflowsWith(manifests: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-gateway-'));
  for (const [name, text] of Object.entries(manifests)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** A token issued straight into the harness's database, as `countersign token create` stores one. */
export async function issueToken(
  h: Pick<Harness, 'db'>,
  fields: Partial<GatewayToken> = {},
): Promise<{ text: string; token: GatewayToken }> {
  const { text, id } = newToken();
  const token: GatewayToken = {
    id,
    hash: tokenHash(text),
    workflow: 'claude-code',
    userId: 'U0DEV',
    label: 'laptop',
    headless: false,
    createdBy: 'cli',
    createdAt: new Date(),
    ...fields,
  };
  await new MongoTokenStore(gatewayTokenModel(h.db), gatewayTokenRevocationModel(h.db)).create(
    token,
  );
  return { text, token };
}

/** Claude Code's PreToolUse hook input for a call. */
export function preToolUse(
  tool: string,
  input: Record<string, unknown>,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    session_id: 'sess-0001',
    transcript_path: '/home/dev/.claude/projects/-work-app/sess-0001.jsonl',
    cwd: '/work/app',
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: input,
    tool_use_id: `toolu_${Math.random().toString(36).slice(2, 10)}`,
    ...fields,
  };
}

/** Posts a hook body (an object, or raw text) as Claude Code's http hook does. */
export async function askGateway(
  h: Pick<Harness, 'baseUrl'>,
  token: string | undefined,
  body: unknown,
  query = '',
): Promise<{ status: number; answer: Record<string, unknown>; refused: string | null }> {
  const response = await fetch(`${h.baseUrl}/gateway/claude-code${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    answer: (await response.json()) as Record<string, unknown>,
    refused: response.headers.get('x-countersign-refused'),
  };
}

/** PreToolUse's decision and reason from an answer. */
export function preToolUseDecision(answer: Record<string, unknown>) {
  const output = answer.hookSpecificOutput as {
    hookEventName: string;
    permissionDecision: string;
    permissionDecisionReason: string;
  };
  return {
    decision: output.permissionDecision,
    reason: output.permissionDecisionReason,
    event: output.hookEventName,
  };
}
