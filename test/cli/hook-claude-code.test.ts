import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import { runCountersign } from '../support/countersign-cli';
import { type Harness, startHarness } from '../support/countersign-harness';
import { CLAUDE_CODE_MANIFEST, issueToken, preToolUse, workflowsWith } from '../support/gateway';
import { listenOnLoopback } from '../support/loopback-server';

describe('countersign hook claude-code, the command hook', () => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness('hook_cli', {
      workflowsDir: await workflowsWith({ 'claude-code.yaml': CLAUDE_CODE_MANIFEST }),
    });
    token = (await issueToken(h)).text;
  });
  afterAll(() => h.stop());

  const hook = (env: Record<string, string>, input: unknown, args: string[] = []) =>
    runCountersign(
      ['hook', 'claude-code', ...args],
      env,
      typeof input === 'string' ? input : JSON.stringify(input),
    );

  it("prints the server's decision for the hook input on stdin, and exits 0", async () => {
    const result = await hook(
      { COUNTERSIGN_URL: h.baseUrl, COUNTERSIGN_TOKEN: token },
      preToolUse('Bash', { command: 'git status' }),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'allow',
        permissionDecisionReason: 'Countersign: allowed by the rule Bash(git status)',
      },
    });
  });

  it('prints a deny as a decision too: Claude is told the rule', async () => {
    const result = await hook(
      { COUNTERSIGN_URL: h.baseUrl, COUNTERSIGN_TOKEN: token },
      preToolUse('Bash', { command: 'curl https://example.com' }),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"permissionDecision":"deny"');
    expect(result.stdout).toContain('Bash(curl:*)');
  });

  it.each([
    [
      'the token is refused',
      () => ({ COUNTERSIGN_URL: h.baseUrl, COUNTERSIGN_TOKEN: 'cst_forged' }),
      'token refused: ',
    ],
    ['no token is set', () => ({ COUNTERSIGN_URL: h.baseUrl }), 'COUNTERSIGN_TOKEN is not set'],
    ['no URL is set', () => ({ COUNTERSIGN_TOKEN: token }), 'COUNTERSIGN_URL is not set'],
    [
      'the server is down',
      () => ({ COUNTERSIGN_URL: 'http://127.0.0.1:9', COUNTERSIGN_TOKEN: token }),
      'the server is down or unreachable',
    ],
  ])('exits 2 with one line when %s', async (_what, env, words) => {
    const result = await hook(env(), preToolUse('Read', { file_path: 'README.md' }));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`countersign hook: ${words}`);
  });

  it('exits 2 when its own deadline passes, and when the answer is not a decision', async () => {
    const slow = createServer(() => undefined);
    const garbled = createServer((_req, res) =>
      res.end('{"hookSpecificOutput":{"permissionDecision":"maybe"}}'),
    );
    const slowUrl = await listenOnLoopback(slow);
    const garbledUrl = await listenOnLoopback(garbled);
    try {
      const late = await hook(
        { COUNTERSIGN_URL: slowUrl, COUNTERSIGN_TOKEN: token },
        preToolUse('Read', {}),
        ['--deadline', '1'],
      );
      expect(late.code).toBe(2);
      expect(late.stderr).toContain('no decision within its deadline of 1 s');
      const odd = await hook(
        { COUNTERSIGN_URL: garbledUrl, COUNTERSIGN_TOKEN: token },
        preToolUse('Read', {}),
      );
      expect(odd.code).toBe(2);
      expect(odd.stderr).toContain('not a Claude Code decision');
    } finally {
      slow.closeAllConnections();
      slow.close();
      garbled.close();
    }
  });

  it('runs through the binary (bin.ts), which loads only the hook for `hook` and the whole CLI otherwise', async () => {
    const bin = path.join(__dirname, '../../src/bin.ts');
    const run = (args: string[], input?: string) =>
      new Promise<{ stdout: string; code: number }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', bin, ...args],
          {
            env: {
              PATH: process.env.PATH ?? '',
              COUNTERSIGN_URL: h.baseUrl,
              COUNTERSIGN_TOKEN: token,
            },
          },
          (error, stdout) => resolve({ stdout, code: error ? Number(error.code) : 0 }),
        );
        child.stdin?.end(input ?? '');
      });
    const decided = await run(
      ['hook', 'claude-code'],
      JSON.stringify(preToolUse('Bash', { command: 'git status' })),
    );
    expect(decided.code).toBe(0);
    expect(JSON.parse(decided.stdout).hookSpecificOutput.permissionDecision).toBe('allow');
    const help = await run(['--help']);
    expect(help.stdout).toContain('audit');
    expect(help.stdout).toContain('hook');
  });

  it("--print-settings prints the hooks block for the token's workflow, failing closed", async () => {
    const result = await runCountersign(['hook', 'claude-code', '--print-settings'], {
      COUNTERSIGN_URL: h.baseUrl,
      COUNTERSIGN_TOKEN: token,
    });
    expect(result.code).toBe(0);
    // stdout is the settings file itself: `> .claude/settings.json` works.
    const hookBlock = JSON.parse(result.stdout).hooks.PreToolUse[0];
    expect(hookBlock.matcher).toBe('*');
    expect(hookBlock.hooks[0]).toMatchObject({
      type: 'http',
      url: `${h.baseUrl}/gateway/claude-code`,
      timeout: 17, // the workflow waits 2 s; the hook waits 15 s more
      onFailure: 'block',
      headers: { Authorization: 'Bearer $COUNTERSIGN_TOKEN' },
      allowedEnvVars: ['COUNTERSIGN_TOKEN'],
    });
    expect(result.stderr).toContain('allowManagedHooksOnly');
    expect(result.stdout + result.stderr).not.toContain(token);
    const refused = await runCountersign(['hook', 'claude-code', '--print-settings'], {
      COUNTERSIGN_URL: h.baseUrl,
      COUNTERSIGN_TOKEN: 'cst_forged',
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused the token');
  });
});
