import { classifyCall } from '../gateway/classify-call';
import { compilePolicy } from '../gateway/gateway-policy';
import { describeApproval } from '../policy/tool-call-policy';
import { canonicalJson } from '../shared/canonical-json';
import { formatDuration } from '../workflows/duration';
import type { GatewaySpec, WorkflowManifest } from '../workflows/manifest-schema';

/**
 * A dry run of a gateway workflow: nothing is started, so it says what the policy is, or what
 * the gateway would decide for one call (the policy only: no session, so no grant applies).
 */

/** One call given on the command line: `--call <tool> [--input <json>] [--cwd <dir>]`. */
export interface DryRunCall {
  tool: string;
  /** The tool's input as JSON text, as Claude Code sends it; omitted: `{}`. */
  input?: string;
  cwd: string;
  home: string;
}

/** Which tool, as the usage line and the hints write it. */
export const CALL_USAGE = "--call <tool> [--input '<json>'] [--cwd <dir>]";

/** The tool's input from its JSON text, or the one-line problem with it. */
export function parseCallInput(
  text: string | undefined,
): { ok: true; input: Record<string, unknown> } | { ok: false; problem: string } {
  if (text === undefined) return { ok: true, input: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `--input is not JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      problem: `--input must be a JSON object (the tool's input, e.g. {"command":"npm test"}), not ${JSON.stringify(value)}`,
    };
  }
  return { ok: true, input: value as Record<string, unknown> };
}

const rules = (list: readonly string[] | undefined) => (list?.length ? list.join(', ') : 'none');

const waitLine = (gateway: GatewaySpec) =>
  `the request waits up to ${formatDuration(gateway.wait)} for the decision, then is answered "pending"`;

function grantsLine(gateway: GatewaySpec): string {
  return gateway.grants === undefined
    ? 'no grants: each call that needs approval gets its own card'
    : `approvers may grant a rule for the session, for up to ${formatDuration(gateway.grants.max)}`;
}

/** The policy, as a dry run without `--call` prints it. */
export function describeGatewayPolicy(manifest: WorkflowManifest, gateway: GatewaySpec): string {
  const { risk } = gateway;
  return [
    'A gateway workflow: it is not started; Claude Code sessions with a token for it ask before each tool call.',
    `  deny (always refused): ${rules(risk.deny)}`,
    `  high (needs approval): ${rules(risk.high)}`,
    `  low (allowed at once): ${rules(risk.low)}`,
    `  any other call: ${risk.default}`,
    // Validation lets a workflow go without `approval` only when no call can need one.
    ...(manifest.approval === undefined
      ? ['No call needs approval: each is allowed or refused by the rules.']
      : [
          `A call that needs approval needs ${describeApproval(manifest.approval)}; ${waitLine(gateway)}.`,
          `Grants: ${grantsLine(gateway)}.`,
        ]),
    `Try a call: countersign run --dry-run ${manifest.name} --call Bash --input '{"command":"npm test"}'`,
  ].join('\n');
}

/** What the gateway would decide for the call, with the rule that decided it. */
export function decideDryRunCall(
  manifest: WorkflowManifest,
  gateway: GatewaySpec,
  call: DryRunCall,
  input: Record<string, unknown>,
): string {
  const compiled = compilePolicy(gateway.risk);
  // A loaded manifest has passed validation, so this is never expected; say so rather than guess.
  if (!compiled.ok) return `denied: the policy cannot be read (${compiled.problem})`;
  const risk = classifyCall(
    compiled.policy,
    { tool: call.tool, input },
    { cwd: call.cwd, home: call.home },
  );
  const why =
    risk.rule !== undefined
      ? `rule ${risk.rule}`
      : risk.risk === gateway.risk.default
        ? `no rule matches; the default is ${risk.risk}`
        : 'no low rule covers it, and a shell command Countersign cannot read with certainty is never low by default';
  const decision =
    risk.risk === 'low'
      ? `allowed (${why})`
      : risk.risk === 'deny'
        ? risk.rule !== undefined
          ? `denied by rule ${risk.rule}`
          : `denied (${why})`
        : `needs ${describeApproval(manifest.approval)} (${why}); ${waitLine(gateway)}; ${grantsLine(gateway)}`;
  return [
    `Call: ${call.tool} ${canonicalJson(input)} in ${call.cwd}`,
    `Decision: ${decision}`,
  ].join('\n');
}
