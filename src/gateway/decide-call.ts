/**
 * The gateway's decision core: (who, tool call) → allow | deny | pending, whichever client asked.
 * Policy first (deny beats high beats low), then the call's own approval if it was decided, then
 * the session's grants, then an approval, which the request waits for up to `gateway.wait`. Every answer is audited before it is given, and an
 * approved (or denied, or expired) outcome is given exactly once: the same call presented again
 * after that needs a new decision.
 */
import type { Logger } from 'pino';
import { type ApprovalRecord, ApprovalStatus, approvalBinding } from '../approvals/approval';
import { showOnCards } from '../approvals/approval-cards';
import { askDeadlines } from '../approvals/ask-deadlines';
import { closeAsCancelled } from '../approvals/decide-approval';
import { type ApprovalDeps, publishApproval } from '../approvals/request-approval';
import type { GatewayEvent } from '../audit/audit-event';
import type { AuditLog } from '../audit/ports';
import { canonicalJson } from '../shared/canonical-json';
import type { Clock } from '../shared/clock';
import { parsePermissionRule } from '../workflows/permission-rule';
import { type CallPlace, classifyCall, coversCall } from './classify-call';
import { policyOf } from './gateway-policy';
import { COVERED_BY_GRANT } from './grants';
import type { Caller } from './identify-caller';
import { callHashOf, callIdOf, type OutsideCall } from './outside-call';
import type { CallStore, GatewayCall, Grant, GrantStore } from './ports';
import type { Waiters } from './waiters';

export interface GatewayDeps {
  calls: CallStore;
  grants: GrantStore;
  /** Publishing an approval: the same cards, quorum, expiry and reminders as a run's. */
  approvals: ApprovalDeps;
  audit: AuditLog;
  waiters: Waiters;
  clock: Clock;
  log: Logger;
  /** How often a waiting request reads its approval (a decision in another process). */
  pollMs?: number;
}

export type GatewayDecision =
  | {
      decision: 'allow';
      by: 'policy' | 'grant' | 'approval';
      reason: string;
      rule?: string;
      grantId?: string;
      approvalId?: string;
    }
  | {
      decision: 'deny';
      by: 'policy' | 'approval' | 'expiry' | 'withdrawn';
      reason: string;
      rule?: string;
      approvalId?: string;
    }
  | {
      decision: 'pending';
      approvalId: string;
      reason: string;
      expiresAt: Date;
      /** Where the approvers decide (a Slack channel), for the client to point at. */
      channel: string;
    };

/** Presentations of one call that lost the race to another of the same call, before giving up. */
const MAX_GENERATIONS_PER_ASK = 3;

export async function decideCall(
  deps: GatewayDeps,
  caller: Caller,
  call: OutsideCall,
): Promise<GatewayDecision> {
  const { manifest, hash } = caller.workflow;
  const callHash = callHashOf({ name: manifest.name, hash }, caller.token.id, call);
  const tell = (decision: GatewayDecision, extra: Partial<GatewayCall> = {}) =>
    told(deps, caller, call, callHash, decision, extra);
  const compiled = policyOf(hash, manifest.gateway.risk);
  if (!compiled.ok) {
    return tell({
      decision: 'deny',
      by: 'policy',
      reason: `the policy cannot be read: ${compiled.problem}`,
    });
  }
  const place: CallPlace = { cwd: call.cwd ?? '/', home: call.home ?? '' };
  const risk = classifyCall(compiled.policy, { tool: call.tool, input: call.input }, place);
  const rule = risk.rule === undefined ? {} : { rule: risk.rule };
  if (risk.risk === 'deny') {
    return tell({
      decision: 'deny',
      by: 'policy',
      reason: risk.rule ? `denied by the rule ${risk.rule}` : 'denied: no rule allows this call',
      ...rule,
    });
  }
  if (risk.risk === 'low') {
    return tell({ decision: 'allow', by: 'policy', reason: lowReason(risk.rule), ...rule });
  }
  let standing = await standingOf(deps, callHash);
  // The call's own approval first: an approved call is told "approved" (and used), not "granted".
  if (standing.open !== undefined && isDecided(standing.approval)) {
    if (await deps.calls.claimDelivery(standing.open.id, deps.clock())) {
      return tell(outcomeOf(standing.approval), { id: standing.open.id });
    }
    // Told to another presentation of the same call just now: this one is a new call.
    standing = await standingOf(deps, callHash);
  }
  const grant = await coveringGrant(deps, caller, call, callHash, place, risk.rule);
  if (grant !== undefined) {
    await withdrawCoveredCard(deps, standing, grant);
    return tell({
      decision: 'allow',
      by: 'grant',
      reason: `allowed by grant ${grant.id} (${grant.covers}), given by ${grant.grantedBy}`,
      grantId: grant.id,
    });
  }
  return decideByApproval(deps, caller, call, callHash, risk.rule, standing);
}

