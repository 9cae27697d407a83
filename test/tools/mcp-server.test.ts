import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type McpServerSession,
  type McpServerSpec,
  modelToolName,
  openMcpServer,
} from '../../src/tools/mcp-server';
import { McpServerError } from '../../src/tools/mcp-server-error';
import { isAlive, waitUntilDead } from '../support/processes';

const node = process.execPath;
const everythingScript = join(
  __dirname,
  '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);
const fixtures = join(__dirname, '../fixtures/mcp');
const everything = (env: Record<string, string> = {}): McpServerSpec => ({
  command: node,
  args: [everythingScript, 'stdio'],
  env,
});

async function startFailure(promise: Promise<unknown>): Promise<McpServerError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(McpServerError);
  return error as McpServerError;
}

describe('an MCP server from npm (server-everything over stdio)', () => {
  let session: McpServerSession;

  beforeAll(async () => {
    // The service's own environment holds its credentials; none of it may reach the server.
    process.env.COUNTERSIGN_TEST_LEAK = '1';
    session = await openMcpServer('everything', everything({ GREETING: 'from the manifest' }), {
      startTimeoutMs: 15_000,
    });
  });

  afterAll(async () => {
    delete process.env.COUNTERSIGN_TEST_LEAK;
    await session.close();
  });

  it('lists its tools with their input schemas, named server__tool for the model', () => {
    const sum = session.tools.find((tool) => tool.name === 'get-sum');
    expect(sum).toMatchObject({
      modelName: 'everything__get-sum',
      description: expect.any(String),
      inputSchema: {
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      },
    });
    expect(session.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'get-env', 'trigger-long-running-operation']),
    );
    expect(session.findTool('everything__get-sum')).toBe(sum);
    expect(session.findTool('get-sum')).toBeUndefined();
  });

  it('leaves out a tool that can only run as a task, saying why', () => {
    expect(session.tools.map((tool) => tool.name)).not.toContain('simulate-research-query');
    expect(session.skippedTools).toEqual([
      { name: 'simulate-research-query', reason: expect.stringContaining('task') },
    ]);
  });

  it('calls a tool and returns its text', async () => {
    const outcome = await session.call('echo', { message: 'hello, world' }, { timeoutMs: 5_000 });
    expect(outcome).toEqual({ ok: true, output: 'Echo: hello, world' });
  });

  it('passes typed arguments to the tool', async () => {
    const outcome = await session.call('get-sum', { a: 2, b: 40 }, { timeoutMs: 5_000 });
    expect(outcome).toEqual({ ok: true, output: 'The sum of 2 and 40 is 42.' });
  });

  it("gives the server only PATH and the manifest's env, nothing of the service's environment", async () => {
    const outcome = await session.call('get-env', {}, { timeoutMs: 5_000 });
    expect(outcome.ok).toBe(true);
    const env = JSON.parse(outcome.output) as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(['GREETING', 'PATH']);
    expect(env.GREETING).toBe('from the manifest');
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('describes an image to the model rather than passing its base64 data', async () => {
    const outcome = await session.call('get-tiny-image', {}, { timeoutMs: 5_000 });
    expect(outcome.ok).toBe(true);
    expect(outcome.output).toMatch(/^\[image: image\/png, \d+ bytes\]$/m);
    expect(outcome.output).not.toMatch(/[A-Za-z0-9+/]{100}/);
  });

  it("gives an embedded resource's uri and text, and a resource link's uri", async () => {
    const reference = await session.call(
      'get-resource-reference',
      { resourceType: 'Text', resourceId: 1 },
      { timeoutMs: 5_000 },
    );
    expect(reference.output).toMatch(
      /\[resource: demo:\/\/resource\/dynamic\/text\/1\]\nResource 1:/,
    );
    const links = await session.call('get-resource-links', { count: 2 }, { timeoutMs: 5_000 });
    expect(links.output).toContain('[resource link: demo://resource/dynamic/text/2');
  });

  it("reports a tool the server does not have as a failed call, with the server's message", async () => {
    const outcome = await session.call('no-such-tool', {}, { timeoutMs: 5_000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.output).toContain('no-such-tool');
    expect(outcome.output).toMatch(/not found/);
  });

  it('reports arguments the tool refuses as a failed call', async () => {
    const outcome = await session.call('get-sum', { a: 'two' }, { timeoutMs: 5_000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.output).toMatch(/expected number/);
  });

  it('cuts output past maxOutputBytes, with a marker, never inside a character', async () => {
    const outcome = await session.call(
      'echo',
      { message: 'é'.repeat(50_000) },
      { timeoutMs: 5_000, maxOutputBytes: 1_001 },
    );
    expect(outcome.ok).toBe(true);
    const [kept, marker] = outcome.output.split('\n…');
    expect(Buffer.byteLength(kept ?? '')).toBeLessThanOrEqual(1_001);
    expect(kept).toMatch(/^Echo: é+$/);
    expect(marker).toMatch(/^\(output cut: \d+ bytes not shown\)$/);
  });

  it('gives up on a call after its timeout, and the server still answers the next one', async () => {
    const started = Date.now();
    const outcome = await session.call(
      'trigger-long-running-operation',
      { duration: 60, steps: 60 },
      { timeoutMs: 500 },
    );
    expect(outcome).toEqual({ ok: false, output: 'timed out after 0.5s' });
    expect(Date.now() - started).toBeLessThan(2_000);
    const next = await session.call('echo', { message: 'still here' }, { timeoutMs: 5_000 });
    expect(next).toEqual({ ok: true, output: 'Echo: still here' });
  });

  it('stops a call when its signal aborts, as an aborted outcome rather than a failure', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const outcome = await session.call(
      'trigger-long-running-operation',
      { duration: 60, steps: 60 },
      { timeoutMs: 30_000, signal: controller.signal },
    );
    expect(outcome).toMatchObject({ ok: false, aborted: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('tool names for the model', () => {
  it('joins server and tool with __, replacing what the Anthropic API refuses', () => {
    expect(modelToolName('github', 'list_issues')).toBe('github__list_issues');
    expect(modelToolName('fs', 'files.read/all now')).toBe('fs__files_read_all_now');
    expect(modelToolName('fs', 'x'.repeat(130))).toBeUndefined();
    expect(modelToolName('fs', '')).toBeUndefined();
  });

  it('reads every page of the tool list and offers only names that cannot be confused', async () => {
    const session = await openMcpServer('fx', {
      command: node,
      args: [join(fixtures, 'paged-tools-server.js')],
      env: {},
    });
    try {
      // Six tools, listed two to a page.
      expect(session.tools.map((tool) => [tool.name, tool.modelName])).toEqual([
        ['list_files', 'fx__list_files'],
        ['files_read', 'fx__files_read'],
      ]);
      // "files.read" would be called like "files_read"; "a/b" and "a.b" like each other.
      expect(session.skippedTools.map((tool) => tool.name).sort()).toEqual(
        ['a.b', 'a/b', 'files.read', 'x'.repeat(130)].sort(),
      );
      const called = session.findTool('fx__files_read');
      expect(await session.call(called?.name ?? '', {}, { timeoutMs: 5_000 })).toEqual({
        ok: true,
        output: 'called files_read',
      });
    } finally {
      await session.close();
    }
  });

  it('reports a JSON-RPC error from the server as a failed call with its message', async () => {
    const session = await openMcpServer('fx', {
      command: node,
      args: [join(fixtures, 'paged-tools-server.js')],
      env: {},
    });
    try {
      const outcome = await session.call('nope', {}, { timeoutMs: 5_000 });
      expect(outcome).toEqual({ ok: false, output: 'MCP error -32602: Unknown tool: nope' });
    } finally {
      await session.close();
    }
  });
});

describe('starting an MCP server', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-server-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails at once with McpServerError when the command does not exist', async () => {
    const started = Date.now();
    const error = await startFailure(
      openMcpServer('ghost', { command: 'no-such-mcp-server-xyz', args: [], env: {} }),
    );
    expect(error.code).toBe('MCP_SPAWN_FAILED');
    expect(error.message).toBe(
      'MCP server "ghost": could not start no-such-mcp-server-xyz: ENOENT (command not found)',
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails naming the working directory when it does not exist', async () => {
    const error = await startFailure(
      openMcpServer('everything', { ...everything(), cwd: join(dir, 'missing') }),
    );
    expect(error.code).toBe('MCP_SPAWN_FAILED');
    expect(error.message).toContain(`working directory ${join(dir, 'missing')} does not exist`);
  });

  it('fails with the exit code and the end of stderr when the server exits at once', async () => {
    const script = 'console.error("GITHUB_TOKEN is not set"); process.exit(3)';
    const error = await startFailure(
      openMcpServer('github', { command: node, args: ['-e', script], env: {} }),
    );
    expect(error.code).toBe('MCP_EXITED');
    expect(error.message).toBe(
      'MCP server "github": exited (exit code 3) before it was ready\nits stderr ended with:\nGITHUB_TOKEN is not set',
    );
    expect(error.stderrTail).toBe('GITHUB_TOKEN is not set');
  });

  it('gives up on a server that never answers initialize, and kills it', async () => {
    const pidFile = join(dir, 'pid');
    // Reads its stdin, says nothing, and does not even exit when stdin closes.
    const script = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); process.stdin.resume(); setInterval(() => {}, 1000)`;
    const started = Date.now();
    const error = await startFailure(
      openMcpServer(
        'silent',
        { command: node, args: ['-e', script], env: {} },
        { startTimeoutMs: 500 },
      ),
    );
    expect(error.code).toBe('MCP_START_TIMEOUT');
    expect(error.message).toBe(
      'MCP server "silent": did not answer initialize and list its tools within 0.5s',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await waitUntilDead(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('stops starting when its signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await startFailure(
      openMcpServer(
        'silent',
        { command: node, args: ['-e', 'process.stdin.resume()'], env: {} },
        { startTimeoutMs: 10_000, signal: controller.signal },
      ),
    );
    expect(error.code).toBe('MCP_ABORTED');
  });
});

describe('the life of an MCP server process', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-server-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends when the session closes; closing twice is harmless, and later calls fail', async () => {
    const session = await openMcpServer('everything', everything());
    const pid = session.pid ?? 0;
    expect(isAlive(pid)).toBe(true);
    await session.close();
    expect(await waitUntilDead(pid, 100)).toBe(true);
    await session.close();
    expect(await session.call('echo', { message: 'hi' }, { timeoutMs: 1_000 })).toEqual({
      ok: false,
      output: 'MCP server "everything" was closed before the call',
    });
  });

  it('takes down what the server started when it does not exit after its stdin closes', async () => {
    const pidFile = join(dir, 'helper.pid');
    const session = await openMcpServer(
      'wrapped',
      {
        command: node,
        args: [join(fixtures, 'wrapper-server.js')],
        env: { HELPER_PID_FILE: pidFile, SERVER_SCRIPT: everythingScript },
      },
      { closeGraceMs: 300 },
    );
    const helper = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(helper)).toBe(true);
    const started = Date.now();
    await session.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await waitUntilDead(session.pid ?? 0, 100)).toBe(true);
    expect(await waitUntilDead(helper)).toBe(true);
  });

  it('fails a call clearly when the server dies during it, and later calls at once', async () => {
    const session = await openMcpServer('everything', everything());
    try {
      const call = session.call(
        'trigger-long-running-operation',
        { duration: 60, steps: 60 },
        { timeoutMs: 30_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.kill(session.pid ?? 0, 'SIGKILL');
      const outcome = await call;
      expect(outcome.ok).toBe(false);
      expect(outcome.output).toMatch(
        /^MCP server "everything" stopped during the call: it exited \(killed by SIGKILL\)/,
      );
      const started = Date.now();
      const later = await session.call('echo', { message: 'hi' }, { timeoutMs: 5_000 });
      expect(later.output).toMatch(/^MCP server "everything" stopped before the call/);
      expect(Date.now() - started).toBeLessThan(200);
    } finally {
      await session.close();
    }
  });
});
