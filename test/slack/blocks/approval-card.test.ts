import type { types } from '@slack/bolt';
import { type ApprovalRecord, approvalBinding } from '../../../src/approvals/approval';
import {
  APPROVAL_BLOCK,
  approvalArgumentsModal,
  approvalCard,
  approvalEscalation,
  approvalReminder,
  denyReasonModal,
  parseApprovalValue,
} from '../../../src/slack/blocks/approval-card';
import { slackDate } from '../../../src/slack/blocks/mrkdwn';
import type { SlackMessage } from '../../../src/slack/blocks/run-messages';
import {
  BLOCK_KIT_LIMITS,
  validateMessageBlocks,
  validateView,
} from '../../support/block-kit-limits';

const at = (minutes: number) => new Date(Date.UTC(2026, 2, 3, 10, minutes));

function approval(fields: Partial<ApprovalRecord> = {}): ApprovalRecord {
  const record: Omit<ApprovalRecord, 'binding'> = {
    id: 'r-7kq2m9xd:2',
    runId: 'r-7kq2m9xd',
    step: 2,
    workflow: 'deploy-api',
    kind: 'call',
    tool: 'restart',
    args: JSON.stringify({ reason: 'scheduled', service: 'api' }),
    risk: 'high',
    manifestHash: `a1b2c3d4e5f6${'0'.repeat(52)}`,
    requesterId: 'U0REQ',
    reason: 'The health check failed twice, so I will restart it.',
    approvers: { users: ['U0LEAD'], usergroups: ['S0SRE'] },
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

/** Everything Slack would show as text, block by block; `mrkdwn` only, when asked. */
function texts(blocks: readonly unknown[], only?: 'mrkdwn'): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      const shown =
        record.type === 'mrkdwn' || (record.type === 'plain_text' && only === undefined);
      if (shown && typeof record.text === 'string') found.push(record.text);
      Object.values(record).forEach(walk);
    }
  };
  walk(blocks);
  return found;
}

function blockText(message: SlackMessage, blockId: string): string {
  const block = message.blocks.find((b) => b.block_id === blockId);
  if (block === undefined) throw new Error(`no block ${blockId}`);
  return texts([block]).join('\n');
}

function buttons(blocks: readonly unknown[]): types.Button[] {
  const found: types.Button[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      if (record.type === 'button') found.push(record as unknown as types.Button);
      Object.values(record).forEach(walk);
    }
  };
  walk(blocks);
  return found;
}

const actionIds = (message: SlackMessage) => buttons(message.blocks).map((b) => b.action_id);

/**
 * The text inside each code block of a mrkdwn text, as Slack shows it: entities undone, and
 * without the line break the card puts before a fence that would otherwise follow a backtick.
 */
function codeContents(text: string): string[] {
  return [...text.matchAll(/```\n([\s\S]*?)```/g)].map(([, body = '']) =>
    body.replace(/`\n$/, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The only `<…>` markup a card may hold is its own: mentions, dates, links. */
const OWN_MARKUP =
  /^<(@[UW][A-Z0-9]+|!subteam\^S[A-Z0-9]+|#[CG][A-Z0-9]+|!date\^\d+\^[^|<>]+\|[^<>]+|https:\/\/[^\s|<>]+\|[^<>]+)>$/;

function expectSafeMrkdwn(text: string): void {
  for (const [markup] of text.matchAll(/<[^>]*>/g)) expect(markup).toMatch(OWN_MARKUP);
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  expect((text.match(/```/g) ?? []).length % 2).toBe(0);
  expect(text).not.toMatch(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
  );
}

/** Slack would accept it, and nothing in its mrkdwn is someone else's markup (plain text is shown as is). */
function expectValidMessage(message: SlackMessage): void {
  expect(validateMessageBlocks(message.blocks)).toEqual([]);
  expect(message.text.trim()).not.toBe('');
  expect(message.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageText);
  expectSafeMrkdwn(message.text);
  for (const text of texts(message.blocks, 'mrkdwn')) expectSafeMrkdwn(text);
  for (const text of texts(message.blocks)) expect(text).not.toMatch(LONE_SURROGATE);
}

