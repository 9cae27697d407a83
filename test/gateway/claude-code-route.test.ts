import { click } from '../support/approval-clicks';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import {
  askGateway,
  CLAUDE_CODE_MANIFEST,
  issueToken,
  preToolUse,
  preToolUseDecision,
  workflowsWith,
} from '../support/gateway';

describe('POST /gateway/claude-code, through the real service', () => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness('gateway_route', {
      workflowsDir: await workflowsWith({ 'claude-code.yaml': CLAUDE_CODE_MANIFEST }),
    });
    token = (await issueToken(h)).text;
  });
  afterAll(() => h.stop());

  const auditOf = (type: string) => h.db.collection('audit_events').find({ type }).toArray();

  it('allows a low-risk call at once, in PreToolUse and PermissionRequest shapes', async () => {
    const pre = await askGateway(
      h,
      token,
      preToolUse('Read', { file_path: '/work/app/README.md' }),
    );
    expect(pre.status).toBe(200);
    expect(preToolUseDecision(pre.answer)).toEqual({
      event: 'PreToolUse',
      decision: 'allow',
      reason: 'Countersign: allowed by the rule Read',
    });
    const { tool_use_id: _id, ...permission } = preToolUse(
      'Bash',
      { command: 'git status' },
      {
        hook_event_name: 'PermissionRequest',
      },
    );
    const asked = await askGateway(h, token, permission);
    expect(asked.answer).toEqual({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } },
    });
  });

  it('denies a call a deny rule matches, and Claude is told the rule', async () => {
    const { answer } = await askGateway(
      h,
      token,
      preToolUse('Read', { file_path: '/work/app/.env' }),
    );
    expect(preToolUseDecision(answer)).toMatchObject({
      decision: 'deny',
      reason: 'Countersign: denied by the rule Read(./.env)',
    });
    const denied = await auditOf('gateway.denied');
    expect(denied.some((event) => event.details.rule === 'Read(./.env)')).toBe(true);
  });

  it.each([
    ['no token', undefined, 'missing', 'no gateway token was sent'],
    ['a token it never issued', 'cst_not-a-real-token', 'unknown', 'not one Countersign issued'],
  ])('refuses %s with an explicit deny, audited', async (_what, sent, why, words) => {
    const { status, answer, refused } = await askGateway(
      h,
      sent,
      preToolUse('Read', { file_path: 'x' }),
    );
    expect(status).toBe(200);
    expect(refused).toBe(why);
    expect(preToolUseDecision(answer).decision).toBe('deny');
    expect(preToolUseDecision(answer).reason).toContain(words);
    const events = await auditOf('gateway.refused');
    expect(events.some((event) => event.details.why === why)).toBe(true);
  });

  it('refuses a revoked and an expired token, and a token whose workflow is gone', async () => {
    const revoked = await issueToken(h, { revokedAt: new Date(), revokedBy: 'cli' });
    const expired = await issueToken(h, { expiresAt: new Date(Date.now() - 1000) });
    const orphan = await issueToken(h, { workflow: 'retired-workflow' });
    for (const [issued, why] of [
      [revoked, 'revoked'],
      [expired, 'expired'],
      [orphan, 'workflow_gone'],
    ] as const) {
      const { answer, refused } = await askGateway(
        h,
        issued.text,
        preToolUse('Read', { file_path: 'a' }),
      );
      expect(refused).toBe(why);
      expect(preToolUseDecision(answer).decision).toBe('deny');
    }
  });

  it.each([
    ['malformed JSON', '{"hook_event_name": "PreToolUse", ', 'not JSON'],
    [
      'an unknown hook event',
      preToolUse('Read', {}, { hook_event_name: 'PostToolUse' }),
      'PostToolUse',
    ],
    ['a missing tool_name', preToolUse('', {}), 'tool_name is empty'],
    [
      'a tool_input that is not an object',
      preToolUse('Bash', 'ls' as never),
      'tool_input must be an object',
    ],
    [
      'a tool_input over 256 KB',
      preToolUse('Write', { file_path: 'big', content: 'x'.repeat(300_000) }),
      'over',
    ],
  ])('denies %s, naming the problem, and audits it', async (_what, body, words) => {
    const { status, answer } = await askGateway(h, token, body);
    expect(status).toBe(200);
    const decision = preToolUseDecision(answer);
    expect(decision.decision).toBe('deny');
    expect(decision.reason).toContain('could not be read');
    expect(decision.reason).toContain(words);
    const events = await auditOf('gateway.refused');
    expect(
      events.some(
        (event) =>
          event.details.why === 'malformed' && String(event.details.reason).includes(words),
      ),
    ).toBe(true);
  });

  it('holds a high-risk call for a signed Slack click, then allows it once', async () => {
    const session = { session_id: 'sess-click' };
    const waiting = askGateway(h, token, preToolUse('Bash', { command: 'npm run build' }, session));
    const card = await h.slack.waitForCall(
      'chat.postMessage',
      (call) => call.args.channel === 'C0APPROVALS',
    );
    const body = card.response.body as { channel: string; ts: string };
    const value = approveValue(card.args.blocks);
    await click(h, body, 'approval_approve', value, 'U0LEAD');
    expect(preToolUseDecision((await waiting).answer)).toMatchObject({
      decision: 'allow',
      reason: 'Countersign: approved by U0LEAD',
    });
    // Presented again, the call needs a new approval: pending past the wait, told where it waits.
    const again = await askGateway(
      h,
      token,
      preToolUse('Bash', { command: 'npm run build' }, session),
    );
    const pending = preToolUseDecision(again.answer);
    expect(pending.decision).toBe('deny');
    expect(pending.reason).toContain('waiting for approval in Slack');
    expect(pending.reason).toContain('ask again once approved');
  });

  it('defers a call still pending for a token made for CI, and only for one', async () => {
    const ci = (await issueToken(h, { headless: true, label: 'ci' })).text;
    const call = preToolUse('Bash', { command: 'npm run build' }, { session_id: 'sess-ci' });
    const { answer } = await askGateway(h, ci, call);
    expect(preToolUseDecision(answer)).toMatchObject({ decision: 'defer' });
    expect(preToolUseDecision(answer).reason).toContain('claude -p --resume');
    // A person's token asking to be deferred is not: Claude Code ignores defer outside -p, and
    // would fall back to its own prompt, which Countersign does not govern.
    const person = await askGateway(
      h,
      token,
      { ...call, session_id: 'sess-person' },
      '?headless=1',
    );
    expect(preToolUseDecision(person.answer).decision).toBe('deny');
  });

  it('answers a PermissionRequest it cannot read in its own shape', async () => {
    const broken = '{"hook_event_name": "PermissionRequest", "tool_name": ';
    const { answer } = await askGateway(h, token, broken);
    expect(answer).toMatchObject({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny' } },
    });
  });

  it('counts decisions by outcome, with a latency histogram, and never logs or stores a token', async () => {
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /countersign_gateway_decisions_total\{client="claude-code",outcome="allowed"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /countersign_gateway_decisions_total\{client="claude-code",outcome="refused"\} [1-9]/,
    );
    expect(metrics).toContain('countersign_gateway_decision_seconds_bucket');
    await eventually(
      'the audit written',
      async () => (await auditOf('gateway.pending')).length > 0 || undefined,
    );
    const everything = JSON.stringify([
      h.logs,
      await h.db.collection('audit_events').find().toArray(),
      await h.db.collection('gateway_tokens').find().toArray(),
      await h.db.collection('approvals').find().toArray(),
    ]);
    expect(everything).not.toContain(token);
  });
});

