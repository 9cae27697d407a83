import { type CallTarget, nameOfCall } from '../workflows/call-target';
import { formatDuration } from '../workflows/duration';
import type { ApprovalSpec, WorkflowManifest } from '../workflows/manifest-schema';
import { findTool, secretsUsedBy } from '../workflows/manifest-tools';
import { kindOf } from '../workflows/tool-kinds';

/** What may happen to one tool call: run now, wait for a human's yes, or never. */
export type ToolCallDecision =
  | { decision: 'allow' }
  | { decision: 'approve'; approval: ApprovalSpec | undefined }
  | { decision: 'deny'; reason: string };

/**
 * The policy for a call of a manifest tool (for a tool that serves many, an MCP server, of one of
 * its tools). A tool the manifest does not define is denied.
 */
export function decideToolCall(manifest: WorkflowManifest, call: CallTarget): ToolCallDecision {
  const tool = findTool(manifest, call.tool);
  if (tool === undefined) {
    return { decision: 'deny', reason: `"${call.tool}" is not a tool of ${manifest.name}` };
  }
  const kind = kindOf(tool);
  if (kind.servesMany && call.mcpTool === undefined) {
    return {
      decision: 'deny',
      reason: `"${call.tool}" is ${kind.noun} of ${manifest.name}; call one of its tools (${call.tool}__<tool>)`,
    };
  }
  const risk = kind.risk(call.mcpTool ?? '');
  if (risk === 'deny') {
    return { decision: 'deny', reason: `the rules of ${manifest.name} deny ${nameOfCall(call)}` };
  }
  return risk === 'low'
    ? { decision: 'allow' }
    : { decision: 'approve', approval: manifest.approval };
}

/** Whether the tool's definition needs secret values to run. */
export function usesSecrets(manifest: WorkflowManifest, toolName: string): boolean {
  const tool = findTool(manifest, toolName);
  return tool !== undefined && secretsUsedBy(tool).length > 0;
}

/** Who decides and how, in plain words (ids are not mentions, so naming them pings nobody). */
export function describeApproval(approval: ApprovalSpec | undefined): string {
  if (approval === undefined)
    return 'approval (no approvers are configured, so it could not be given)';
  const who = [
    ...(approval.approvers.users ?? []),
    ...(approval.approvers.usergroups ?? []).map((group) => `members of ${group}`),
  ].join(', ');
  const count = approval.required === 1 ? '1 approval' : `${approval.required} approvals`;
  const where = approval.channel ? `, card in ${approval.channel}` : '';
  return `${count} from ${who}${where}, expiring after ${formatDuration(approval.timeout)}`;
}