/** Whether `offset` falls between two user-perceived characters of text (decided around it). */
function isGraphemeBoundary(text: string, offset: number): boolean {
  if (offset === 0 || offset === text.length) return true;
  const from = Math.max(0, offset - 40);
  const segments = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(
    text.slice(from, offset + 40),
  );
  return [...segments].some((segment) => from + segment.index === offset);
}

const MARKUP = '<!channel> & <@U0EVIL> <https://evil.example|click> *bold* _it_ ~gone~ `x` ``` end';

describe('the approval card', () => {
  it('asks for a pending call with everything an approver needs, and Approve / Deny buttons bound to that call', () => {
    const pending = approval();
    const card = approvalCard(pending);
    expectValidMessage(card);
    expect(blockText(card, APPROVAL_BLOCK.title)).toContain('Approval needed: restart');
    const facts = blockText(card, APPROVAL_BLOCK.facts);
    for (const part of [
      'deploy-api',
      '`r-7kq2m9xd` call 3',
      '<@U0REQ>',
      '`restart` · high risk',
      '`a1b2c3d4e5f6`',
      `*Asked*\n${slackDate(at(0))}`,
    ]) {
      expect(facts).toContain(part);
    }
    const args = blockText(card, APPROVAL_BLOCK.arguments);
    expect(codeContents(args)).toEqual([
      JSON.stringify({ reason: 'scheduled', service: 'api' }, null, 2),
    ]);
    expect(blockText(card, APPROVAL_BLOCK.reason)).toContain(
      '> The health check failed twice, so I will restart it.',
    );
    const approvers = blockText(card, APPROVAL_BLOCK.approvers);
    expect(approvers).toContain('1 approval needed');
    expect(approvers).toContain('<@U0LEAD>, <!subteam^S0SRE>');
    expect(approvers).toContain('<@U0REQ> started the run and may not approve it.');
    expect(approvers).toContain(
      `Expires ${slackDate(at(30))}: if nobody decides by then, the run ends as expired.`,
    );

    const value = `r-7kq2m9xd:2|${pending.binding}`;
    expect(buttons(card.blocks)).toEqual([
      expect.objectContaining({
        action_id: 'approval_approve',
        style: 'primary',
        value,
        text: expect.objectContaining({ text: 'Approve' }),
      }),
      expect.objectContaining({
        action_id: 'approval_deny',
        style: 'danger',
        value,
        text: expect.objectContaining({ text: 'Deny' }),
      }),
    ]);
    expect(card.text).toBe(
      'Approval needed: restart in deploy-api, run r-7kq2m9xd (high risk), requested by <@U0REQ>',
    );
  });

  it('names an MCP tool as server/tool, marks who was added by escalation, and says what expiry means under on_timeout: deny', () => {
    const card = approvalCard(
      approval({
        tool: 'github',
        mcpTool: 'create_issue',
        escalatedTo: { users: ['U0BOSS'], usergroups: ['S0ONCALL'] },
        onTimeout: 'deny',
        allowSelfApproval: true,
        reason: undefined,
        args: '{}',
      }),
    );
    expectValidMessage(card);
    expect(blockText(card, APPROVAL_BLOCK.title)).toContain('Approval needed: github/create_issue');
    const approvers = blockText(card, APPROVAL_BLOCK.approvers);
    expect(approvers).toContain('Added by escalation: <@U0BOSS>, <!subteam^S0ONCALL>');
    expect(approvers).toContain('the model is told it was not approved');
    expect(approvers).not.toContain('may not approve it');
    expect(blockText(card, APPROVAL_BLOCK.arguments)).toBe('*Arguments*: none');
    expect(card.blocks.some((b) => b.block_id === APPROVAL_BLOCK.reason)).toBe(false);
  });

  it('shows a partial quorum as "1 of 2 approvals" with who gave it, and keeps the buttons for the second approver', () => {
    const card = approvalCard(
      approval({ required: 2, approvals: [{ userId: 'U0ANN', at: at(5) }] }),
    );
    expectValidMessage(card);
    const approvers = blockText(card, APPROVAL_BLOCK.approvers);
    expect(approvers).toContain('2 approvals needed, from different people');
    expect(approvers).toContain('1 of 2 approvals: <@U0ANN>');
    expect(card.text).toContain('1 of 2 approvals: <@U0ANN>');
    expect(actionIds(card)).toEqual(['approval_approve', 'approval_deny']);
  });

  it('once approved, lists every approver and when, with no buttons left', () => {
    const card = approvalCard(
      approval({
        status: 'approved',
        required: 2,
        approvals: [
          { userId: 'U0ANN', at: at(5) },
          { userId: 'U0BOB', at: at(7) },
        ],
        decidedBy: 'U0BOB',
        decidedAt: at(7),
      }),
    );
    expectValidMessage(card);
    expect(blockText(card, APPROVAL_BLOCK.title)).toContain('Approved: restart');
    expect(blockText(card, APPROVAL_BLOCK.outcome)).toBe(
      `:white_check_mark: *Approved* by <@U0ANN>, <@U0BOB> ${slackDate(at(7))}`,
    );
    expect(actionIds(card)).toEqual([]);
    expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(card.text).toBe(
      'Approved: restart in deploy-api, run r-7kq2m9xd, by <@U0ANN>, <@U0BOB>',
    );
  });

  it('once denied, says who denied, when, and their reason, escaped, with the approvals given before', () => {
    const card = approvalCard(
      approval({
        status: 'denied',
        required: 2,
        approvals: [{ userId: 'U0ANN', at: at(5) }],
        decidedBy: 'U0DAN',
        decidedAt: at(9),
        decisionNote: `Not during the freeze.\n${MARKUP}`,
      }),
    );
    expectValidMessage(card);
    const outcome = blockText(card, APPROVAL_BLOCK.outcome);
    expect(outcome).toContain(`:no_entry: *Denied* by <@U0DAN> ${slackDate(at(9))}`);
    expect(outcome).toContain(
      '*Reason*\n> Not during the freeze.\n> &lt;!channel&gt; &amp; &lt;@U0EVIL&gt;',
    );
    expect(outcome).toContain('Approvals given before: 1 of 2 approvals: <@U0ANN>');
    expect(actionIds(card)).toEqual([]);
    expect(card.text).toBe('Denied: restart in deploy-api, run r-7kq2m9xd, by <@U0DAN>');
  });

  it.each([
    ['expire', 'the run ended as expired'],
    ['deny', 'the model was told it was not approved'],
  ] as const)(
    'once expired (on_timeout: %s), says plainly nobody decided and that %s',
    (onTimeout, effect) => {
      const card = approvalCard(
        approval({
          status: 'expired',
          onTimeout,
          decidedBy: 'countersign',
          decidedAt: at(30),
          decisionNote: 'No decision within 30 min.',
        }),
      );
      expectValidMessage(card);
      expect(blockText(card, APPROVAL_BLOCK.title)).toContain('Expired: restart');
      expect(blockText(card, APPROVAL_BLOCK.outcome)).toBe(
        `:hourglass: *Expired* ${slackDate(at(30))} with no decision: ${effect}.\n> No decision within 30 min.`,
      );
      expect(actionIds(card)).toEqual([]);
      expect(card.text).toBe('Expired with no decision: restart in deploy-api, run r-7kq2m9xd');
    },
  );

  it('once cancelled, says the call did not run, with no buttons', () => {
    const card = approvalCard(
      approval({ status: 'cancelled', decidedBy: 'U0REQ', decidedAt: at(3) }),
    );
    expectValidMessage(card);
    expect(blockText(card, APPROVAL_BLOCK.outcome)).toBe(
      `:no_entry_sign: *Cancelled* by <@U0REQ> ${slackDate(at(3))}: the run was cancelled while this waited, so the call did not run.`,
    );
    expect(actionIds(card)).toEqual([]);
  });

  it('keeps "Show all" on a decided card whose arguments were cut, so what was approved can still be read in full', () => {
    const long = JSON.stringify({ script: 'echo hello\n'.repeat(500) });
    const pending = approvalCard(approval({ args: long }));
    const decided = approvalCard(
      approval({
        args: long,
        status: 'approved',
        approvals: [{ userId: 'U0ANN', at: at(1) }],
        decidedBy: 'U0ANN',
        decidedAt: at(1),
      }),
    );
    expect(actionIds(pending)).toEqual(['approval_show_args', 'approval_approve', 'approval_deny']);
    expect(actionIds(decided)).toEqual(['approval_show_args']);
    expect(actionIds(approvalCard(approval({ status: 'denied', decidedBy: 'U0DAN' })))).toEqual([]);
  });

  it('cuts 100 KB of arguments to a preview that says so, with "Show all"', () => {
    const args = JSON.stringify({ payload: 'a'.repeat(100_000), note: 'b' });
    const card = approvalCard(approval({ args }));
    expectValidMessage(card);
    const text = blockText(card, APPROVAL_BLOCK.arguments);
    const pretty = JSON.stringify(JSON.parse(args), null, 2);
    const [shown = ''] = codeContents(text);
    expect(pretty.startsWith(shown)).toBe(true);
    expect(shown.length).toBeGreaterThan(1000);
    expect(text).toContain(
      `_Cut: ${shown.length.toLocaleString('en-US')} of ${pretty.length.toLocaleString('en-US')} characters shown.`,
    );
    expect(buttons(card.blocks).find((b) => b.action_id === 'approval_show_args')?.value).toBe(
      `r-7kq2m9xd:2|${approval({ args }).binding}`,
    );
  });

  it('shows arguments and a reason full of mrkdwn as text: no mention, link, entity or code fence of theirs survives', () => {
    const args = JSON.stringify({ cmd: MARKUP, '<key>': '````', '*': ['~', '_'] });
    const card = approvalCard(
      approval({ args, reason: `${MARKUP}\n> fake quote\n\n*Approved by security*` }),
    );
    expectValidMessage(card);
    const [shown = ''] = codeContents(blockText(card, APPROVAL_BLOCK.arguments));
    // Three backticks would close the code block: JSON writes them as escapes, which parse back.
    expect(shown).not.toContain('```');
    expect(shown).toContain('\\u0060\\u0060\\u0060');
    expect(JSON.parse(shown)).toEqual(JSON.parse(args));
    const reason = blockText(card, APPROVAL_BLOCK.reason);
    const quoted = reason.split('\n').slice(1);
    for (const line of quoted) expect(line).toMatch(/^> /);
    expect(reason).toContain('> &gt; fake quote');
    expect(reason).not.toContain('```');
    expect(reason).toContain('ˋˋˋ end');
  });

  it('is Slack-safe for a tool name full of markup, in the notification text too', () => {
    const card = approvalCard(approval({ tool: 'mcp', mcpTool: '<!here>*_`~&' }));
    expectValidMessage(card);
    expect(card.text).toContain('mcp/&lt;!here&gt;*_ˋ~&amp;');
  });

  it('never cuts inside an emoji, a flag, a letter with combining marks or a surrogate pair, and keeps RTL text', () => {
    const unit = '👩‍👩‍👧‍👦e\u0301\u0303🇺🇸שָׁלוֹם مرحبا';
    for (let pad = 0; pad < 24; pad++) {
      const args = JSON.stringify({
        text: 'x'.repeat(pad) + unit.repeat(300),
        more: unit.repeat(300),
      });
      const pending = approval({ args, reason: 'y'.repeat(pad) + unit.repeat(200) });
      const card = approvalCard(pending);
      expectValidMessage(card);
      const pretty = JSON.stringify(JSON.parse(args), null, 2);
      const [shown = ''] = codeContents(blockText(card, APPROVAL_BLOCK.arguments));
      expect(pretty.startsWith(shown)).toBe(true);
      expect(isGraphemeBoundary(pretty, shown.length)).toBe(true);

      const modal = approvalArgumentsModal(pending);
      expect(validateView(modal)).toEqual([]);
      const pieces = texts(modal.blocks).flatMap(codeContents);
      expect(pieces.join('')).toBe(pretty);
      let offset = 0;
      for (const piece of pieces) {
        expect(isGraphemeBoundary(pretty, offset)).toBe(true);
        offset += piece.length;
      }
    }
  });

  it('shows invisible direction overrides instead of letting them reorder what the approver reads', () => {
    const args = JSON.stringify({ file: 'invoice\u202Efdp.exe' });
    const card = approvalCard(approval({ args, reason: 'Open invoice\u202Efdp.exe' }));
    expectValidMessage(card);
    const [shown = ''] = codeContents(blockText(card, APPROVAL_BLOCK.arguments));
    expect(shown).toContain('invoice\\u202efdp.exe');
    expect(JSON.parse(shown)).toEqual({ file: 'invoice\u202Efdp.exe' });
    expect(blockText(card, APPROVAL_BLOCK.reason)).toContain('invoice[U+202E]fdp.exe');
  });

  it('asks what to do about a call whose outcome is unknown: Retry (confirmed first), Mark as done, Abort run', () => {
    const unknown = approval({ kind: 'outcome_unknown' });
    const card = approvalCard(unknown);
    expectValidMessage(card);
    expect(blockText(card, APPROVAL_BLOCK.title)).toContain('Outcome unknown: restart');
    expect(blockText(card, APPROVAL_BLOCK.interrupted)).toContain('*may or may not have run*');
    expect(card.text).toContain('may or may not have run');
    const value = `r-7kq2m9xd:2|${unknown.binding}`;
    expect(buttons(card.blocks).map((b) => [b.action_id, b.text.text, b.style, b.value])).toEqual([
      ['outcome_retry', 'Retry', undefined, value],
      ['outcome_done', 'Mark as done', undefined, value],
      ['outcome_abort', 'Abort run', 'danger', value],
    ]);
    expect(buttons(card.blocks)[0]?.confirm).toBeDefined();

    const decided = approvalCard(
      approval({
        kind: 'outcome_unknown',
        status: 'approved',
        decidedBy: 'U0LEAD',
        decidedAt: at(4),
        decisionNote: 'Mark as done',
      }),
    );
    expectValidMessage(decided);
    expect(blockText(decided, APPROVAL_BLOCK.outcome)).toBe(
      `:ballot_box_with_check: *Decided* by <@U0LEAD> ${slackDate(at(4))}: Mark as done`,
    );
    expect(actionIds(decided)).toEqual([]);
    expect(decided.text).toBe(
      'Outcome unknown: restart in deploy-api, run r-7kq2m9xd: Mark as done, by <@U0LEAD>',
    );
  });
});

