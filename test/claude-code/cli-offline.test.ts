// The real Claude Code CLI (the pinned binary scripts/install-claude-code.sh caches), run as
// `claude -p` against the fake Anthropic API: no network, no account, nothing of the machine's.
// Its own JSON output and the effects on disk are the oracle, with what the fake was sent.
// These pin down the behaviour of Claude Code's PreToolUse hooks that the gateway relies on.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import {
  type ClaudeCodeProject,
  type ClaudeCodeRun,
  type ClaudeCodeSession,
  claudeCodeBinary,
  makeClaudeCodeProject,
  runClaudeCode,
} from '../support/claude-code';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import { closeServer, listenOnLoopback } from '../support/loopback-server';

const CALL_ID = 'toolu_01Call';
const DENY_REASON = 'Countersign: touching files is not allowed here';
/** Claude Code's own permission rule that lets the scripted `touch` run without a prompt. */
const ALLOW_TOUCH = ['--allowedTools', 'Bash(touch *)'];

let fake: FakeAnthropicApi;
let project: ClaudeCodeProject;
let marker: string;

beforeAll(async () => {
  claudeCodeBinary(); // a download on a machine's first run: not inside a test's timeout
  fake = await startFakeAnthropicApi();
}, 300_000);

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  project = makeClaudeCodeProject();
  marker = path.join(project.dir, 'touched');
});

afterEach(() => {
  project.remove();
});

async function session(
  prompt: string | undefined,
  extra: Partial<ClaudeCodeSession> = {},
): Promise<ClaudeCodeRun> {
  const run = await runClaudeCode(project, { apiBaseUrl: fake.baseUrl, prompt, ...extra });
  if (run.result === undefined) {
    throw new Error(`claude gave no JSON (exit ${run.exitCode}): ${run.stdout}${run.stderr}`);
  }
  return run;
}

/** A tool call, then a closing answer once its result is in. */
function scriptToolCall(name: string, input: Record<string, unknown>): void {
  fake.script([
    { text: `Calling ${name}.`, toolUse: { id: CALL_ID, name, input } },
    { text: 'Done.' },
  ]);
}

function scriptTouch(): void {
  scriptToolCall('Bash', { command: `touch ${marker}`, description: 'Touch a file' });
}

/** The tool_result blocks of the last request: what Claude Code told the model its tools did. */
function lastToolResults(): Anthropic.ToolResultBlockParam[] {
  const content = fake.requests.at(-1)?.body.messages.at(-1)?.content;
  if (!Array.isArray(content)) return [];
  return content.flatMap((block) => (block.type === 'tool_result' ? [block] : []));
}

/** The project's settings with one PreToolUse hook on Bash. */
function hookOnBash(hook: Record<string, unknown>): void {
  project.settings({ hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [hook] }] } });
}

/** A command hook script that answers every call with `decision` (allow, deny, ask, defer). */
function decisionScript(decision: string): string {
  const output = {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: decision,
      permissionDecisionReason: DENY_REASON,
    },
  };
  return `cat >/dev/null\necho '${JSON.stringify(output)}'`;
}

function expectDenied(run: ClaudeCodeRun, reason: string): void {
  expect(fs.existsSync(marker)).toBe(false);
  expect(run.result?.permission_denials).toEqual([
    expect.objectContaining({ tool_name: 'Bash', tool_use_id: CALL_ID }),
  ]);
  const [result] = lastToolResults();
  expect(result).toMatchObject({ tool_use_id: CALL_ID, is_error: true });
  expect(JSON.stringify(result?.content)).toContain(reason);
}

