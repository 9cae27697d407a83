import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { approveValueIn, type Deployment } from './deployment';
import { inParallel } from './stats';

/** A runbook whose one high-risk step waits for U0LEAD; the tool notes when it starts. */
export function approvalWorkflow(execLog: string): string {
  return `name: approve-me
inputs:
  n: { type: string, required: true }
steps:
  - tool: change
    with: { n: "{{inputs.n}}" }
tools:
  - name: change
    risk: high
    input_schema: { type: object, properties: { n: { type: string } }, required: [n] }
    command:
      argv: [sh, -c, 'echo "$1 $(date +%s%N)" >> "${execLog}"', sh, "{{args.n}}"]
      timeout: 10s
approval:
  approvers: { users: [U0LEAD] }
  timeout: 2h
  remind_after: 1h
`;
}

export interface WaitingCard {
  n: string;
  runId: string;
  channel: string;
  ts: string;
  value: string;
}

/** Approval cards posted so far, oldest first: messages whose buttons carry an Approve value. */
function postedCards(d: Deployment) {
  return d.slack
    .callsTo('chat.postMessage')
    .filter((call) => approveValueIn(call.args.blocks) !== undefined);
}

/**
 * Starts `count` runs of approve-me and waits for their approval cards, watching the fake Slack
 * rather than polling the database (a poll would add its own load to what is measured).
 */
export async function waitingRuns(
  d: Deployment,
  count: number,
  from = 0,
  timeoutMs = 120_000,
): Promise<WaitingCard[]> {
  const seen = postedCards(d).length;
  const ns = Array.from({ length: count }, (_, i) => String(from + i));
  await inParallel(ns, 5, async (n) => {
    const response = await d.slash(`run approve-me n=${n}`);
    if (response.status !== 200) throw new Error(`slash answered ${response.status}`);
  });
  const deadline = Date.now() + timeoutMs;
  while (postedCards(d).length < seen + count) {
    if (Date.now() > deadline)
      throw new Error(`the ${count} runs did not all post their card within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const cards: WaitingCard[] = [];
  for (const call of postedCards(d).slice(seen)) {
    const runId = /\*Run\*\\n`(r-[a-z0-9]{8})`/.exec(JSON.stringify(call.args.blocks))?.[1];
    const run = await d.runs.findOne({ _id: runId as never });
    if (!runId || !run) throw new Error('a card names no stored run');
    const body = call.response.body as { channel: string; ts: string };
    cards.push({
      n: String((run.inputs as { n: string }).n),
      runId,
      channel: body.channel,
      ts: body.ts,
      value: approveValueIn(call.args.blocks) as string,
    });
  }
  return cards;
}

export interface DecisionTimes {
  /** Click sent → the card updated in place (chat.update without buttons) in the fake Slack. */
  cardMs: number[];
  /** Click sent → the approved tool's program started (its own timestamp). */
  executingMs: number[];
}

/** Approves each card in turn (one decision at a time) and times what follows the click. */
export async function timeDecisions(
  d: Deployment,
  cards: WaitingCard[],
  execLog: string,
  timeoutMs = 30_000,
): Promise<DecisionTimes> {
  const times: DecisionTimes = { cardMs: [], executingMs: [] };
  for (const card of cards) {
    const clickedAt = Date.now();
    const response = await d.click(card, 'approval_approve', card.value, 'U0LEAD');
    if (response.status !== 200) throw new Error(`click answered ${response.status}`);
    const updated = await d.slack.waitForCall(
      'chat.update',
      (call) =>
        call.args.ts === card.ts &&
        call.at.getTime() >= clickedAt &&
        !JSON.stringify(call.args.blocks ?? []).includes('approval_approve'),
      timeoutMs,
    );
    times.cardMs.push(updated.at.getTime() - clickedAt);
    const executedAt = await startOf(execLog, card.n, timeoutMs);
    times.executingMs.push(executedAt - clickedAt);
  }
  return times;
}

/** When the tool started for input `n`, from the lines it appends (`<n> <epoch ns>`). */
async function startOf(execLog: string, n: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(execLog, 'utf8').catch(() => '');
    const line = text.split('\n').find((l) => l.startsWith(`${n} `));
    if (line) return Number(BigInt(line.split(' ')[1] as string) / 1_000_000n);
    if (Date.now() > deadline) throw new Error(`the approved call ${n} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function execLogIn(dir: string): string {
  return path.join(dir, 'executions.log');
}
