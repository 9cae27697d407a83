import type { types } from '@slack/bolt';
import {
  type ApprovalRecord,
  approvalBinding,
  type SessionAsk,
} from '../../../src/approvals/approval';
import type { Grant } from '../../../src/gateway/ports';
import {
  APPROVAL_BLOCK,
  approvalArgumentsModal,
  approvalCard,
  parseApprovalValue,
} from '../../../src/slack/blocks/approval-card';
import { parseGrantValue, parsePageValue } from '../../../src/slack/blocks/approval-value';
import type { SlackMessage } from '../../../src/slack/blocks/run-messages';
import { validateMessageBlocks, validateView } from '../../support/block-kit-limits';

const at = (minutes: number) => new Date(Date.UTC(2026, 2, 3, 10, minutes));
const ID = `gw_${'a'.repeat(32)}.0`;

const SESSION: SessionAsk = {
  sessionId: 'sess-7f3a',
  tokenId: 'tok_1',
  label: 'laptop',
  client: 'claude-code',
  cwd: '/home/ada/api',
  rule: 'Bash(npm publish:*)',
  grantMaxMs: 60 * 60_000,
};

/** A gateway call's approval, as decideCall asks for it: `runId === id`, step 0. */
function asked(tool: string, input: unknown, fields: Partial<ApprovalRecord> = {}): ApprovalRecord {
  const args = typeof input === 'string' ? input : JSON.stringify(input);
  const record: Omit<ApprovalRecord, 'binding'> = {
    id: ID,
    runId: ID,
    step: 0,
    session: SESSION,
    workflow: 'laptops',
    kind: 'call',
    tool,
    args,
    risk: 'high',
    manifestHash: `a1b2c3d4e5f6${'0'.repeat(52)}`,
    requesterId: 'U0ADA',
    approvers: { users: ['U0LEAD'], usergroups: [] },
    required: 1,
    allowSelfApproval: false,
    onTimeout: 'expire',
    channel: 'C0APPROVALS',
    status: 'pending',
    approvals: [],
    createdAt: at(0),
    expiresAt: at(30),
    ...fields,
  };
  return { ...record, binding: approvalBinding(record), ...fields };
}

function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const own =
    (record.type === 'mrkdwn' || record.type === 'plain_text') && typeof record.text === 'string'
      ? [record.text]
      : [];
  return [...own, ...Object.values(record).flatMap(texts)];
}

function blockText(message: SlackMessage, blockId: string): string {
  const block = message.blocks.find((b) => b.block_id === blockId);
  if (block === undefined) throw new Error(`no block ${blockId}`);
  return texts([block]).join('\n');
}

function buttons(message: { blocks: readonly unknown[] }): types.Button[] {
  const found: types.Button[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      if (record.type === 'button') found.push(record as unknown as types.Button);
      Object.values(record).forEach(walk);
    }
  };
  walk(message.blocks);
  return found;
}

