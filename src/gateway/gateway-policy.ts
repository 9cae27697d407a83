import type { GatewaySpec } from '../workflows/manifest-schema';
import { type PermissionRule, parsePermissionRule } from '../workflows/permission-rule';
import type { GatewayRiskPolicy } from './classify-call';

/**
 * A workflow's `gateway.risk` with its rules parsed, or the first rule that cannot be read (a
 * manifest that passed validation has none; should one slip through, every call is denied).
 */
export function compilePolicy(
  risk: GatewaySpec['risk'],
): { ok: true; policy: GatewayRiskPolicy } | { ok: false; problem: string } {
  const lists: Partial<Record<'low' | 'high' | 'deny', PermissionRule[]>> = {};
  for (const level of ['low', 'high', 'deny'] as const) {
    const rules: PermissionRule[] = [];
    for (const text of risk[level] ?? []) {
      const parsed = parsePermissionRule(text);
      if (!parsed.ok)
        return { ok: false, problem: `gateway.risk.${level}: ${text}: ${parsed.problem}` };
      rules.push(parsed.rule);
    }
    lists[level] = rules;
  }
  return { ok: true, policy: { default: risk.default, ...lists } };
}

const compiled = new Map<string, ReturnType<typeof compilePolicy>>();

/** {@link compilePolicy}, once per manifest version (its hash). */
export function policyOf(manifestHash: string, risk: GatewaySpec['risk']) {
  let policy = compiled.get(manifestHash);
  if (policy === undefined) {
    policy = compilePolicy(risk);
    if (compiled.size > 500) compiled.clear();
    compiled.set(manifestHash, policy);
  }
  return policy;
}