/**
 * Where a call stands: its newest generation, the open one (its outcome not told, not withdrawn)
 * if that is the newest, and the open one's approval (null until it is published).
 */
interface CallStanding {
  latest: GatewayCall | null;
  open?: GatewayCall;
  approval: ApprovalRecord | null;
}

async function standingOf(deps: GatewayDeps, callHash: string): Promise<CallStanding> {
  const latest = await deps.calls.latest(callHash);
  const open =
    latest !== null && latest.deliveredAt === undefined && latest.withdrawnAt === undefined
      ? latest
      : undefined;
  const approval = open === undefined ? null : await deps.approvals.approvals.get(open.id);
  return { latest, ...(open === undefined ? {} : { open }), approval };
}

function isDecided(approval: ApprovalRecord | null): approval is ApprovalRecord {
  return approval !== null && approval.status !== ApprovalStatus.Pending;
}

/**
 * A grant given since covers a call whose card still waits: the card is closed (withdrawn, saying
 * which grant covered the call), so that nobody decides a call that already ran.
 */
async function withdrawCoveredCard(deps: GatewayDeps, standing: CallStanding, grant: Grant) {
  const { open, approval } = standing;
  if (open === undefined || approval?.status !== ApprovalStatus.Pending) return;
  const at = deps.clock();
  await deps.calls.withdraw(open.id, at);
  const closed = await closeAsCancelled(
    deps.approvals,
    approval,
    grant.grantedBy,
    at,
    `${COVERED_BY_GRANT} ${grant.id} (${grant.covers})`,
  );
  if (closed !== null) await showOnCards(deps.approvals, closed);
}

function lowReason(rule: string | undefined): string {
  return rule ? `allowed by the rule ${rule}` : 'allowed: low risk by default';
}

/** A high-risk call: its approval (found or asked for), waited for, and its outcome told once. */
async function decideByApproval(
  deps: GatewayDeps,
  caller: Caller,
  call: OutsideCall,
  callHash: string,
  rule: string | undefined,
  standing: CallStanding,
): Promise<GatewayDecision> {
  const deadline = deps.clock().getTime() + caller.workflow.manifest.gateway.wait;
  let known: CallStanding | undefined = standing;
  for (let attempt = 0; attempt < MAX_GENERATIONS_PER_ASK; attempt += 1) {
    const current = known ?? (await standingOf(deps, callHash));
    known = undefined;
    const open = await openCall(deps, caller, call, callHash, rule, current);
    const approval = await waitForDecision(deps, open.id, deadline);
    if (approval === null) throw new Error(`the approval of ${open.id} vanished`);
    if (approval.status === ApprovalStatus.Pending) {
      return told(deps, caller, call, callHash, pendingOf(approval), { id: open.id });
    }
    // Told once: a presentation that lost the claim to another is a new call.
    if (await deps.calls.claimDelivery(open.id, deps.clock())) {
      return told(deps, caller, call, callHash, outcomeOf(approval), { id: open.id });
    }
  }
  throw new Error('the same call was presented too many times at once');
}

/**
 * The newest generation of the call that has not been told its outcome, or a new one with its
 * approval published. Only the request that stored a generation publishes its approval (stored
 * once, card posted once); another finds it published, or publishes it if its maker never did (a
 * crash between the two).
 */
