import { decideToolCall, describeApproval, usesSecrets } from '../policy/tool-call-policy';
import type { CallTarget } from '../workflows/call-target';
import type { WorkflowManifest } from '../workflows/manifest-schema';
import { kindOf } from '../workflows/tool-kinds';
import { type StepRecord, StepStatus } from './run';

/**
 * A dry run walks the workflow for real, except that every call above low risk is simulated:
 * it reports which calls would have waited for approval, and from whom. Secrets are not resolved,
 * so a low-risk call that needs one is simulated too.
 */

/** Why a dry run does not execute a call of this tool, or undefined when it may run. */
export function dryRunHold(manifest: WorkflowManifest, call: CallTarget): string | undefined {
  const policy = decideToolCall(manifest, call);
  if (policy.decision === 'deny') return `would be refused: ${policy.reason}`;
  if (policy.decision === 'approve') {
    return `high risk: would wait for ${describeApproval(policy.approval)}`;
  }
  if (usesSecrets(manifest, call.tool)) {
    return 'not run: it needs secrets, which a dry run does not resolve';
  }
  return undefined;
}

/** The summary a dry run ends with. */
export function dryRunResult(steps: readonly StepRecord[]): string {
  const ran = steps.filter((step) => step.status === StepStatus.Succeeded).length;
  const held = steps.filter((step) => step.status === StepStatus.Simulated);
  const lines = [`Dry run: ${ran} call(s) ran, ${held.length} simulated.`];
  for (const step of held) lines.push(`• step ${step.index + 1} ${step.tool}: ${step.output}`);
  return lines.join('\n');
}

/**
 * For an agent workflow the model chooses the calls, so a dry run can only say what each tool
 * would be allowed to do.
 */
export function agentToolPolicy(manifest: WorkflowManifest): string {
  const lines = [`Dry run of an agent workflow: the model would choose among these tools.`];
  const hold = (toolName: string) => dryRunHold(manifest, { tool: toolName });
  for (const tool of manifest.tools) lines.push(kindOf(tool).dryRunLine(hold));
  // The lines of a tool that serves many tools give its rules, not who would approve.
  if (manifest.tools.some((tool) => kindOf(tool).servesMany) && manifest.approval) {
    lines.push(`High-risk calls would wait for ${describeApproval(manifest.approval)}.`);
  }
  return lines.join('\n');
}
