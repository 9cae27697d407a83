import { type ApprovalRecord, approvalBinding } from '../../../src/approvals/approval';
import type { GatewayCall, Grant } from '../../../src/gateway/ports';
import type { RunSummary } from '../../../src/runs/run';
import {
  type AppHome,
  appHomeView,
  HOME_APPROVALS,
  HOME_CALLS,
  HOME_GRANTS,
} from '../../../src/slack/blocks/app-home';
import { approvalValue } from '../../../src/slack/blocks/approval-value';
import { BLOCK_KIT_LIMITS, validateView } from '../../support/block-kit-limits';

const at = (minutes: number) => new Date(Date.UTC(2026, 2, 3, 10, minutes));

/** Arguments a card must survive: long, emoji and combining marks, bidi tricks, mrkdwn, backticks. */
const NASTY = JSON.stringify({
  command: `rm -rf /srv/\u202Egpj.exe ${'👩‍👩‍👧‍👦é'.repeat(400)} <!channel> & \`\`\`done\`\`\``,
  note: 'x'.repeat(5000),
});

function approval(n: number, fields: Partial<ApprovalRecord> = {}): ApprovalRecord {
  const runId = `r-${String(n).padStart(8, '0')}`;
  const record: Omit<ApprovalRecord, 'binding'> = {
    id: `${runId}:1`,
    runId,
    step: 1,
    workflow: `w${'-long'.repeat(12)}`,
    kind: 'call',
    tool: `restart_${'ü'.repeat(60)}`,
    args: NASTY,
    risk: 'high',
    manifestHash: 'a'.repeat(64),
    requesterId: 'U0REQ',
    reason: `Because ${'🚀'.repeat(300)} <!here>\nsecond line\nthird line`,
    approvers: { users: ['U0LEAD'], usergroups: [] },
    required: 3,
    allowSelfApproval: false,
    onTimeout: 'expire',
    channel: 'C0APPROVALS',
    status: 'pending',
    approvals: [
      { userId: 'U0A', at: at(1) },
      { userId: 'U0B', at: at(2) },
    ],
    card: { channel: 'C0APPROVALS', ts: `1700000000.${String(n).padStart(6, '0')}` },
    createdAt: at(0),
    expiresAt: at(30),
    ...fields,
  };
  return { ...record, binding: approvalBinding(record) };
}

function run(n: number): RunSummary {
  return {
    id: `r-${String(n).padStart(8, '0')}`,
    workflow: `deploy${'-everything'.repeat(5)}`,
    status: n % 2 === 0 ? 'succeeded' : 'awaiting_approval',
    dryRun: n % 3 === 0,
    requester: { userId: 'U0REQ', teamId: 'T0', channelId: 'C0' },
    createdAt: at(n),
    updatedAt: at(n),
  };
}

function home(fields: Partial<AppHome> = {}): AppHome {
  return { waiting: [], moreWaiting: 0, unresolved: 0, runs: [], at: at(5), ...fields };
}

interface ShownBlock {
  type: string;
  elements?: { action_id: string; value: string }[];
}
const blocksOf = (view: ReturnType<typeof appHomeView>) => view.blocks as ShownBlock[];

