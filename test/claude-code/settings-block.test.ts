// The settings block Countersign hands out (gateway/claude-code/settings.ts), given to the real
// Claude Code binary: it must reach the gateway on every tool with the person's token from
// COUNTERSIGN_TOKEN, obey its decision, and block the call when the gateway cannot answer.
import fs from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { claudeCodeSettings } from '../../src/gateway/claude-code/settings';
import {
  type ClaudeCodeProject,
  type ClaudeCodeRun,
  claudeCodeBinary,
  makeClaudeCodeProject,
  runClaudeCode,
} from '../support/claude-code';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import { closeServer, listenOnLoopback, readBody } from '../support/loopback-server';

const CALL_ID = 'toolu_01Settings';
const TOKEN = 'cst_settings-block-test-token-0123456789';
const DENY_REASON = 'Countersign: Bash(touch *) is denied by workflow coding';
const ALLOW_TOUCH = ['--allowedTools', 'Bash(touch *)'];

interface HookRequest {
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let fake: FakeAnthropicApi;
let gateway: Server;
let gatewayUrl: string;
let requests: HookRequest[] = [];
let decision: 'allow' | 'deny' = 'allow';
let project: ClaudeCodeProject;
let marker: string;

beforeAll(async () => {
  claudeCodeBinary();
  fake = await startFakeAnthropicApi();
  // Stands in for POST /gateway/claude-code: records what the hook sent, answers `decision`.
  gateway = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    requests.push({ url: req.url ?? '', headers: req.headers, body });
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: decision,
          permissionDecisionReason: decision === 'deny' ? DENY_REASON : 'low risk',
        },
      }),
    );
  });
  gatewayUrl = await listenOnLoopback(gateway);
}, 300_000);

afterAll(async () => {
  await closeServer(gateway);
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  requests = [];
  decision = 'allow';
  project = makeClaudeCodeProject();
  marker = path.join(project.dir, 'touched');
});

afterEach(() => {
  project.remove();
});

async function session(prompt: string, args: string[] = []): Promise<ClaudeCodeRun> {
  const run = await runClaudeCode(project, {
    apiBaseUrl: fake.baseUrl,
    prompt,
    args,
    env: { COUNTERSIGN_TOKEN: TOKEN },
  });
  if (run.result === undefined) {
    throw new Error(`claude gave no JSON (exit ${run.exitCode}): ${run.stdout}${run.stderr}`);
  }
  return run;
}

function scriptToolCall(name: string, input: Record<string, unknown>): void {
  fake.script([
    { text: `Calling ${name}.`, toolUse: { id: CALL_ID, name, input } },
    { text: 'Done.' },
  ]);
}

function lastToolResult(): Anthropic.ToolResultBlockParam | undefined {
  const content = fake.requests.at(-1)?.body.messages.at(-1)?.content;
  if (!Array.isArray(content)) return undefined;
  return content.flatMap((block) => (block.type === 'tool_result' ? [block] : []))[0];
}

describe('the settings block Countersign hands out, in the real Claude Code', () => {
  it('asks the gateway before a Read, sending the token from COUNTERSIGN_TOKEN, and runs it when allowed', async () => {
    project.settings(claudeCodeSettings({ url: gatewayUrl, waitMs: 1_000, headless: false }));
    const notes = project.write('notes.txt', 'hello from the notes\n');
    scriptToolCall('Read', { file_path: notes });

    const run = await session('What is in notes.txt?');

    expect(run.result).toMatchObject({ is_error: false, permission_denials: [] });
    expect(JSON.stringify(lastToolResult()?.content)).toContain('hello from the notes');
    expect(requests).toEqual([
      {
        url: '/gateway/claude-code',
        headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }),
        body: expect.objectContaining({
          hook_event_name: 'PreToolUse',
          tool_name: 'Read',
          tool_use_id: CALL_ID,
        }),
      },
    ]);
    // The token is read from the environment at each call, never written into the settings.
    expect(fs.readFileSync(path.join(project.dir, '.claude/settings.json'), 'utf8')).not.toContain(
      TOKEN,
    );
  });

  it('keeps a Bash call from running when the gateway denies it, and Claude is told why', async () => {
    project.settings(claudeCodeSettings({ url: gatewayUrl, waitMs: 1_000, headless: true }));
    decision = 'deny';
    scriptToolCall('Bash', { command: `touch ${marker}`, description: 'Touch a file' });

    const run = await session('Touch a file.', ALLOW_TOUCH);

    expect(fs.existsSync(marker)).toBe(false);
    expect(run.result?.permission_denials).toEqual([
      expect.objectContaining({ tool_name: 'Bash', tool_use_id: CALL_ID }),
    ]);
    expect(JSON.stringify(lastToolResult()?.content)).toContain(DENY_REASON);
    expect(requests.map((request) => request.url)).toEqual(['/gateway/claude-code?headless=1']);
  });

  it('blocks the call when the gateway is unreachable (onFailure: block), though Claude Code would allow it', async () => {
    const closed = createServer();
    const closedUrl = await listenOnLoopback(closed);
    await closeServer(closed); // nothing listens there now
    project.settings(claudeCodeSettings({ url: closedUrl, waitMs: 1_000, headless: false }));
    scriptToolCall('Bash', { command: `touch ${marker}`, description: 'Touch a file' });

    const run = await session('Touch a file.', ALLOW_TOUCH);

    expect(fs.existsSync(marker)).toBe(false);
    expect(run.result?.permission_denials).toEqual([
      expect.objectContaining({ tool_name: 'Bash', tool_use_id: CALL_ID }),
    ]);
    expect(JSON.stringify(lastToolResult()?.content)).toContain('ECONNREFUSED');
  });
});
