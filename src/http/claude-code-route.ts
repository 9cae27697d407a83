/**
 * `POST /gateway/claude-code`: Claude Code's `http` hook (or `countersign hook claude-code`) asks
 * before each tool call. Whatever happens the answer is 200 with an explicit decision in Claude
 * Code's shape, since Claude Code runs the call on a status it cannot read (it fails open): a
 * refused token, a body it cannot read, a failure of our own all deny, and say why.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { hookAnswer } from '../gateway/claude-code/hook-answer';
import { BODY_CAP, type HookEvent, readHookRequest } from '../gateway/claude-code/hook-request';
import { CLAUDE_CODE_PATH } from '../gateway/claude-code/settings';
import { decideCall, type GatewayDecision, type GatewayDeps } from '../gateway/decide-call';
import { type Caller, type IdentifyDeps, identifyCaller } from '../gateway/identify-caller';
import { type Route, sendJson } from './routes';

export interface ClaudeCodeDeps {
  gateway: GatewayDeps;
  identify: IdentifyDeps;
  /** observability/metrics.ts's gateway counter and histogram. */
  metrics: {
    gatewayDecisions: { inc(labels: DecisionLabels): void };
    gatewayDecisionSeconds: { observe(labels: DecisionLabels, seconds: number): void };
  };
  log: Logger;
}

type DecisionLabels = { client: string; outcome: string };

type Outcome = { decision: 'deny'; reason: string; outcome: string } | GatewayDecision;

export function claudeCodeRoutes(deps: ClaudeCodeDeps): Route[] {
  return [
    { path: CLAUDE_CODE_PATH, method: 'POST', handler: (req, res) => answerHook(deps, req, res) },
    {
      path: `${CLAUDE_CODE_PATH}/settings`,
      method: 'GET',
      handler: (req, res) => answerSettings(deps, req, res),
    },
  ];
}

/**
 * What `countersign hook claude-code --print-settings` needs to write the settings block for the
 * token's workflow: its wait, and whether the token was made for CI. 401 for a refused token.
 */
async function answerSettings(
  deps: ClaudeCodeDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const identified = await identifyCaller(deps.identify, bearerOf(req), 'claude-code');
  if (!identified.ok) {
    sendJson(res, 401, { error: `the token was refused: ${identified.reason}` });
    return;
  }
  const { token, workflow } = identified.caller;
  sendJson(res, 200, {
    workflow: workflow.manifest.name,
    wait_ms: workflow.manifest.gateway.wait,
    headless: token.headless,
  });
}

async function answerHook(
  deps: ClaudeCodeDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = process.hrtime.bigint();
  let event: HookEvent = 'PreToolUse';
  let headless = false;
  let outcome: Outcome;
  try {
    const body = await readBody(req);
    const request = readHookRequest(body.text, body.over);
    event = request.event ?? event;
    const identified = await identifyCaller(deps.identify, bearerOf(req), 'claude-code');
    if (!identified.ok) {
      outcome = refused('refused', `the token was refused: ${identified.reason}`);
      // For `countersign hook claude-code`, which names a refused token in its one line.
      res.setHeader('x-countersign-refused', identified.why);
    } else {
      // Only a token made for CI defers: Claude Code ignores `defer` outside `claude -p` and
      // falls back to its own prompt, which the gateway would then not govern.
      headless = identified.caller.token.headless;
      outcome = await decideHook(deps, identified.caller, request);
    }
  } catch (error) {
    deps.log.error({ err: error }, 'the gateway could not decide a Claude Code call; denied');
    outcome = refused(
      'failed',
      'the gateway could not decide this call (an internal error); nothing was allowed, try again',
    );
    await auditFailure(deps, error);
  }
  sendJson(res, 200, hookAnswer(event, outcome, { headless }));
  const label = { client: 'claude-code', outcome: outcomeLabel(outcome, headless) };
  deps.metrics.gatewayDecisions.inc(label);
  deps.metrics.gatewayDecisionSeconds.observe(
    label,
    Number(process.hrtime.bigint() - started) / 1e9,
  );
}

/** A failure of the gateway's own is audited too, if the audit log can be written at all. */
async function auditFailure(deps: ClaudeCodeDeps, error: unknown): Promise<void> {
  await deps.gateway.audit
    .record({
      type: 'gateway.refused',
      at: deps.gateway.clock(),
      actor: 'unknown',
      details: {
        client: 'claude-code',
        why: 'failed',
        reason: (error as Error).message ?? String(error),
      },
    })
    .catch((auditError: unknown) =>
      deps.log.error({ err: auditError }, 'could not audit a failed gateway decision'),
    );
}

/** The decision for a caller's request; one the gateway cannot read is denied and audited. */
async function decideHook(
  deps: ClaudeCodeDeps,
  caller: Caller,
  request: ReturnType<typeof readHookRequest>,
): Promise<Outcome> {
  if (!request.ok) {
    const { problem } = request;
    await deps.gateway.audit.record({
      type: 'gateway.refused',
      at: deps.gateway.clock(),
      actor: caller.token.userId,
      workflow: caller.token.workflow,
      details: {
        client: 'claude-code',
        why: 'malformed',
        reason: problem,
        tokenId: caller.token.id,
      },
    });
    return refused('malformed', `the hook request could not be read: ${problem}`);
  }
  return decideCall(deps.gateway, caller, request.call);
}

function refused(outcome: string, reason: string): Outcome {
  return { decision: 'deny', reason, outcome };
}

function outcomeLabel(outcome: Outcome, headless: boolean): string {
  if ('outcome' in outcome) return outcome.outcome;
  if (outcome.decision === 'pending') return headless ? 'deferred' : 'pending';
  if (outcome.decision === 'allow') {
    return { policy: 'allowed', grant: 'granted', approval: 'approved' }[outcome.by];
  }
  return { policy: 'denied', approval: 'denied', expiry: 'expired', withdrawn: 'withdrawn' }[
    outcome.by
  ];
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * The body as text (at most {@link BODY_CAP} bytes of it), and whether it was over the cap; read
 * to its end either way, so that the answer can be sent.
 */
async function readBody(req: IncomingMessage): Promise<{ text: string; over: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= BODY_CAP) chunks.push(chunk as Buffer);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), over: size > BODY_CAP };
}