describe('the App Home view', () => {
  it('lists 20 approvals with long, unicode arguments within Slack’s limits, each with the card’s buttons, and counts the rest', () => {
    const waiting = Array.from({ length: HOME_APPROVALS }, (_, n) => approval(n));
    const view = appHomeView(home({ waiting, moreWaiting: 7, unresolved: 2, runs: [] }));
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.viewBlocks);

    const text = JSON.stringify(view.blocks);
    const actions = blocksOf(view).filter((block) => block.type === 'actions');
    expect(actions).toHaveLength(HOME_APPROVALS);
    actions.forEach((block, n) => {
      expect(block.elements?.map((element) => element.action_id)).toEqual([
        'approval_approve',
        'approval_deny',
      ]);
      expect(block.elements?.[0]?.value).toBe(approvalValue(waiting[n] as ApprovalRecord));
    });
    expect(text).toContain('…and 7 more waiting for you');
    expect(text).toContain('2 more may be waiting for you');
    expect(text).toContain('2 of 3 approvals: <@U0A>, <@U0B>');
    expect(text).toContain('[U+202E]');
    expect(text).not.toContain('\u202E');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<!here>');
    expect(text).toContain('<https://slack.com/archives/C0APPROVALS/p1700000000000000|The card>');
  });

  it('counts, rather than lists, approvals beyond the 20 it shows', () => {
    const waiting = Array.from({ length: 30 }, (_, n) => approval(n));
    const view = appHomeView(home({ waiting, runs: Array.from({ length: 15 }, (_, n) => run(n)) }));
    expect(validateView(view)).toEqual([]);
    expect(blocksOf(view).filter((block) => block.type === 'actions')).toHaveLength(20);
    expect(JSON.stringify(view.blocks)).toContain('…and 10 more waiting for you');
  });

  it('fits everything at once in a Home view: 20 approvals, the agents’ calls and grants (each with Revoke), the runs', () => {
    const calls = Array.from(
      { length: 30 },
      (_, n): { call: GatewayCall; approval: ApprovalRecord } => {
        const id = `gw_${String(n).padStart(32, '0')}.0`;
        return {
          call: {
            id,
            callHash: 'c'.repeat(64),
            generation: 0,
            workflow: 'laptops',
            tokenId: 'tok_1',
            userId: 'U0REQ',
            sessionId: `sess-${'s'.repeat(200)}`,
            tool: 'Bash',
            input: NASTY,
            createdAt: at(n),
          },
          approval: approval(n, { id, runId: id, step: 0 }),
        };
      },
    );
    const grants = Array.from(
      { length: 25 },
      (_, n): Grant => ({
        id: `gr_${String(n).padStart(32, '0')}.0`,
        workflow: 'laptops',
        userId: n % 2 === 0 ? 'U0REQ' : 'U0OTHER',
        tokenId: 'tok_1',
        sessionId: 'sess-1',
        rule: `Bash(${'npm run build && '.repeat(40)}:*)`,
        covers: `Bash(${'npm run build && '.repeat(40)}:*)`,
        approvalId: `gw_${String(n).padStart(32, '0')}.0`,
        grantedBy: 'U0LEAD',
        createdAt: at(n),
        expiresAt: at(n + 15),
      }),
    );
    const view = appHomeView(
      home({
        waiting: Array.from({ length: 30 }, (_, n) => approval(n)),
        moreWaiting: 5,
        unresolved: 1,
        runs: Array.from({ length: 15 }, (_, n) => run(n)),
        calls: calls.slice(0, HOME_CALLS),
        grants,
        userId: 'U0REQ',
      }),
    );
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.viewBlocks);
    const revokes = JSON.stringify(view.blocks).match(/"action_id":"grant_revoke"/g) ?? [];
    expect(revokes).toHaveLength(HOME_GRANTS);
    expect(JSON.stringify(view.blocks)).toContain(
      `…and ${25 - HOME_GRANTS} more grants not shown.`,
    );
    expect(JSON.stringify(view.blocks)).toContain('for <@U0OTHER>');
  });

  it('lists the viewer’s runs with their status, newest first', () => {
    const view = appHomeView(home({ runs: [run(2), run(1)] }));
    expect(validateView(view)).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Nothing is waiting for your decision.');
    expect(text).toMatch(
      /`r-00000002` \*deploy[-a-z]*\* :white_check_mark: succeeded[^\n]*\\n`r-00000001` \*deploy[-a-z]*\* :raised_hand: awaiting approval/,
    );
  });

  it('says when there is nothing at all', () => {
    const view = appHomeView(home());
    expect(validateView(view)).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Nothing is waiting for your decision.');
    expect(text).toContain('You have not started any runs yet.');
  });
});