describe('claude -p, offline against the fake Anthropic API', () => {
  it('runs a Read and sends the file to the model in the tool_result', async () => {
    const notes = project.write('notes.txt', 'the launch code is 0000\n');
    scriptToolCall('Read', { file_path: notes });

    const run = await session('What is in notes.txt?');

    expect(run.result).toMatchObject({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'Done.',
      num_turns: 2,
      terminal_reason: 'completed',
      permission_denials: [],
    });
    expect(fake.requests.map((request) => request.body.stream)).toEqual([true, true]);
    const [result] = lastToolResults();
    expect(result).toMatchObject({ tool_use_id: CALL_ID });
    expect(JSON.stringify(result?.content)).toContain('the launch code is 0000');
  });

  it('denies a Bash call that writes, unless a permission rule allows it', async () => {
    scriptTouch();
    const refused = await session('Touch a file.');
    expectDenied(refused, 'needs approval');

    fake.reset();
    scriptTouch();
    const allowed = await session('Touch a file.', { args: ALLOW_TOUCH });
    expect(allowed.result).toMatchObject({ is_error: false, permission_denials: [] });
    expect(fs.existsSync(marker)).toBe(true);
  });

  it('lets a PreToolUse command hook deny an allowed call: it never runs, and Claude is told why', async () => {
    hookOnBash({
      type: 'command',
      command: project.script('.claude/deny.sh', decisionScript('deny')),
    });
    scriptTouch();

    const run = await session('Touch a file.', { args: ALLOW_TOUCH });

    expectDenied(run, DENY_REASON);
    expect(run.result?.terminal_reason).toBe('completed');
  });

  it('takes the same hook from a settings file given with --settings', async () => {
    const hook = project.script('.claude/deny.sh', decisionScript('deny'));
    const settings = path.join(project.home, 'countersign-settings.json');
    const hooks = {
      PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: hook }] }],
    };
    fs.writeFileSync(settings, JSON.stringify({ hooks }));
    scriptTouch();

    const run = await session('Touch a file.', { args: [...ALLOW_TOUCH, '--settings', settings] });

    expectDenied(run, DENY_REASON);
  });

  it('ends the session on defer, and runs the call once on --resume when the hook then allows', async () => {
    const approved = path.join(project.dir, 'approved');
    const defer = decisionScript('defer');
    const hook = project.script('.claude/defer.sh', `[ -f ${approved} ] || { ${defer}; exit 0; }`);
    hookOnBash({ type: 'command', command: hook });
    scriptTouch();

    const deferred = await session('Touch a file.', { args: ALLOW_TOUCH });
    expect(deferred.result).toMatchObject({
      terminal_reason: 'tool_deferred',
      deferred_tool_use: { id: CALL_ID, name: 'Bash' },
      permission_denials: [],
    });
    expect(fs.existsSync(marker)).toBe(false);
    expect(fake.requests).toHaveLength(1);

    fs.writeFileSync(approved, '');
    const sessionId = deferred.result?.session_id ?? '';
    const resumed = await session(undefined, { args: [...ALLOW_TOUCH, '--resume', sessionId] });
    expect(resumed.result).toMatchObject({ terminal_reason: 'completed', result: 'Done.' });
    expect(fs.existsSync(marker)).toBe(true);
    expect(lastToolResults()).toEqual([
      expect.objectContaining({ tool_use_id: CALL_ID, is_error: false }),
    ]);
    expect(fake.requests).toHaveLength(2); // the call ran once, then the closing answer
    expect(fake.remainingTurns).toBe(0);
  });

  describe('an http hook that cannot answer', () => {
    let silent: Server;
    let silentUrl: string;
    let closedUrl: string;

    beforeAll(async () => {
      silent = createServer(() => {}); // takes the request, never answers
      silentUrl = `${await listenOnLoopback(silent)}/hook`;
      const closed = createServer();
      closedUrl = `${await listenOnLoopback(closed)}/hook`;
      await closeServer(closed); // nothing listens there now
    });

    afterAll(async () => {
      await closeServer(silent);
    });

    const failures: [string, () => Record<string, unknown>, string][] = [
      ['is unreachable', () => ({ url: closedUrl }), 'ECONNREFUSED'],
      ['times out', () => ({ url: silentUrl, timeout: 1 }), 'timed out'],
    ];

    it.each(failures)('lets the call through when it %s (fails open)', async (_name, hook) => {
      hookOnBash({ type: 'http', ...hook() });
      scriptTouch();

      const run = await session('Touch a file.', { args: ALLOW_TOUCH });

      expect(run.result?.permission_denials).toEqual([]);
      expect(fs.existsSync(marker)).toBe(true);
    });

    it.each(failures)(
      'blocks the call when it %s with onFailure: "block"',
      async (_name, hook, why) => {
        hookOnBash({ type: 'http', ...hook(), onFailure: 'block' });
        scriptTouch();

        const run = await session('Touch a file.', { args: ALLOW_TOUCH });

        expectDenied(run, why);
        expect(JSON.stringify(lastToolResults()[0]?.content)).toContain('onFailure');
      },
    );
  });
});