describe('the value a card button carries', () => {
  it('round-trips the approval id and binding', () => {
    const pending = approval({ id: 'r-7kq2m9xd:12', step: 12 });
    const [button] = buttons(approvalCard(pending).blocks);
    expect(parseApprovalValue(button?.value ?? '')).toEqual({
      approvalId: 'r-7kq2m9xd:12',
      binding: pending.binding,
    });
  });

  it.each([
    '',
    'r-7kq2m9xd:2',
    `r-7kq2m9xd:2|${'a'.repeat(63)}`,
    `r-7kq2m9xd:2|${'A'.repeat(64)}`,
    `r-7kq2m9xd:02|${'a'.repeat(64)}`,
    `r-7kq2m9x:2|${'a'.repeat(64)}`,
    `r-7kq2m9xo:2|${'a'.repeat(64)}`,
    `r-7kq2m9xd|${'a'.repeat(64)}`,
    `r-7kq2m9xd:2|${'a'.repeat(64)}|x`,
    `r-7kq2m9xd:-1|${'a'.repeat(64)}`,
  ])('rejects %j', (value) => {
    expect(parseApprovalValue(value)).toBeUndefined();
  });
});

describe('the arguments modal ("Show all")', () => {
  it('holds 100 KB of arguments whole; copied block after block it is JSON of the same value', () => {
    const args = JSON.stringify({
      script: `#!/bin/sh\n${'curl -H "X: <a&b>" https://example.com/*_~ && echo 🚀 ``` done\n'.repeat(1500)}`,
      list: Array.from({ length: 200 }, (_, i) => ({ i, note: 'é\u0301 שלום' })),
    });
    expect(args.length).toBeGreaterThan(100_000);
    const modal = approvalArgumentsModal(approval({ args }));
    expect(validateView(modal)).toEqual([]);
    expect(modal.title.text).toBe('Call arguments');
    expect(modal.close?.text).toBe('Close');
    expect(modal.submit).toBeUndefined();
    const copied = texts(modal.blocks).flatMap(codeContents).join('');
    const pretty = JSON.stringify(JSON.parse(args), null, 2);
    expect(copied).toBe(pretty.replace(/```/g, '\\u0060\\u0060\\u0060'));
    expect(JSON.parse(copied)).toEqual(JSON.parse(args));
    expect(JSON.stringify(modal.blocks)).not.toContain('do not fit');
  });

  it('says how much it left out when even a full view cannot hold the arguments', () => {
    const args = JSON.stringify({ html: '<&>'.repeat(100_000) });
    const modal = approvalArgumentsModal(approval({ args }));
    expect(validateView(modal)).toEqual([]);
    expect(modal.blocks).toHaveLength(BLOCK_KIT_LIMITS.viewBlocks);
    const pretty = JSON.stringify(JSON.parse(args), null, 2);
    const copied = texts(modal.blocks).flatMap(codeContents).join('');
    expect(pretty.startsWith(copied)).toBe(true);
    const left = (pretty.length - copied.length).toLocaleString('en-US');
    expect(texts(modal.blocks).at(-1)).toMatch(
      new RegExp(
        `^…and ${left} more characters \\(\\d+% of [\\d,]+\\) that do not fit in one view\\.$`,
      ),
    );
  });

  it('shows arguments that are not JSON as stored, saying so', () => {
    const modal = approvalArgumentsModal(approval({ args: 'not json <b>```' }));
    expect(validateView(modal)).toEqual([]);
    expect(texts(modal.blocks).join('\n')).toContain('Not JSON: shown as stored.');
    expect(texts(modal.blocks).flatMap(codeContents)).toEqual(['not json <b>ˋˋˋ']);
  });
});

describe('the deny-reason modal', () => {
  it('requires a reason of up to 2000 characters and carries the approval it denies', () => {
    const pending = approval({ mcpTool: 'hard_reset' });
    const modal = denyReasonModal(pending);
    expect(validateView(modal)).toEqual([]);
    expect(modal.callback_id).toBe('approval_deny_reason');
    expect(parseApprovalValue(modal.private_metadata ?? '')).toEqual({
      approvalId: pending.id,
      binding: pending.binding,
    });
    expect(modal.submit?.text).toBe('Deny');
    expect(texts(modal.blocks)[0]).toContain(
      'You are denying `restart/hard_reset` (high risk) in *deploy-api*, run `r-7kq2m9xd` call 3.',
    );
    const input = modal.blocks.find((b) => b.type === 'input') as types.InputBlock;
    expect(input.block_id).toBe('reason');
    expect(input.optional).toBeUndefined();
    expect(input.element).toEqual(
      expect.objectContaining({
        type: 'plain_text_input',
        action_id: 'reason_input',
        multiline: true,
        max_length: 2000,
      }),
    );
  });
});

describe('reminders and escalation', () => {
  const link = 'https://example.slack.com/archives/C0APPROVALS/p1772532000000100';

  it('reminds an approver what waits, since when, where the card is and when it expires', () => {
    const message = approvalReminder(
      approval({ required: 2, approvals: [{ userId: 'U0ANN', at: at(2) }] }),
      link,
    );
    expectValidMessage(message);
    const shown = texts(message.blocks).join('\n');
    expect(shown).toContain(`*An approval waits for your decision* since ${slackDate(at(0))}`);
    expect(shown).toContain(
      '`restart` (high risk) in *deploy-api*, run `r-7kq2m9xd` call 3, requested by <@U0REQ>.',
    );
    expect(shown).toContain('So far 1 of 2 approvals: <@U0ANN>.');
    expect(shown).toContain(
      `<${link}|Open the card> to approve or deny. It expires ${slackDate(at(30))}; then the run ends as expired.`,
    );
    expect(buttons(message.blocks)).toEqual([]);
    expect(message.text).toBe(
      'Reminder: restart in deploy-api, run r-7kq2m9xd waits for your decision.',
    );
  });

  it('points to the channel when the card link is not a usable https link', () => {
    const message = approvalReminder(approval(), 'javascript:alert(1)|x>');
    expectValidMessage(message);
    expect(texts(message.blocks).join('\n')).toContain(
      'Open the card in <#C0APPROVALS> to approve or deny.',
    );
  });

  it('tells the people added by escalation that they now approve, and what', () => {
    const message = approvalEscalation(
      approval({ escalatedTo: { users: [], usergroups: ['S0ONCALL'] }, onTimeout: 'deny' }),
      link,
    );
    expectValidMessage(message);
    const shown = texts(message.blocks).join('\n');
    expect(shown).toContain(
      `*You were added as approvers*: nobody has decided since ${slackDate(at(0))}.`,
    );
    expect(shown).toContain('Added by escalation: <!subteam^S0ONCALL>');
    expect(shown).toContain('then the model is told it was not approved.');
    expect(message.text).toContain('you were added as approvers of restart in deploy-api');
  });
});
