import type { GatewaySpec, WorkflowManifest } from './manifest-schema';
import { parsePermissionRule } from './permission-rule';
import type { Report } from './tool-checks';

/**
 * The cross-checks of a `gateway:` workflow. Such a workflow is not started and runs nothing of
 * its own: it is a policy that outside agents' calls (Claude Code's, through tokens) are held to,
 * so what only a run can use (tools, inputs, secrets, a channel to start from) is refused rather
 * than silently ignored, and every rule must be one the gateway can match.
 */

const LEVELS = ['low', 'high', 'deny'] as const;

export function checkGateway(manifest: WorkflowManifest, report: Report): void {
  const gateway = manifest.gateway;
  if (gateway === undefined) return;
  checkRules(gateway, report);
  // With `agent` or `steps` as well, "exactly one" is the problem; the rest would be noise.
  if (manifest.agent !== undefined || manifest.steps !== undefined) return;
  if (manifest.tools.length > 0) {
    report(
      ['tools'],
      "a gateway workflow has no tools of its own: the calls it governs are the outside agent's",
    );
  }
  if (Object.keys(manifest.inputs).length > 0) {
    report(
      ['inputs'],
      'a gateway workflow takes no inputs: it is never started, only used through tokens',
    );
  }
  if (manifest.secrets.length > 0) {
    report(['secrets'], 'a gateway workflow has no secrets: it has no tools to inject them into');
  }
  if (manifest.access?.channels !== undefined) {
    report(
      ['access', 'channels'],
      'means nothing for a gateway workflow: its tokens are used outside Slack, in no channel; list users or usergroups',
    );
  }
  checkApprovalPlace(manifest, gateway, report);
}

/** Each rule parses, and no rule text sits in two places (which list would win is a guess). */
function checkRules(gateway: GatewaySpec, report: Report): void {
  const seen = new Map<string, string>();
  for (const level of LEVELS) {
    (gateway.risk[level] ?? []).forEach((text, index) => {
      const path = ['gateway', 'risk', level, index];
      const parsed = parsePermissionRule(text);
      if (!parsed.ok) {
        report(path, parsed.problem);
        return;
      }
      const rule = text.trim();
      const first = seen.get(rule);
      if (first !== undefined) {
        report(path, `"${rule}" is also at ${first}: a rule belongs in one place`);
        return;
      }
      seen.set(rule, path.join('.'));
    });
  }
}

/** Why a call under this policy may need a person's yes, or undefined when none can. */
function whyApprovalMayBeNeeded(gateway: GatewaySpec): string | undefined {
  const high = gateway.risk.high ?? [];
  if (high.length > 0) return 'its `high` rules need approval';
  if (gateway.risk.default === 'high') {
    return 'a call no rule matches needs approval (`risk.default` is high unless written otherwise)';
  }
  if (gateway.risk.default === 'low') {
    // classify-call: a Bash command that cannot be read with certainty is never low by default.
    return 'even under `risk.default: low`, a shell command Countersign cannot read with certainty needs approval';
  }
  return undefined;
}

/** A gateway call has no run thread: its cards go to the approval channel, so there must be one. */
function checkApprovalPlace(
  manifest: WorkflowManifest,
  gateway: GatewaySpec,
  report: Report,
): void {
  const why = whyApprovalMayBeNeeded(gateway);
  if (why === undefined) return;
  if (manifest.approval === undefined) {
    report(
      ['gateway', 'risk'],
      `${why}, so the workflow needs an \`approval\` block with approvers and a \`channel\` for the cards`,
    );
  } else if (manifest.approval.channel === undefined) {
    report(
      ['approval'],
      `needs a \`channel\` for the cards: ${why}, and a gateway workflow has no run thread to post them in`,
    );
  }
}