async function openCall(
  deps: GatewayDeps,
  caller: Caller,
  call: OutsideCall,
  callHash: string,
  rule: string | undefined,
  { latest, open, approval }: CallStanding,
): Promise<GatewayCall> {
  if (open !== undefined) {
    if (approval === null) {
      await publishedBy(deps, open, () => approvalRequest(caller, call, open, rule, deps.clock()));
    }
    return open;
  }
  const generation = latest === null ? 0 : latest.generation + 1;
  const fresh: GatewayCall = {
    id: callIdOf(callHash, generation),
    callHash,
    generation,
    workflow: caller.workflow.manifest.name,
    tokenId: caller.token.id,
    userId: caller.token.userId,
    sessionId: call.sessionId,
    tool: call.tool,
    input: canonicalJson(call.input),
    createdAt: deps.clock(),
  };
  const { call: stored, created } = await deps.calls.createOnce(fresh);
  const request = () => approvalRequest(caller, call, stored, rule, deps.clock());
  if (created) await publishApproval(deps.approvals, request());
  else await publishedBy(deps, stored, request);
  return stored;
}

/** How long a request waits for the maker of a call to publish its approval before doing it. */
const PUBLISH_GRACE_MS = 3_000;

/** Waits for another request's approval of `open` to be stored; publishes it if none comes. */
async function publishedBy(
  deps: GatewayDeps,
  open: GatewayCall,
  request: () => ApprovalRecord,
): Promise<void> {
  const until = open.createdAt.getTime() + PUBLISH_GRACE_MS;
  for (;;) {
    if ((await deps.approvals.approvals.get(open.id)) !== null) return;
    const left = until - deps.clock().getTime();
    if (left <= 0) break;
    await deps.waiters.sleep(open.id, Math.min(left, 50));
  }
  await publishApproval(deps.approvals, request());
}

/** The approval a gateway call asks for: the workflow's `approval` block, its card in its channel. */
function approvalRequest(
  caller: Caller,
  call: OutsideCall,
  open: GatewayCall,
  rule: string | undefined,
  now: Date,
): ApprovalRecord {
  const { manifest, hash } = caller.workflow;
  const spec = manifest.approval;
  if (spec?.channel === undefined) {
    throw new Error(`${manifest.name} names no approval channel for its gateway calls`);
  }
  const grantMax = manifest.gateway.grants?.max;
  const escalateTo = spec.escalate_to;
  return {
    id: open.id,
    runId: open.id,
    step: 0,
    workflow: manifest.name,
    kind: 'call',
    tool: call.tool,
    args: open.input,
    risk: 'high',
    binding: approvalBinding({ tool: call.tool, args: open.input, manifestHash: hash }),
    manifestHash: hash,
    requesterId: caller.token.userId,
    approvers: { users: spec.approvers.users ?? [], usergroups: spec.approvers.usergroups ?? [] },
    required: spec.required,
    allowSelfApproval: spec.allow_self_approval,
    onTimeout: spec.on_timeout,
    channel: spec.channel,
    status: ApprovalStatus.Pending,
    approvals: [],
    session: {
      sessionId: call.sessionId,
      tokenId: caller.token.id,
      ...(caller.token.label ? { label: caller.token.label } : {}),
      client: call.client,
      ...(call.cwd ? { cwd: call.cwd } : {}),
      ...(rule ? { rule } : {}),
      // With a quorum, one approver's click would grant what the others approved once: no grants.
      ...(grantMax === undefined || spec.required > 1 ? {} : { grantMaxMs: grantMax }),
      ...(escalateTo
        ? { escalateTo: { users: escalateTo.users ?? [], usergroups: escalateTo.usergroups ?? [] } }
        : {}),
    },
    ...askDeadlines(spec, now),
  };
}

/** Reads the approval until it is decided or `deadline` passes; woken at once by a local decision. */
async function waitForDecision(
  deps: GatewayDeps,
  id: string,
  deadline: number,
): Promise<ApprovalRecord | null> {
  for (;;) {
    const approval = await deps.approvals.approvals.get(id);
    const left = deadline - deps.clock().getTime();
    if (approval === null || approval.status !== ApprovalStatus.Pending || left <= 0) {
      return approval;
    }
    await deps.waiters.sleep(id, Math.min(left, deps.pollMs ?? 250));
  }
}

