import { mkdtemp, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { ToolRunContext } from '../../src/runs/ports';
import { Redactor } from '../../src/shared/redactor';
import { ManifestToolRunner } from '../../src/tools/manifest-tool-runner';
import { SecretBroker } from '../../src/tools/secret-broker';
import { parseManifest } from '../../src/workflows/load-workflows';

function runContext(source: string): ToolRunContext {
  const parsed = parseManifest('m.yaml', source);
  if (!('workflow' in parsed)) throw new Error(JSON.stringify(parsed.problems));
  return {
    workflow: parsed.workflow.manifest.name,
    manifest: parsed.workflow.manifest,
    inputs: {},
  };
}

const TOKEN = 's3cr3t/t0ken+value=';

const runbook = (dir: string) => `name: demo
secrets: [TOKEN, ABSENT]
steps: [{ tool: where }]
tools:
  - name: where
    risk: low
    input_schema: { type: object, properties: { sub: { type: string } } }
    command: { argv: [pwd], cwd: "${dir}" }
  - name: greet
    risk: low
    input_schema: { type: object, properties: { name: { type: string } } }
    command: { argv: [echo, "hi {{args.name}}"] }
  - name: leak
    risk: low
    command: { argv: [sh, -c, 'echo "$TOKEN"; printf %s "$TOKEN" | base64'], env: { TOKEN: "{{secrets.TOKEN}}" } }
  - name: straddle
    risk: low
    command:
      argv: [sh, -c, 'head -c 65530 /dev/zero | tr "\\0" a; printf %s "$TOKEN"; head -c 2000 /dev/zero | tr "\\0" b']
      env: { TOKEN: "{{secrets.TOKEN}}" }
  - name: absent
    risk: low
    command: { argv: [echo, ok], env: { X: "{{secrets.ABSENT}}" } }
`;

const EVERYTHING = path.join(
  __dirname,
  '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

const agent = `name: agentic
secrets: [TOKEN]
agent: { instructions: Help. }
tools:
  - mcp: everything
    server:
      command: ${process.execPath}
      args: ["${EVERYTHING}", stdio]
      env: { CANARY: "{{secrets.TOKEN}}" }
    risk: { default: high, low: [echo, get-env], deny: [get-sum] }
approval:
  approvers: { users: [U0LEAD] }
`;

describe('the tools of a run, as its manifest defines them', () => {
  const redactor = new Redactor();
  const runner = new ManifestToolRunner({
    secrets: new SecretBroker({ variables: new Map([['TOKEN', TOKEN]]), redactor }),
    redactor,
    log: pino({ level: 'silent' }),
  });

  it('runs a command in the working directory the manifest names', async () => {
    const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'countersign-cwd-')));
    const session = await runner.open(runContext(runbook(dir)));
    expect(await session.call({ tool: 'where' }, {})).toEqual({ ok: true, output: dir });
    await session.close();
  });

  it('fills an optional argument the call left out as empty text', async () => {
    const session = await runner.open(runContext(runbook(os.tmpdir())));
    expect(await session.call({ tool: 'greet' }, {})).toEqual({ ok: true, output: 'hi' });
  });

  it('injects a secret into the command, and scrubs it (and its base64) from what comes back', async () => {
    const session = await runner.open(runContext(runbook(os.tmpdir())));
    const outcome = await session.call({ tool: 'leak' }, {});
    expect(outcome.ok).toBe(true);
    expect(outcome.output).toBe('[secret:TOKEN]\n[secret:TOKEN]');
  });

  it('scrubs a secret whole before cutting long output, so no part of it survives the cut', async () => {
    const session = await runner.open(runContext(runbook(os.tmpdir())));
    const outcome = await session.call({ tool: 'straddle' }, {});
    expect(outcome.output.startsWith('a'.repeat(65_530))).toBe(true);
    expect(outcome.output).toContain('…(output cut:');
    expect(outcome.output).not.toContain(TOKEN.slice(0, 5));
  });

  it('fails a call clearly, rather than throwing, when the program cannot take an argument', async () => {
    const session = await runner.open(runContext(runbook(os.tmpdir())));
    const outcome = await session.call({ tool: 'greet' }, { name: `nul\u0000${TOKEN}` });
    expect(outcome.ok).toBe(false);
    expect(outcome.output).toMatch(/^tool "greet" could not be called: /);
    expect(outcome.output).not.toContain(TOKEN);
  });

  it('fails the call clearly, without running it, when a secret is not configured', async () => {
    const session = await runner.open(runContext(runbook(os.tmpdir())));
    const outcome = await session.call({ tool: 'absent' }, {});
    expect(outcome.ok).toBe(false);
    expect(outcome.output).toMatch(/^tool "absent" could not be called: .*ABSENT/);
  });

  it('starts an agent workflow’s MCP server, offers its tools but not the denied ones, and scrubs what they return', async () => {
    const session = await runner.open(runContext(agent));
    try {
      const names = session.tools.map((tool) => tool.modelName);
      expect(names).toContain('everything__echo');
      expect(names).not.toContain('everything__get-sum');
      const echo = session.tools.find((tool) => tool.modelName === 'everything__echo');
      expect(echo).toMatchObject({ tool: 'everything', mcpTool: 'echo' });
      expect(echo?.inputSchema).toMatchObject({ type: 'object' });

      const env = await session.call({ tool: 'everything', mcpTool: 'get-env' }, {});
      expect(env.ok).toBe(true);
      expect(env.output).toContain('[secret:TOKEN]');
      expect(env.output).not.toContain(TOKEN);
    } finally {
      await session.close();
    }
  });

  it('does not start the MCP servers of a runbook', async () => {
    const withServer = `${runbook(os.tmpdir())}  - mcp: never
    server: { command: /nonexistent/mcp-server }
approval:
  approvers: { users: [U0LEAD] }
`;
    const session = await runner.open(runContext(withServer));
    expect(session.tools.map((tool) => tool.modelName)).toEqual([
      'where',
      'greet',
      'leak',
      'straddle',
      'absent',
    ]);
    await session.close();
  });
});
