import type { GatewayDecision } from '../decide-call';
import type { HookEvent } from './hook-request';

/**
 * Claude Code's hook output for a decision: always an explicit decision, never a bare status.
 * PreToolUse: `hookSpecificOutput.permissionDecision` (allow | deny | defer) with its reason;
 * PermissionRequest: `hookSpecificOutput.decision.behavior` (allow | deny) with a message.
 */
export function hookAnswer(
  event: HookEvent,
  decision: GatewayDecision | { decision: 'deny'; reason: string },
  options: { headless: boolean },
): Record<string, unknown> {
  const reason = answerReason(decision, options);
  const verdict = decision.decision === 'allow' ? 'allow' : 'deny';
  if (event === 'PermissionRequest') {
    const behavior = { behavior: verdict, ...(verdict === 'deny' ? { message: reason } : {}) };
    return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: behavior } };
  }
  const permissionDecision =
    decision.decision === 'pending' && options.headless ? 'defer' : verdict;
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision,
      permissionDecisionReason: reason,
    },
  };
}

/** What Claude (and the person) read: who decided and why, or where the approval waits. */
function answerReason(
  decision: GatewayDecision | { decision: 'deny'; reason: string },
  { headless }: { headless: boolean },
): string {
  const text = `Countersign: ${decision.reason}`;
  if (decision.decision !== 'pending') return text;
  const link = `https://slack.com/app_redirect?channel=${decision.channel}`;
  return headless
    ? `${text}; deferred: resume the session (claude -p --resume) once approved (${link})`
    : `Countersign: ${decision.reason}: ${link}; ask again once approved`;
}