function pendingOf(approval: ApprovalRecord): GatewayDecision {
  return {
    decision: 'pending',
    approvalId: approval.id,
    reason: `waiting for approval in Slack (channel ${approval.channel}, approval ${approval.id})`,
    expiresAt: approval.expiresAt,
    channel: approval.channel,
  };
}

function outcomeOf(approval: ApprovalRecord): GatewayDecision {
  const approvalId = approval.id;
  const by = approval.decidedBy ?? 'an approver';
  switch (approval.status) {
    case ApprovalStatus.Approved:
      return { decision: 'allow', by: 'approval', reason: `approved by ${by}`, approvalId };
    case ApprovalStatus.Denied:
      return {
        decision: 'deny',
        by: 'approval',
        reason: `denied by ${by}: ${approval.decisionNote ?? 'no reason given'}`,
        approvalId,
      };
    case ApprovalStatus.Expired:
      return {
        decision: 'deny',
        by: 'expiry',
        reason: 'the approval expired with no decision; ask again to post a new card',
        approvalId,
      };
    default:
      return {
        decision: 'deny',
        by: 'withdrawn',
        reason: `the request was withdrawn${approval.decisionNote ? ` (${approval.decisionNote})` : ''}`,
        approvalId,
      };
  }
}

/**
 * A grant of this session in force now that covers the call, if one does: an exact-call grant
 * for this very call (its hash holds the manifest's version), or a grant of the very rule the
 * call matched now, whose every part it covers. A grant of another rule never covers a call a
 * stricter rule caught (`Bash(git push:*)` granted is no `Bash(git push --force:*)`), and none
 * applies once the workflow offers no grants.
 */
async function coveringGrant(
  deps: GatewayDeps,
  caller: Caller,
  call: OutsideCall,
  callHash: string,
  place: CallPlace,
  rule: string | undefined,
): Promise<Grant | undefined> {
  if (caller.workflow.manifest.gateway.grants === undefined) return undefined;
  const grants = await deps.grants.activeFor(
    { tokenId: caller.token.id, sessionId: call.sessionId },
    deps.clock(),
  );
  return grants.find((grant) => {
    if (grant.callHash !== undefined) return grant.callHash === callHash;
    if (grant.rule === undefined || grant.rule !== rule) return false;
    const parsed = parsePermissionRule(grant.rule);
    return parsed.ok && coversCall([parsed.rule], { tool: call.tool, input: call.input }, place);
  });
}

const EVENT_TYPE: Record<string, GatewayEvent['type']> = {
  'allow:policy': 'gateway.allowed',
  'allow:grant': 'gateway.allowed',
  'allow:approval': 'gateway.approved',
  'deny:policy': 'gateway.denied',
  'deny:approval': 'gateway.denied',
  'deny:expiry': 'gateway.expired',
  'deny:withdrawn': 'gateway.withdrawn',
};

/** Audits the decision (durable before it is answered), then returns it. */
async function told(
  deps: GatewayDeps,
  caller: Caller,
  call: OutsideCall,
  callHash: string,
  decision: GatewayDecision,
  open: Partial<GatewayCall>,
): Promise<GatewayDecision> {
  const type =
    decision.decision === 'pending'
      ? 'gateway.pending'
      : (EVENT_TYPE[`${decision.decision}:${decision.by}`] ?? 'gateway.denied');
  const { decision: _decision, reason, ...rest } = decision;
  const details: GatewayEvent['details'] = {
    client: call.client,
    session: call.sessionId,
    tokenId: caller.token.id,
    tool: call.tool,
    callHash,
    reason,
  };
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value === 'string') details[key] = value;
    else if (value instanceof Date) details[key] = value.toISOString();
  }
  if (open.id !== undefined) details.callId = open.id;
  await deps.audit.record({
    type,
    at: deps.clock(),
    actor: caller.token.userId,
    workflow: caller.workflow.manifest.name,
    details,
    // The outcome of a call is told once; its telling is recorded once.
    ...(type !== 'gateway.pending' && open.id !== undefined ? { key: `${open.id}:told` } : {}),
  });
  return decision;
}