describe('a server restart in the middle of a wait', () => {
  it('keeps the approval, and allows the retry once', async () => {
    const workflowsDir = await workflowsWith({ 'claude-code.yaml': CLAUDE_CODE_MANIFEST });
    const first = await startHarness('gateway_restart', { workflowsDir });
    const { text } = await issueToken(first);
    const call = preToolUse('Bash', { command: 'npm run build' }, { session_id: 'sess-restart' });
    const waiting = askGateway(first, text, call);
    const card = await first.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS',
    );
    // The process stops while the request waits: the request is answered, not dropped.
    const stopping = first.service.stop();
    expect(preToolUseDecision((await waiting).answer).decision).toBe('deny');
    await stopping;
    const second = await startHarness('gateway_restart', {
      workflowsDir,
      share: { slack: first.slack, mongoUri: first.mongoUri, queuePrefix: first.queuePrefix },
    });
    try {
      const body = card.response.body as { channel: string; ts: string };
      await click(second, body, 'approval_approve', approveValue(card.args.blocks), 'U0SRE');
      const retried = await askGateway(second, text, call);
      expect(preToolUseDecision(retried.answer)).toMatchObject({
        decision: 'allow',
        reason: 'Countersign: approved by U0SRE',
      });
      const again = await askGateway(second, text, call);
      expect(preToolUseDecision(again.answer).decision).toBe('deny');
      expect(preToolUseDecision(again.answer).reason).toContain('waiting for approval');
    } finally {
      await second.stop();
      await first.db.dropDatabase();
      await first.db.close();
      await first.slack.close();
    }
  });
});

function approveValue(blocks: unknown): string {
  for (const block of (blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[]) {
    for (const element of block.elements ?? []) {
      if (element.action_id === 'approval_approve' && element.value) return element.value;
    }
  }
  throw new Error('the card has no Approve button');
}
