import { webApi } from '@slack/bolt';
import pino from 'pino';
import {
  type ApprovalRecord,
  approvalBinding,
  type SessionAsk,
} from '../../src/approvals/approval';
import { publishApproval } from '../../src/approvals/request-approval';
import { grantIdOf } from '../../src/gateway/grants';
import { callIdOf } from '../../src/gateway/outside-call';
import { SlackApprovalSurface } from '../../src/slack/slack-approval-surface';
import { type Database, openDatabase } from '../../src/store/database';
import { clickInHome, nextPublish, openHome } from '../support/app-home';
import { answerTo, cardNow, cardOf, click, type PostedCard } from '../support/approval-clicks';
import { laterAnswer } from '../support/command-answers';
import { type Harness, SIGNING_SECRET, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { inMemoryDecisions } from '../support/in-memory-approvals';
import { newTriggerId, sendInteraction } from '../support/slack-request';
import { TEST_AUDIT_HMAC_KEY } from '../support/test-env';

const MINUTE = 60_000;

/**
 * A Claude Code session's call waiting for approval, as the gateway asks for it (its call stored,
 * its approval published with the same cards), decided by signed clicks on the real Bolt receiver.
 */
describe('session approvals in Slack: the card, grants, App Home and status', () => {
  let h: Harness;
  let db: Database;
  let asked = 0;

  beforeAll(async () => {
    h = await startHarness('session_cards', { env: { COUNTERSIGN_ADMINS: 'U0ADMIN' } });
    db = await openDatabase(h.mongoUri, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
    h.slack.setUsergroup('S0SRE', ['U0SRE']);
  });
  afterAll(async () => {
    await db.close();
    await h.stop();
  });

  /** The gateway's side, in this test: the call stored, its approval published on the fake Slack. */
  async function askFor(
    input: Record<string, unknown>,
    { tool = 'Bash', required = 1, session = {} as Partial<SessionAsk> } = {},
  ): Promise<{ approval: ApprovalRecord; card: PostedCard }> {
    asked += 1;
    const callHash = `${asked.toString(16)}${'e'.repeat(64)}`.slice(0, 64);
    const id = callIdOf(callHash, 0);
    const args = JSON.stringify(input);
    const now = new Date();
    const sessionId = `sess-${asked}`;
    await db.calls.createOnce({
      id,
      callHash,
      generation: 0,
      workflow: 'laptops',
      tokenId: 'tok_ada',
      userId: 'U0ADA',
      sessionId,
      tool,
      input: args,
      createdAt: now,
    });
    const target = { tool, args, manifestHash: 'm'.repeat(64) };
    const client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: h.slack.url });
    const approval = await publishApproval(
      {
        approvals: db.approvals,
        surfaces: new SlackApprovalSurface(client, db.grants),
        timers: inMemoryDecisions().deps.timers,
        audit: db.audit,
        clock: () => new Date(),
        log: pino({ level: 'silent' }),
      },
      {
        id,
        runId: id,
        step: 0,
        workflow: 'laptops',
        kind: 'call',
        ...target,
        risk: 'high',
        binding: approvalBinding(target),
        requesterId: 'U0ADA',
        approvers: { users: ['U0LEAD'], usergroups: ['S0SRE'] },
        required,
        allowSelfApproval: false,
        onTimeout: 'expire',
        channel: 'C0APPROVALS',
        status: 'pending',
        approvals: [],
        createdAt: now,
        expiresAt: new Date(now.getTime() + 30 * MINUTE),
        session: {
          sessionId,
          tokenId: 'tok_ada',
          label: 'laptop',
          client: 'claude-code',
          cwd: '/home/ada/api',
          rule: 'Bash(npm publish:*)',
          grantMaxMs: 60 * MINUTE,
          ...session,
        },
      },
    );
    return { approval, card: await cardOf(h, id) };
  }

  const buttonValueOf = (card: PostedCard, actionId: string) => {
    type Element = { action_id?: string; value?: string };
    const blocks = (h.slack.message(card.channel, card.ts)?.blocks ?? []) as {
      elements?: Element[];
      accessory?: Element;
    }[];
    const found = blocks
      .flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])])
      .find((e) => e.action_id === actionId);
    if (found?.value === undefined) throw new Error(`no ${actionId} button on the card`);
    return found.value;
  };
  const statusOf = async (id: string) => (await db.approvals.get(id))?.status;
  const auditOf = (type: string) =>
    db.connection.collection('audit_events').find({ type }).toArray();

  it('posts the session card with the command, who asked and where; its Approve button decides it', async () => {
    const { approval, card } = await askFor({ command: 'npm publish', description: 'Ship 2.0' });
    const shown = cardNow(h, card).text;
    expect(shown).toContain('npm publish');
    expect(shown).toContain('Ship 2.0');
    expect(shown).toContain('<@U0ADA> · laptop');
    expect(shown).toContain('/home/ada/api');
    expect(shown).toContain('sess-');
    expect(cardNow(h, card).buttons).toEqual([
      'approval_approve',
      'approval_deny',
      'approval_grant_short',
      'approval_grant_long',
    ]);
    const own = await click(h, card, 'approval_approve', card.value, 'U0ADA');
    expect(await answerTo(own)).toBe(
      'Your own agent session asked for this call, so you may not approve it.',
    );
    const clicked = await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    expect(clicked.response.status).toBe(200);
    await eventually('the approval', async () =>
      (await statusOf(approval.id)) === 'approved' ? true : undefined,
    );
    await eventually('the card to show it', async () =>
      cardNow(h, card).text.includes('*Approved* by <@U0LEAD>') ? true : undefined,
    );
    expect(cardNow(h, card).buttons).toEqual([]);
    expect(await db.grants.get(grantIdOf(approval.id))).toBeNull();
  });

  it('Approve for this session approves the call and grants its rule; the card shows what was granted, until when, by whom', async () => {
    const { approval, card } = await askFor({ command: 'npm publish --tag next' });
    const clicked = await click(
      h,
      card,
      'approval_grant_short',
      buttonValueOf(card, 'approval_grant_short'),
      'U0SRE',
    );
    expect(await answerTo(clicked)).toMatch(
      /^Approved, and granted `Bash\(npm publish:\*\)` for this session until <!date\^/,
    );
    const grant = await db.grants.get(grantIdOf(approval.id));
    expect(grant).toMatchObject({
      userId: 'U0ADA',
      sessionId: approval.session?.sessionId,
      rule: 'Bash(npm publish:*)',
      grantedBy: 'U0SRE',
    });
    expect((grant?.expiresAt.getTime() ?? 0) - (grant?.createdAt.getTime() ?? 0)).toBe(15 * MINUTE);
    expect(await statusOf(approval.id)).toBe('approved');
    await eventually('the card to show the grant', async () =>
      /\*Granted\* `Bash\(npm publish:\*\)` for this session until <!date\^\d+\^[^>]+> by <@U0SRE>/.test(
        cardNow(h, card).text,
      )
        ? true
        : undefined,
    );
  });

  it('short of the quorum, the click counts as an approval and gives no grant; the deciding plain Approve gives none either', async () => {
    const { approval, card } = await askFor({ command: 'npm publish' }, { required: 2 });
    const first = await click(
      h,
      card,
      'approval_grant_long',
      buttonValueOf(card, 'approval_grant_long'),
      'U0LEAD',
    );
    expect(await answerTo(first)).toBe(
      'Your approval is in: 1 of 2. No grant was given: a grant is given only by the approval that decides.',
    );
    expect((await db.approvals.get(approval.id))?.approvals.map((v) => v.userId)).toEqual([
      'U0LEAD',
    ]);
    await click(h, card, 'approval_approve', card.value, 'U0SRE');
    await eventually('the approval', async () =>
      (await statusOf(approval.id)) === 'approved' ? true : undefined,
    );
    expect(await db.grants.get(grantIdOf(approval.id))).toBeNull();
  });

  it('refuses, and audits, a grant button whose length was forged past grants.max: nothing decided, nothing granted', async () => {
    const { approval, card } = await askFor({ command: 'npm publish' });
    const forged = `${card.value}|${2 * 60 * MINUTE}`;
    const clicked = await click(h, card, 'approval_grant_long', forged, 'U0LEAD');
    expect(await answerTo(clicked)).toBe(
      'This card offers no grant of that length; nothing was decided.',
    );
    expect(await statusOf(approval.id)).toBe('pending');
    expect(await db.grants.get(grantIdOf(approval.id))).toBeNull();
    const refused = (await auditOf('grant.refused')).filter(
      (event) => event.details.approvalId === approval.id,
    );
    expect(refused).toEqual([
      expect.objectContaining({
        actor: 'U0LEAD',
        details: expect.objectContaining({ why: 'not_offered', durationMs: 2 * 60 * MINUTE }),
      }),
    ]);
  });

  it('a call the client withdrew reads "withdrawn by the client" on its card once someone clicks', async () => {
    const { approval, card } = await askFor({ command: 'npm publish' });
    await db.calls.withdraw(approval.id, new Date());
    const clicked = await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    expect(await answerTo(clicked)).toMatch(
      /^The client withdrew this call at <!date\^\d+\^[^>]+>; nothing is waiting for a decision\.$/,
    );
    await eventually('the card to say it was withdrawn', async () =>
      cardNow(h, card).text.includes('withdrawn by the client, so the call did not run')
        ? true
        : undefined,
    );
    expect(await statusOf(approval.id)).toBe('cancelled');
    expect(cardNow(h, card).text).not.toContain('run was cancelled');
  });

  it('Show all opens a long Write in full, part after part', async () => {
    const content = Array.from({ length: 15_000 }, (_, n) => `row ${n}: <&>`).join('\n');
    const { card } = await askFor({ file_path: 'big.txt', content }, { tool: 'Write' });
    const show = await click(
      h,
      card,
      'approval_show_args',
      buttonValueOf(card, 'approval_show_args'),
      'U0LEAD',
    );
    let opened = await h.slack.waitForCall(
      'views.open',
      (call) => call.args.trigger_id === show.triggerId,
    );
    let view = (opened.response.body as { view: Record<string, unknown> }).view;
    const parts: string[] = [];
    for (;;) {
      const blocks = view.blocks as {
        type: string;
        text?: { text: string };
        elements?: { action_id: string; value: string }[];
      }[];
      for (const block of blocks) {
        for (const [, body = ''] of (block.text?.text ?? '').matchAll(/```\n([\s\S]*?)```/g)) {
          parts.push(body.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
        }
      }
      const next = blocks
        .flatMap((block) => block.elements ?? [])
        .find((element) => element.action_id === 'approval_show_args_next');
      if (next === undefined) break;
      const before = h.slack.callsTo('views.update').length;
      const response = await sendInteraction(`${h.baseUrl}/slack/events`, SIGNING_SECRET, {
        type: 'block_actions',
        user: { id: 'U0LEAD', username: 'u0lead', name: 'u0lead', team_id: 'T0TEST' },
        api_app_id: 'A0APP',
        token: 'legacy-verification-token',
        container: { type: 'view', view_id: view.id },
        trigger_id: newTriggerId(),
        team: { id: 'T0TEST', domain: 'test' },
        view,
        actions: [
          {
            type: 'button',
            action_id: next.action_id,
            block_id: 'arguments_pages',
            value: next.value,
            action_ts: String(Date.now() / 1000),
          },
        ],
      });
      expect(response.status).toBe(200);
      opened = await eventually(
        'the next part',
        async () => h.slack.callsTo('views.update')[before],
      );
      expect(opened.response.body).toMatchObject({ ok: true });
      view = (opened.response.body as { view: Record<string, unknown> }).view;
    }
    expect(parts.join('')).toBe(content);
    expect(h.slack.callsTo('views.update').length).toBeGreaterThan(0);
  });

  it('App Home shows a person their agents’ waiting calls and their grants; a stranger’s Revoke is refused and audited, theirs revokes', async () => {
    const { approval: granted, card } = await askFor({ command: 'npm publish --dry-run' });
    await click(
      h,
      card,
      'approval_grant_short',
      buttonValueOf(card, 'approval_grant_short'),
      'U0LEAD',
    );
    const grantId = grantIdOf(granted.id);
    await eventually('the grant', async () => (await db.grants.get(grantId)) ?? undefined);
    const { approval: waiting } = await askFor({ command: 'rm -rf build' });
    const home = await openHome(h, 'U0ADA');
    expect(home.text).toContain('rm -rf build');
    expect(home.text).toContain(`sess-${asked}`);
    expect(home.text).toContain('the card');
    expect(home.text).toContain(grantId);
    expect(home.text).toContain('`Bash(npm publish:*)` · *laptops*');
    expect(home.buttons).toContain('grant_revoke');
    // The approver sees the grant they may revoke too; someone else does not.
    expect((await openHome(h, 'U0LEAD')).text).toContain(grantId);
    expect((await openHome(h, 'U0EVE')).text).not.toContain(grantId);

    const dmsBefore = h.slack.callsTo('chat.postMessage').length;
    await clickInHome(h, 'U0EVE', 'grant_revoke', grantId);
    const told = await eventually('the refusal', async () =>
      h.slack
        .callsTo('chat.postMessage')
        .slice(dmsBefore)
        .find((call) => call.args.channel === 'U0EVE'),
    );
    expect(String(told.args.text)).toContain('Only the person it was given to');
    expect((await db.grants.get(grantId))?.revokedAt).toBeUndefined();
    const refused = (await auditOf('grant.refused')).filter((e) => e.details.grantId === grantId);
    expect(refused.map((event) => event.actor)).toEqual(['U0EVE']);

    const revoke = await clickInHome(h, 'U0ADA', 'grant_revoke', grantId);
    const after = await nextPublish(h, 'U0ADA', revoke.publishesBefore);
    expect((await db.grants.get(grantId))?.revokedBy).toBe('U0ADA');
    expect(after.text).not.toContain(grantId);
    expect(after.text).toContain('rm -rf build');
    expect((await auditOf('grant.revoked')).map((e) => e.details.grantId)).toContain(grantId);
    await eventually('the card to say it was revoked', async () =>
      cardNow(h, card).text.includes('*revoked* by <@U0ADA>') ? true : undefined,
    );
    expect(waiting.status).toBe('pending');
  });

  it('/countersign status alone lists the person’s waiting calls and grants; status <run> is unchanged', async () => {
    const { approval } = await askFor({ command: 'git push --force' });
    const answer = await laterAnswer(h, 'status', 'U0ADA');
    const shown = JSON.stringify(answer.blocks);
    expect(shown).toContain('git push --force');
    expect(shown).toContain(approval.session?.sessionId);
    expect(shown).toContain('Grants in force');
    const nobody = JSON.stringify((await laterAnswer(h, 'status', 'U0NOBODY')).blocks);
    expect(nobody).toContain('None of your agent sessions waits for a decision.');
    expect(nobody).toContain('No grant is in force for you.');
    expect((await laterAnswer(h, 'status r-22222222', 'U0ADA')).text).toContain(
      'There is no run `r-22222222` that you can see.',
    );
  });
});
