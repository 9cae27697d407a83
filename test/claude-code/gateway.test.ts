// The gateway against the real Claude Code CLI: `claude -p` sessions (the pinned binary, offline
// against the fake Anthropic API) whose settings are the block `countersign hook claude-code
// --print-settings` prints, pointed at the real service with a person's token in
// COUNTERSIGN_TOKEN. Claude Code's own JSON output, what the fake model was told and the effects
// on disk are the oracle; approvals are signed clicks on the card in the fake Slack.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import {
  type ClaudeCodeSettings,
  claudeCodeSettings,
  hookTimeoutSeconds,
} from '../../src/gateway/claude-code/settings';
import { click } from '../support/approval-clicks';
import {
  type ClaudeCodeProject,
  type ClaudeCodeRun,
  type ClaudeCodeSession,
  claudeCodeBinary,
  makeClaudeCodeProject,
  runClaudeCode,
} from '../support/claude-code';
import { runCountersign } from '../support/countersign-cli';
import { type Harness, startHarness } from '../support/countersign-harness';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import type { SlackCall } from '../support/fake-slack-api';
import { CLAUDE_CODE_MANIFEST, issueToken, workflowsWith } from '../support/gateway';
import { closeServer, listenOnLoopback } from '../support/loopback-server';

const WAIT_MS = 3_000;
/** The team's manifest, with a short wait (tests wait it out) and `rm` denied. */
const MANIFEST = CLAUDE_CODE_MANIFEST.replace('wait: 2s', `wait: ${WAIT_MS / 1000}s`).replace(
  'deny: ["Read(./.env)", "Bash(curl:*)"]',
  'deny: ["Read(./.env)", "Bash(curl:*)", "Bash(rm:*)"]',
);
const REPO = path.join(__dirname, '../..');
/**
 * Claude Code's own rules that let the scripted commands run in `-p` mode, where it otherwise
 * refuses them itself: with these, only the hook stands between the call and the disk.
 */
const ALLOW_SHELL = ['--allowedTools', 'Bash(touch *)', 'Bash(rm *)'];
/** `countersign hook claude-code` as a command hook runs it: the CLI entry through tsx. */
const HOOK_COMMAND = [
  process.execPath,
  '--import',
  require.resolve('tsx'),
  path.join(REPO, 'src/main.ts'),
  'hook',
  'claude-code',
].join(' ');

let h: Harness;
let fake: FakeAnthropicApi;
let token: string;
/** What `countersign hook claude-code --print-settings` printed for the token: the pasted block. */
let printed: ClaudeCodeSettings;
let project: ClaudeCodeProject;
let marker: string;

beforeAll(async () => {
  claudeCodeBinary(); // a download on a machine's first run: not inside a test's timeout
  fake = await startFakeAnthropicApi();
  h = await startHarness('gateway_claude_code', {
    workflowsDir: await workflowsWith({ 'claude-code.yaml': MANIFEST }),
  });
  token = (await issueToken(h)).text;
  const cli = await runCountersign(['hook', 'claude-code', '--print-settings'], {
    COUNTERSIGN_URL: h.baseUrl,
    COUNTERSIGN_TOKEN: token,
  });
  if (cli.code !== 0) throw new Error(`--print-settings failed: ${cli.stderr}`);
  printed = JSON.parse(cli.stdout.slice(0, cli.stdout.indexOf('\n\n')));
}, 300_000);

afterAll(async () => {
  await h?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  project = makeClaudeCodeProject();
  marker = path.join(project.dir, 'touched');
});

afterEach(() => {
  project.remove();
});

/** A `claude -p` session in the project, the token in its environment. */
async function session(
  prompt: string | undefined,
  extra: Partial<ClaudeCodeSession> = {},
): Promise<ClaudeCodeRun> {
  const run = await runClaudeCode(project, {
    apiBaseUrl: fake.baseUrl,
    prompt,
    ...extra,
    env: { COUNTERSIGN_TOKEN: token, ...extra.env },
  });
  if (run.result === undefined) {
    throw new Error(`claude gave no JSON (exit ${run.exitCode}): ${run.stdout}${run.stderr}`);
  }
  return run;
}

