import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { buttonsIn, cardNow, cardOf, click } from '../support/approval-clicks';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import type { SlackCall } from '../support/fake-slack-api';
import { finalRun, runIdIn } from '../support/run-records';

/** A high-risk runbook step that appends a line to a file each time it really runs. */
const WORKFLOWS = {
  'change.yaml': `name: change
inputs:
  ledger: { type: string, required: true }
steps:
  - tool: change
    with: { ledger: "{{inputs.ledger}}" }
tools:
  - name: change
    risk: high
    input_schema: { type: object, properties: { ledger: { type: string } }, required: [ledger] }
    command: { argv: [sh, -c, 'echo ran >> "$1"; echo changed', sh, "{{args.ledger}}"], timeout: 10s }
approval:
  approvers: { users: [U0LEAD] }
`,
};

const isCard = (args: Record<string, unknown>) =>
  buttonsIn(args.blocks).includes('approval_approve');
const isHeadline = (args: Record<string, unknown>) => !args.thread_ts;

describe('Slack failing on the Web API calls of a run and its card', () => {
  let h: Harness;
  let runs: Collection;
  let workflowsDir: string;

  beforeAll(async () => {
    workflowsDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-slack-faults-'));
    for (const [file, text] of Object.entries(WORKFLOWS)) {
      await writeFile(path.join(workflowsDir, file), text);
    }
    h = await startHarness('slack_faults', { workflowsDir });
    runs = h.db.collection('runs');
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  const ledgerFile = async () =>
    path.join(await mkdtemp(path.join(os.tmpdir(), 'cs-ledger-')), 'ledger');
  const startRun = async (ledger: string) => {
    await h.slash({ text: `run change ledger=${ledger}`, user_id: 'U0DEV', channel_id: 'C0OPS' });
    const headline = await h.slack.waitForCall(
      'chat.postMessage',
      (call) => isHeadline(call.args) && call.response.status === 200,
      15_000,
    );
    return runIdIn(headline.args.blocks) as string;
  };
  const postsOf = (runId: string, which: (args: Record<string, unknown>) => boolean) =>
    h.slack
      .callsTo('chat.postMessage')
      .filter((call) => which(call.args) && JSON.stringify(call.args.blocks).includes(runId));
  const accepted = (calls: SlackCall[]) => calls.filter((call) => call.response.status === 200);
  /** Cards of `runId` standing in the fake Slack (before a decision removes their buttons). */
  const cardMessages = (runId: string) =>
    h.slack
      .messages()
      .filter(
        (message) =>
          buttonsIn(message.blocks).includes('approval_approve') &&
          JSON.stringify(message.blocks).includes(runId),
      );

  it('a card answered `ratelimited` is posted again after Retry-After: exactly one card', async () => {
    h.slack.failNext('chat.postMessage', { retryAfter: 1 }, 1, isCard);
    const ledger = await ledgerFile();
    const runId = await startRun(ledger);
    await h.slack.waitForCall(
      'chat.postMessage',
      (call) => isCard(call.args) && call.response.status === 200,
      15_000,
    );

    const cardPosts = postsOf(runId, isCard);
    expect(cardPosts.map((call) => call.response.status)).toEqual([429, 200]);
    // The second attempt waited out the Retry-After second.
    const [limited, posted] = cardPosts as [SlackCall, SlackCall];
    expect(posted.at.getTime() - limited.at.getTime()).toBeGreaterThanOrEqual(950);
    expect(cardMessages(runId)).toHaveLength(1);
    const card = posted.response.body as { channel: string; ts: string };
    const stored = await eventually('the card to be recorded', async () => {
      const approval = await h.db.collection('approvals').findOne({ runId });
      return approval?.card;
    });
    expect(stored).toEqual({ channel: card.channel, ts: card.ts });

    const value = (await cardOf(h, runId)).value;
    await click(h, card, 'approval_approve', value, 'U0LEAD');
    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 15_000 });
    expect(run.status).toBe('succeeded');
    expect(await readFile(ledger, 'utf8')).toBe('ran\n');
  });

  it('a card update refused with 5xx past the client retries is retried until Slack takes it', async () => {
    const ledger = await ledgerFile();
    const runId = await startRun(ledger);
    const card = await cardOf(h, runId);
    // Five 503s on this card's update: more than the Web API client's own four attempts.
    h.slack.failNext('chat.update', { status: 503 }, 5, (args) => args.ts === card.ts);

    await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 15_000 });
    expect(run.status).toBe('succeeded');
    const shown = await eventually(
      'the card to show the approval',
      async () => {
        const now = cardNow(h, card);
        return now.buttons.length === 0 ? now : undefined;
      },
      20_000,
    );
    expect(shown.text).toContain('Approved');
    const updates = h.slack.callsTo('chat.update').filter((call) => call.args.ts === card.ts);
    expect(updates.filter((call) => call.response.status === 503)).toHaveLength(5);
    expect(accepted(updates).length).toBeGreaterThanOrEqual(1);
    // Never a second card, and the call ran once.
    expect(postsOf(runId, isCard)).toHaveLength(1);
    expect(await readFile(ledger, 'utf8')).toBe('ran\n');
  }, 40_000);

  it('a run headline that times out at Slack (504 after a long wait) is posted again: one headline', async () => {
    h.slack.failNext('chat.postMessage', { delayMs: 3_000, status: 504 }, 1, isHeadline);
    const ledger = await ledgerFile();
    const runId = await startRun(ledger);
    const card = await cardOf(h, runId);

    const headlines = postsOf(runId, isHeadline);
    expect(headlines.map((call) => call.response.status)).toEqual([504, 200]);
    expect(h.slack.messages('C0OPS').filter((message) => !message.thread_ts)).toHaveLength(1);

    await click(h, card, 'approval_approve', card.value, 'U0LEAD');
    const run = await finalRun(runs, runId, { announced: true, timeoutMs: 15_000 });
    expect(run.status).toBe('succeeded');
    expect(h.slack.messages('C0OPS').filter((message) => !message.thread_ts)).toHaveLength(1);
    const headline = h.slack.message(run.thread.channel, run.thread.ts);
    expect(JSON.stringify(headline?.blocks)).toContain('succeeded');
  });
});
