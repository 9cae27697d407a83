import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { validateMessageBlocks } from '../support/block-kit-limits';
import { type Harness, startHarness } from '../support/countersign-harness';

const GATEWAY = `name: claude
description: Our Claude Code sessions
access: { users: [U0DEV] }
gateway:
  risk: { default: high, low: [Read], deny: ["Bash(curl:*)"] }
approval: { approvers: { users: [U0LEAD] }, channel: C0APPROVALS }
`;

const RUNBOOK = `name: hello
steps: [{ tool: say }]
tools: [{ name: say, risk: low, command: { argv: [echo, hi], timeout: 5s } }]
`;

describe('a gateway workflow in Slack', () => {
  let h: Harness;
  let runs: Collection;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-gateway-slack-'));
    await writeFile(path.join(dir, 'claude.yaml'), GATEWAY);
    await writeFile(path.join(dir, 'hello.yaml'), RUNBOOK);
    h = await startHarness('gateway_command', { workflowsDir: dir });
    runs = h.db.collection('runs');
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  const answer = async (text: string, user: string) => {
    const response = await h.slash({ text, user_id: user, channel_id: 'C0GENERAL' });
    expect(response.status).toBe(200);
    expect(response.ms).toBeLessThan(3000);
    return response.json as { response_type: string; text: string; blocks?: unknown[] };
  };

  it('is not run by /countersign run, dry or not: the person is told to get a token instead, and nothing is recorded', async () => {
    const before = await runs.countDocuments();
    for (const text of ['run claude', 'run claude --dry-run', 'run claude env=prod']) {
      expect(await answer(text, 'U0DEV')).toEqual({
        response_type: 'ephemeral',
        text: '*claude* is not run from Slack: it is the policy Claude Code sessions are held to, used through a personal token. Get yours with `/countersign token claude`.',
      });
    }
    expect(await runs.countDocuments()).toBe(before);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('answers someone its access leaves out as it answers a name that matches no workflow', async () => {
    expect((await answer('run claude', 'U0OTHER')).text).toBe(
      'There is no workflow "claude" that you can run here. Try `/countersign list`.',
    );
  });

  it('is listed as a gateway, with how to get a token rather than a usage line', async () => {
    const listed = await answer('list', 'U0DEV');
    expect(validateMessageBlocks(listed.blocks ?? [])).toEqual([]);
    const shown = JSON.stringify(listed.blocks);
    expect(shown).toContain(
      '*claude* (gateway: for Claude Code, not run) — Our Claude Code sessions\\nGet a token: `/countersign token claude`',
    );
    expect(shown).not.toContain('/countersign run claude');
    expect(shown).toContain('`/countersign run hello`');
    expect(JSON.stringify((await answer('list', 'U0OTHER')).blocks)).not.toContain('claude');
  });
});