/** Scripted tool calls, one a turn, then a closing answer. */
function scriptCalls(...calls: { id: string; name: string; input: Record<string, unknown> }[]) {
  fake.script([
    ...calls.map((call) => ({ text: `Calling ${call.name}.`, toolUse: call })),
    { text: 'Done.' },
  ]);
}

const bash = (id: string, command: string) => ({
  id,
  name: 'Bash',
  input: { command, description: 'A command' },
});

/** Every tool_result Claude Code sent the model, by tool_use id: what it told Claude each call did. */
function toolResults(): Map<string, Anthropic.ToolResultBlockParam> {
  const results = new Map<string, Anthropic.ToolResultBlockParam>();
  for (const request of fake.requests) {
    for (const message of request.body.messages) {
      if (!Array.isArray(message.content)) continue;
      for (const block of message.content) {
        if (block.type === 'tool_result') results.set(block.tool_use_id, block);
      }
    }
  }
  return results;
}

const resultText = (id: string) => JSON.stringify(toolResults().get(id)?.content ?? '');

/** The approval cards posted for calls that mention `text` (a marker's unique path). */
const cardsFor = (text: string) =>
  h.slack
    .callsTo('chat.postMessage')
    .filter((call) => JSON.stringify(call.args.blocks ?? '').includes(text));

/** Waits for the card of the call that mentions `text`; its place and button values. */
async function cardFor(text: string) {
  const call = await h.slack.waitForCall(
    'chat.postMessage',
    (candidate) => JSON.stringify(candidate.args.blocks ?? '').includes(text),
    15_000,
  );
  const body = call.response.body as { channel: string; ts: string };
  return { channel: body.channel, ts: body.ts, value: (id: string) => buttonValue(call, id) };
}

function buttonValue(call: SlackCall, actionId: string): string {
  for (const block of (call.args.blocks ?? []) as { elements?: Record<string, string>[] }[]) {
    for (const element of block.elements ?? []) {
      if (element.action_id === actionId && element.value) return element.value;
    }
  }
  throw new Error(`the card has no ${actionId} button`);
}

const auditOf = (type: string, sessionId: string) =>
  h.db.collection('audit_events').find({ type, 'details.session': sessionId }).toArray();

describe('claude -p with the pasted settings block, against the real service', () => {
  it('is the block claudeCodeSettings makes: a PreToolUse http hook on every tool, failing closed', () => {
    expect(printed).toEqual(
      claudeCodeSettings({ url: h.baseUrl, waitMs: WAIT_MS, headless: false }),
    );
    expect(printed.hooks.PreToolUse[0]?.hooks[0]).toMatchObject({
      timeout: hookTimeoutSeconds(WAIT_MS),
      onFailure: 'block',
    });
  });

  it('runs a low-risk Read: the model gets the file in the tool_result', async () => {
    project.settings(printed);
    const notes = project.write('notes.txt', 'the launch code is 0000\n');
    scriptCalls({ id: 'toolu_01Read', name: 'Read', input: { file_path: notes } });

    const run = await session('What is in notes.txt?');

    expect(run.result).toMatchObject({ is_error: false, permission_denials: [] });
    expect(resultText('toolu_01Read')).toContain('the launch code is 0000');
    const allowed = await auditOf('gateway.allowed', run.result?.session_id ?? '');
    expect(allowed).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ tool: 'Read', rule: 'Read' }) }),
    ]);
  });

  it('holds a high-risk Bash for a signed click on its card, then runs it once', async () => {
    project.settings(printed);
    scriptCalls(bash('toolu_01Touch', `touch ${marker}`));

    const running = session('Touch a file.');
    const card = await cardFor(marker);
    expect(fs.existsSync(marker)).toBe(false); // waiting for a person
    await click(h, card, 'approval_approve', card.value('approval_approve'), 'U0LEAD');
    const run = await running;

    expect(run.result).toMatchObject({ is_error: false, permission_denials: [] });
    expect(fs.existsSync(marker)).toBe(true);
    expect(toolResults().get('toolu_01Touch')).toMatchObject({ is_error: false });
    const sessionId = run.result?.session_id ?? '';
    expect(await auditOf('gateway.approved', sessionId)).toHaveLength(1);
    expect(cardsFor(marker)).toHaveLength(1);
  });

  it('never runs a denied Bash, and tells Claude the rule', async () => {
    project.settings(printed);
    const keep = project.write('keep.txt', 'keep me\n');
    scriptCalls(bash('toolu_01Rm', `rm ${keep}`));

    const run = await session('Remove a file.', { args: ALLOW_SHELL });

    expect(fs.existsSync(keep)).toBe(true);
    expect(run.result?.permission_denials).toEqual([
      expect.objectContaining({ tool_name: 'Bash', tool_use_id: 'toolu_01Rm' }),
    ]);
    expect(toolResults().get('toolu_01Rm')).toMatchObject({ is_error: true });
    expect(resultText('toolu_01Rm')).toContain('denied by the rule Bash(rm:*)');
    expect(cardsFor(keep)).toHaveLength(0);
  });
});