/** The text inside each code block, as Slack shows it (entities undone). */
function codeContents(text: string): string[] {
  return [...text.matchAll(/```\n([\s\S]*?)```/g)].map(([, body = '']) =>
    body.replace(/`\n$/, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
  );
}

function valid(message: SlackMessage): SlackMessage {
  expect(validateMessageBlocks(message.blocks)).toEqual([]);
  return message;
}

describe('the card of a Claude Code session’s call', () => {
  it('says who asked, with which token, from which client, session and directory, and the rule it matched', () => {
    const card = valid(approvalCard(asked('Bash', { command: 'npm publish' })));
    const facts = blockText(card, APPROVAL_BLOCK.facts);
    expect(facts).toContain('<@U0ADA> · laptop');
    expect(facts).toContain('*Client*\nClaude Code');
    expect(facts).toContain('`sess-7f3a`');
    expect(facts).toContain('`/home/ada/api`');
    expect(facts).toContain('rule `Bash(npm publish:*)`');
    expect(facts).not.toMatch(/\*Run\*/);
    expect(card.text).toContain('Claude Code session sess-7f3a');
    expect(card.text).not.toContain('run gw_');
    expect(blockText(card, APPROVAL_BLOCK.approvers)).toContain(
      '<@U0ADA> asked for this call and may not approve it.',
    );
    expect(blockText(card, APPROVAL_BLOCK.approvers)).toContain('the agent is told it expired');
  });

  it('shows a Bash command in a code block, with its description in the agent’s words', () => {
    const card = valid(
      approvalCard(
        asked('Bash', { command: 'rm -rf dist && npm publish', description: 'Publish <v2>' }),
      ),
    );
    const shown = blockText(card, APPROVAL_BLOCK.arguments);
    expect(shown).toMatch(/^\*Command\*\n```/);
    expect(codeContents(shown)).toEqual(['rm -rf dist && npm publish']);
    expect(shown).toContain("*Description* (the agent's words)\n> Publish &lt;v2&gt;");
  });

  it('shows an Edit as the file and a diff of the old text to the new', () => {
    const card = valid(
      approvalCard(
        asked('Edit', {
          file_path: '/home/ada/api/src/app.ts',
          old_string: 'const port = 3000;\nlisten(port);',
          new_string: 'const port = 8080;',
        }),
      ),
    );
    const shown = blockText(card, APPROVAL_BLOCK.arguments);
    expect(shown).toContain('*Edits* `/home/ada/api/src/app.ts`');
    expect(codeContents(shown)).toEqual([
      '- const port = 3000;\n- listen(port);\n+ const port = 8080;',
    ]);
  });

  it('shows each change of a MultiEdit, and a Write’s and a NotebookEdit’s new text', () => {
    const multi = blockText(
      valid(
        approvalCard(
          asked('MultiEdit', {
            file_path: 'a.ts',
            edits: [
              { old_string: 'a', new_string: 'b' },
              { old_string: 'c', new_string: 'd', replace_all: true },
            ],
          }),
        ),
      ),
      APPROVAL_BLOCK.arguments,
    );
    expect(multi).toContain('*Edits* `a.ts`, 2 changes');
    expect(codeContents(multi)).toEqual([
      '@@ edit 1 of 2 @@\n- a\n+ b\n@@ edit 2 of 2, every occurrence @@\n- c\n+ d',
    ]);
    const written = blockText(
      valid(approvalCard(asked('Write', { file_path: '.env', content: 'KEY=1\n' }))),
      APPROVAL_BLOCK.arguments,
    );
    expect(written).toContain('*Writes* `.env`, with this text');
    expect(codeContents(written)).toEqual(['KEY=1\n']);
    const notebook = blockText(
      valid(
        approvalCard(
          asked('NotebookEdit', {
            notebook_path: 'n.ipynb',
            cell_id: 'c3',
            new_source: 'print(1)',
          }),
        ),
      ),
      APPROVAL_BLOCK.arguments,
    );
    expect(notebook).toContain('*Notebook* `n.ipynb` (cell c3), new source');
    expect(codeContents(notebook)).toEqual(['print(1)']);
  });

  it('shows an MCP tool’s server, tool and arguments, and any other tool’s arguments', () => {
    const mcp = blockText(
      valid(approvalCard(asked('mcp__github__create_issue', { title: 'Bug', repo: 'a/b' }))),
      APPROVAL_BLOCK.arguments,
    );
    expect(mcp).toContain('*MCP server* `github` · *tool* `create_issue`');
    expect(JSON.parse(codeContents(mcp)[0] ?? '')).toEqual({ repo: 'a/b', title: 'Bug' });
    const other = blockText(
      valid(approvalCard(asked('WebFetch', { url: 'https://example.com' }))),
      APPROVAL_BLOCK.arguments,
    );
    expect(other).toMatch(/^\*Arguments\*\n```/);
    expect(JSON.parse(codeContents(other)[0] ?? '')).toEqual({ url: 'https://example.com' });
  });

  it('shows a known tool with fields it does not expect as its whole arguments, leaving nothing out', () => {
    const shown = blockText(
      valid(approvalCard(asked('Bash', { command: 'ls', dangerouslyDisableSandbox: true }))),
      APPROVAL_BLOCK.arguments,
    );
    expect(shown).toMatch(/^\*Arguments\*/);
    expect(JSON.parse(codeContents(shown)[0] ?? '')).toEqual({
      command: 'ls',
      dangerouslyDisableSandbox: true,
    });
  });

  it('cuts a long Write within Block Kit’s limits, and Show all opens it whole, in parts when one view cannot hold it', () => {
    const content = Array.from({ length: 12_000 }, (_, n) => `line ${n} & <tag>`).join('\n');
    const approval = asked('Write', { file_path: 'big.txt', content });
    const card = valid(approvalCard(approval));
    const shown = card.blocks.find((b) => b.block_id === APPROVAL_BLOCK.arguments) as {
      text: { text: string };
      accessory?: types.Button;
    };
    expect(shown.text.text.length).toBeLessThanOrEqual(3000);
    expect(shown.text.text).toMatch(/_Cut: [\d,]+ of [\d,]+ characters shown/);
    expect(shown.accessory?.action_id).toBe('approval_show_args');
    expect(parseApprovalValue(shown.accessory?.value ?? '')).toEqual({
      approvalId: ID,
      binding: approval.binding,
    });
    const parts: string[] = [];
    let page = 0;
    for (;;) {
      const modal = approvalArgumentsModal(approval, page);
      expect(validateView(modal)).toEqual([]);
      parts.push(...texts(modal.blocks).flatMap(codeContents));
      const next = buttons(modal).find((b) => b.action_id === 'approval_show_args_next');
      if (next === undefined) break;
      expect(parsePageValue(next.value ?? '')).toMatchObject({ approvalId: ID, page: page + 1 });
      page += 1;
    }
    expect(page).toBeGreaterThan(0);
    expect(parts.join('')).toBe(content);
  });

  it('offers Approve for this session for 15 minutes and for the longest allowed, saying what it covers', () => {
    const card = valid(approvalCard(asked('Bash', { command: 'npm publish' })));
    const offered = buttons(card).filter((b) => b.action_id?.startsWith('approval_grant'));
    expect(offered.map((b) => b.text.text)).toEqual([
      'Approve for this session, 15 min',
      'Approve for this session, 1 h',
    ]);
    expect(offered.map((b) => parseGrantValue(b.value ?? '')?.durationMs)).toEqual([
      15 * 60_000,
      60 * 60_000,
    ]);
    expect(offered[0]?.confirm?.text.text).toContain('matching Bash(npm publish:*)');
    expect(blockText(card, APPROVAL_BLOCK.grant)).toContain(
      'later calls of this session that match `Bash(npm publish:*)`',
    );
  });

  it('offers one grant button when the longest is 15 minutes or less, covering the exact call when no rule matched; none without grants.max', () => {
    const { rule: _rule, ...noRule } = SESSION;
    const exact = valid(
      approvalCard(
        asked('Bash', { command: 'x' }, { session: { ...noRule, grantMaxMs: 600_000 } }),
      ),
    );
    const offered = buttons(exact).filter((b) => b.action_id?.startsWith('approval_grant'));
    expect(offered.map((b) => b.text.text)).toEqual(['Approve for this session, 10 min']);
    expect(blockText(exact, APPROVAL_BLOCK.grant)).toContain('this exact call');
    const { grantMaxMs: _max, ...noGrants } = SESSION;
    const none = valid(approvalCard(asked('Bash', { command: 'x' }, { session: noGrants })));
    expect(buttons(none).map((b) => b.action_id)).toEqual(['approval_approve', 'approval_deny']);
    expect(none.blocks.some((b) => b.block_id === APPROVAL_BLOCK.grant)).toBe(false);
  });

  it('reads right for a session once decided: approved with the grant given, withdrawn by the client, expired', () => {
    const grant: Grant = {
      id: `gr_${'a'.repeat(32)}.0`,
      workflow: 'laptops',
      userId: 'U0ADA',
      tokenId: 'tok_1',
      sessionId: 'sess-7f3a',
      rule: 'Bash(npm publish:*)',
      covers: 'Bash(npm publish:*)',
      approvalId: ID,
      grantedBy: 'U0LEAD',
      createdAt: at(5),
      expiresAt: at(20),
    };
    const approved = valid(
      approvalCard(
        asked(
          'Bash',
          { command: 'npm publish' },
          {
            status: 'approved',
            decidedBy: 'U0LEAD',
            decidedAt: at(5),
            approvals: [{ userId: 'U0LEAD', at: at(5) }],
          },
        ),
        { grant },
      ),
    );
    const outcome = blockText(approved, APPROVAL_BLOCK.outcome);
    expect(outcome).toContain('*Approved* by <@U0LEAD>');
    expect(outcome).toMatch(
      /\*Granted\* `Bash\(npm publish:\*\)` for this session until <!date\^\d+\^[^|]+\|2026-03-03 10:20 UTC> by <@U0LEAD>/,
    );
    expect(buttons(approved)).toEqual([]);
    const withdrawn = valid(
      approvalCard(
        asked(
          'Bash',
          { command: 'npm publish' },
          {
            status: 'cancelled',
            decidedBy: 'U0ADA',
            decidedAt: at(3),
            decisionNote: 'withdrawn by the client',
          },
        ),
      ),
    );
    expect(texts(withdrawn.blocks)[0]).toBe(':no_entry_sign: Withdrawn: Bash');
    expect(blockText(withdrawn, APPROVAL_BLOCK.outcome)).toContain(
      'withdrawn by the client, so the call did not run',
    );
    expect(JSON.stringify(withdrawn)).not.toContain('run was cancelled');
    expect(withdrawn.text).toContain('Withdrawn by the client');
    const expired = valid(
      approvalCard(
        asked('Bash', { command: 'npm publish' }, { status: 'expired', decidedAt: at(30) }),
      ),
    );
    expect(blockText(expired, APPROVAL_BLOCK.outcome)).toContain(
      'the agent was told it expired; asking again posts a new card',
    );
    expect(JSON.stringify(expired)).not.toMatch(/the run ended|\brun gw_/);
  });

  it('refuses grant values that are malformed, and takes gateway ids in the values of its buttons', () => {
    const approval = asked('Bash', { command: 'x' });
    expect(parseGrantValue(`${ID}|${approval.binding}|900000`)).toEqual({
      approvalId: ID,
      binding: approval.binding,
      durationMs: 900_000,
    });
    for (const forged of [
      `${ID}|${approval.binding}|-5`,
      `${ID}|${approval.binding}|0`,
      `${ID}|${approval.binding}|1e9`,
      `${ID}|${approval.binding}`,
      `gw_nothex.0|${approval.binding}|900000`,
    ]) {
      expect(parseGrantValue(forged)).toBeUndefined();
    }
  });
});
