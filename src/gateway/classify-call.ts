/**
 * The risk of one outside tool call under a workflow's `gateway.risk`, with the precedence the
 * manifests already have: a deny rule wins, then a high rule, then low rules; a call no rule
 * matches gets the default. Deny and high rules are read broad, low rules strict (match-rule.ts),
 * and a Bash command that cannot be read with certainty is never low by default alone.
 */

import type { PermissionRule } from '../workflows/permission-rule';
import { type MatchContext, matchesRule, partMatches, type ToolCall } from './match-rule';
import { splitShellCommand } from './shell-command';

export interface GatewayRiskPolicy {
  default: 'low' | 'high' | 'deny';
  low?: readonly PermissionRule[];
  high?: readonly PermissionRule[];
  deny?: readonly PermissionRule[];
}

/** The risk, and the text of the rule (or rules, for a compound command) that decided it. */
export interface CallRisk {
  risk: 'deny' | 'high' | 'low';
  rule?: string;
}

/** Where the call runs: the session's working directory and the home directory. */
export type CallPlace = Omit<MatchContext, 'reading'>;

export function classifyCall(
  policy: GatewayRiskPolicy,
  call: ToolCall,
  place: CallPlace,
): CallRisk {
  const broad: MatchContext = { ...place, reading: 'broad' };
  const denied = policy.deny?.find((rule) => matchesRule(rule, call, broad));
  if (denied !== undefined) return { risk: 'deny', rule: denied.text };
  const high = policy.high?.find((rule) => matchesRule(rule, call, broad));
  if (high !== undefined) return { risk: 'high', rule: high.text };
  const low = coveringRules(policy.low ?? [], call, place);
  if (low !== undefined) return { risk: 'low', rule: low.map((rule) => rule.text).join(', ') };
  if (policy.default === 'low' && isUncertainCommand(call)) return { risk: 'high' };
  return { risk: policy.default };
}

/**
 * Whether the rules (low rules, or the rules of active grants) cover the call, read strict: a
 * compound command is covered only if each of its commands is covered by one of the rules.
 */
export function coversCall(
  rules: readonly PermissionRule[],
  call: ToolCall,
  place: CallPlace,
): boolean {
  return coveringRules(rules, call, place) !== undefined;
}

/** The rules that together cover the call, or undefined when they do not. */
export function coveringRules(
  rules: readonly PermissionRule[],
  call: ToolCall,
  place: CallPlace,
): PermissionRule[] | undefined {
  const strict: MatchContext = { ...place, reading: 'strict' };
  const whole = rules.find((rule) => matchesRule(rule, call, strict));
  if (whole !== undefined) return [whole];
  const command = commandOf(call);
  if (command === undefined) return undefined;
  const line = splitShellCommand(command);
  if (line.uncertain !== undefined || line.parts.length === 0) return undefined;
  const bash = rules.filter((rule) => rule.kind === 'bash');
  const used = line.parts.map((part) =>
    bash.find((rule) => partMatches(rule.pattern, part, 'strict')),
  );
  if (used.some((rule) => rule === undefined)) return undefined;
  return [...new Set(used as PermissionRule[])];
}

function commandOf(call: ToolCall): string | undefined {
  if (call.tool !== 'Bash' || typeof call.input !== 'object' || call.input === null)
    return undefined;
  const command = (call.input as { command?: unknown }).command;
  return typeof command === 'string' ? command : undefined;
}

/**
 * A Bash call whose command is missing, empty, beyond what shell-command.ts can be sure of, or
 * runs text as a command of its own (`eval`, `source`, `bash -c '…'`): what that text does is not
 * read, so it is never low by default alone.
 */
function isUncertainCommand(call: ToolCall): boolean {
  if (call.tool !== 'Bash') return false;
  const command = commandOf(call);
  if (command === undefined) return true;
  const line = splitShellCommand(command);
  return line.uncertain !== undefined || line.parts.length === 0 || line.parts.some(runsText);
}

const EVALUATORS = new Set(['eval', 'source', '.']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'busybox']);

/** Whether a simple command hands text to a shell to run: `eval …`, `. file`, `bash -c '…'`. */
function runsText(part: string): boolean {
  const words = part.split(' ').filter((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
  const program = (words[0] ?? '').split('/').at(-1) ?? '';
  if (EVALUATORS.has(program)) return true;
  return SHELLS.has(program) && words.length > 1;
}