describe('when the service cannot answer', () => {
  let silent: Server;
  let silentUrl: string;
  let closedUrl: string;

  beforeAll(async () => {
    silent = createServer(() => {}); // takes the request, never answers
    silentUrl = await listenOnLoopback(silent);
    const closed = createServer();
    closedUrl = await listenOnLoopback(closed);
    await closeServer(closed); // nothing listens there now
  });

  afterAll(async () => {
    await closeServer(silent);
  });

  it('runs nothing when the service is down', async () => {
    project.settings(claudeCodeSettings({ url: closedUrl, waitMs: WAIT_MS, headless: false }));
    scriptCalls(bash('toolu_01Down', `touch ${marker}`));

    const run = await session('Touch a file.', { args: ALLOW_SHELL });

    expect(fs.existsSync(marker)).toBe(false);
    expect(run.result?.permission_denials).toEqual([
      expect.objectContaining({ tool_use_id: 'toolu_01Down' }),
    ]);
    expect(toolResults().get('toolu_01Down')).toMatchObject({ is_error: true });
    expect(resultText('toolu_01Down')).toContain('ECONNREFUSED');
  });

  it('runs nothing when the service is too slow to answer within the hook timeout', async () => {
    const settings = claudeCodeSettings({ url: silentUrl, waitMs: WAIT_MS, headless: false });
    const [hook] = settings.hooks.PreToolUse[0]?.hooks ?? [];
    if (hook) hook.timeout = 2; // the pasted block's timeout, shortened so the test does not wait 18 s
    project.settings(settings);
    scriptCalls(bash('toolu_01Slow', `touch ${marker}`));

    const run = await session('Touch a file.', { args: ALLOW_SHELL });

    expect(fs.existsSync(marker)).toBe(false);
    expect(run.result?.permission_denials).toEqual([
      expect.objectContaining({ tool_use_id: 'toolu_01Slow' }),
    ]);
    expect(resultText('toolu_01Slow')).toContain('timed out');
  });
});

describe('headless (claude -p in CI)', () => {
  it('defers a call still pending, and after approval runs it once on claude -p --resume', async () => {
    // A token made for CI (`countersign token create … --headless`): only its calls are deferred.
    const ci = (await issueToken(h, { headless: true, label: 'ci' })).text;
    project.settings(claudeCodeSettings({ url: h.baseUrl, waitMs: WAIT_MS, headless: true }));
    scriptCalls(bash('toolu_01Ci', `touch ${marker}`));

    const deferred = await session('Touch a file.', { env: { COUNTERSIGN_TOKEN: ci } });

    expect(deferred.result).toMatchObject({
      terminal_reason: 'tool_deferred',
      deferred_tool_use: { id: 'toolu_01Ci', name: 'Bash' },
    });
    expect(fs.existsSync(marker)).toBe(false);
    const card = await cardFor(marker);
    await click(h, card, 'approval_approve', card.value('approval_approve'), 'U0LEAD');

    const sessionId = deferred.result?.session_id ?? '';
    const resumed = await session(undefined, {
      args: ['--resume', sessionId],
      env: { COUNTERSIGN_TOKEN: ci },
    });

    expect(resumed.result).toMatchObject({ terminal_reason: 'completed', permission_denials: [] });
    expect(fs.existsSync(marker)).toBe(true);
    expect(toolResults().get('toolu_01Ci')).toMatchObject({ is_error: false });
    expect(await auditOf('gateway.approved', sessionId)).toHaveLength(1);
    expect(cardsFor(marker)).toHaveLength(1);
  });
});

describe('a grant ("Approve for this session")', () => {
  it('lets the next matching call through without a card, and not a wider one', async () => {
    project.settings(printed);
    project.write('package.json', JSON.stringify({ scripts: { build: `touch ${marker}` } }));
    const other = path.join(project.dir, 'other');
    scriptCalls(
      bash('toolu_01Build', 'npm run build'),
      bash('toolu_02Build', 'npm run build'),
      bash('toolu_03Wider', `npm run build && touch ${other}`),
    );

    const running = session('Build it, twice, then more.', { timeoutMs: 40_000 });
    const card = await cardFor('npm run build');
    await click(h, card, 'approval_grant_short', card.value('approval_grant_short'), 'U0LEAD');
    const run = await running;

    expect(fs.existsSync(marker)).toBe(true); // the build ran
    const sessionId = run.result?.session_id ?? '';
    expect(await auditOf('gateway.approved', sessionId)).toHaveLength(1);
    const allowed = await auditOf('gateway.allowed', sessionId);
    expect(allowed).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ grantId: expect.any(String) }),
      }),
    ]);
    expect(toolResults().get('toolu_01Build')).toMatchObject({ is_error: false });
    expect(toolResults().get('toolu_02Build')).toMatchObject({ is_error: false });
    // The wider call is not covered: it got a card of its own and, pending, did not run.
    expect(fs.existsSync(other)).toBe(false);
    expect(cardsFor(other)).toHaveLength(1);
    expect(cardsFor(project.dir)).toHaveLength(2); // the first build's card and the wider call's
    expect(run.result?.permission_denials).toEqual([
      expect.objectContaining({ tool_use_id: 'toolu_03Wider' }),
    ]);
    expect(resultText('toolu_03Wider')).toContain('waiting for approval in Slack');
  });
});

describe('the command hook variant: countersign hook claude-code', () => {
  /** Each hook call starts the CLI through tsx: seconds on a busy machine. */
  const HOOK_SESSION_MS = 45_000;
  const commandHook = {
    hooks: {
      PreToolUse: [
        {
          matcher: '*',
          hooks: [
            {
              type: 'command',
              command: HOOK_COMMAND,
              timeout: hookTimeoutSeconds(WAIT_MS),
              onFailure: 'block',
            },
          ],
        },
      ],
    },
  };

  it('runs a low-risk call at once, and a high-risk one once approved', async () => {
    project.settings(commandHook);
    const notes = project.write('notes.txt', 'the launch code is 0000\n');
    scriptCalls(
      { id: 'toolu_01Read', name: 'Read', input: { file_path: notes } },
      bash('toolu_02Touch', `touch ${marker}`),
    );

    const running = session('Read, then touch.', {
      env: { COUNTERSIGN_URL: h.baseUrl },
      timeoutMs: HOOK_SESSION_MS,
    });
    const card = await cardFor(marker);
    await click(h, card, 'approval_approve', card.value('approval_approve'), 'U0LEAD');
    const run = await running;

    expect(run.result).toMatchObject({ is_error: false, permission_denials: [] });
    expect(resultText('toolu_01Read')).toContain('the launch code is 0000');
    expect(fs.existsSync(marker)).toBe(true);
    const sessionId = run.result?.session_id ?? '';
    expect(await auditOf('gateway.allowed', sessionId)).toHaveLength(1);
    expect(await auditOf('gateway.approved', sessionId)).toHaveLength(1);
  }, 60_000);

  it('runs nothing when the service is down, and Claude is told so', async () => {
    const closed = createServer();
    const closedUrl = await listenOnLoopback(closed);
    await closeServer(closed);
    project.settings(commandHook);
    scriptCalls(bash('toolu_01Down', `touch ${marker}`));

    const run = await session('Touch a file.', {
      args: ALLOW_SHELL,
      env: { COUNTERSIGN_URL: closedUrl },
      timeoutMs: HOOK_SESSION_MS,
    });

    expect(fs.existsSync(marker)).toBe(false);
    expect(run.result?.permission_denials).toEqual([
      expect.objectContaining({ tool_use_id: 'toolu_01Down' }),
    ]);
    expect(resultText('toolu_01Down')).toContain('the server is down or unreachable');
  }, 60_000);
});
