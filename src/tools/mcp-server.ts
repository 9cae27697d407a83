import { stat } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  type CallToolResult,
  ErrorCode,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { ToolOutcome } from '../runs/ports';
import { capOutput } from './cap-output';
import { describeCallResult } from './mcp-call-result';
import { McpServerError } from './mcp-server-error';
import { McpStdioTransport } from './mcp-stdio-transport';
import { assignModelNames, type SkippedMcpTool } from './mcp-tool-names';

export { modelToolName, type SkippedMcpTool } from './mcp-tool-names';

/** How to start an MCP server, with its placeholders already filled in (secrets included). */
export interface McpServerSpec {
  command: string;
  args: string[];
  /** The server sees these and PATH, nothing else of the service's environment. */
  env: Record<string, string>;
  cwd?: string;
}

export interface OpenMcpServerOptions {
  /**
   * Time for the server to start, answer `initialize` and list its tools. Generous because
   * `npx -y` may first download the server. @defaultValue 30000
   */
  startTimeoutMs?: number;
  /** Aborting gives up the start and kills the server (the worker is shutting down). */
  signal?: AbortSignal;
  log?: Logger;
  /** How long close() lets the server exit after closing its stdin, before killing it. @defaultValue 2000 */
  closeGraceMs?: number;
}

/** A JSON Schema of an object, as the tool's arguments are described to the model. */
export interface ToolInputSchema {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  [key: string]: unknown;
}

export interface McpToolInfo {
  /** Its name on the server: what risk globs match, and what call() takes. */
  name: string;
  /** Its name for the model, `server__tool` (see modelToolName). */
  modelName: string;
  description?: string;
  inputSchema: ToolInputSchema;
}

export interface McpCallOptions {
  /** After this the request is cancelled and the call fails as timed out. */
  timeoutMs: number;
  /** Aborting cancels the request; the outcome is `aborted` (unknown), not a failure. */
  signal?: AbortSignal;
  /** Bytes of output kept; the rest is cut, with a marker. @defaultValue 65536 */
  maxOutputBytes?: number;
}

/** A running MCP server and its tools. */
export interface McpServerSession {
  readonly serverName: string;
  /** Its tools as listed at start (all pages), those the model can be offered. */
  readonly tools: readonly McpToolInfo[];
  /** Tools it listed that cannot be offered (no valid model name, or a call the SDK cannot make). */
  readonly skippedTools: readonly SkippedMcpTool[];
  /** The server's process id (for logs and tests). */
  readonly pid: number | undefined;
  /** The tool the model calls `modelName`, if any. */
  findTool(modelName: string): McpToolInfo | undefined;
  /** Calls a tool by its server name. Never throws: every failure is an outcome. */
  call(tool: string, args: Record<string, unknown>, options: McpCallOptions): Promise<ToolOutcome>;
  /** Stops the server and everything it started. Safe to call more than once. */
  close(): Promise<void>;
}

const CLIENT_INFO = { name: 'countersign', version: '0.1.0' };

/** Every page of the server's tools, within the start's deadline. */
async function listAllTools(client: Client, remaining: () => number, signal: AbortSignal) {
  const listed: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, {
      timeout: remaining(),
      signal,
    });
    listed.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return listed;
}

/** Why a start failed, told from what the process and the protocol did. */
function startFailure(
  error: unknown,
  transport: McpStdioTransport,
  spec: McpServerSpec,
  startTimeoutMs: number,
  fail: (code: McpServerError['code'], reason: string, stderr?: string) => McpServerError,
  aborted: boolean,
): McpServerError {
  const stderr = transport.stderrTail();
  const exit = transport.exit;
  if (aborted) return fail('MCP_ABORTED', 'the start was aborted', stderr);
  if (exit !== undefined && 'spawnError' in exit) {
    const hint = exit.spawnError === 'ENOENT' ? ' (command not found)' : '';
    return fail('MCP_SPAWN_FAILED', `could not start ${spec.command}: ${exit.spawnError}${hint}`);
  }
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    const within = `${startTimeoutMs / 1000}s`;
    return fail(
      'MCP_START_TIMEOUT',
      `did not answer initialize and list its tools within ${within}`,
      stderr,
    );
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed && exit) {
    return fail('MCP_EXITED', `exited (${describeExit(exit)}) before it was ready`, stderr);
  }
  const why = transport.broken ?? messageOf(error);
  return fail('MCP_PROTOCOL', `did not start as an MCP server: ${why}`, stderr);
}

/** The listed tools the model can be offered, and those skipped (each logged) with why. */
function offerable(serverName: string, listed: Tool[], log: Logger | undefined) {
  const callable = listed.filter((tool) => tool.execution?.taskSupport !== 'required');
  const { named, skipped } = assignModelNames(serverName, callable);
  for (const tool of listed) {
    if (tool.execution?.taskSupport === 'required') {
      skipped.push({
        name: tool.name,
        reason: 'it can only run as a task, which is not supported',
      });
    }
  }
  for (const tool of skipped) {
    log?.warn({ tool: tool.name, reason: tool.reason }, 'MCP tool skipped');
  }
  const tools: McpToolInfo[] = named.map((tool) => ({
    name: tool.name,
    modelName: tool.modelName,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    inputSchema: tool.inputSchema,
  }));
  return { tools, skipped };
}

/**
 * Starts an MCP server over stdio, initializes it and lists its tools.
 * @throws McpServerError when it cannot be started, exits, or does not answer in time.
 */
export async function openMcpServer(
  serverName: string,
  spec: McpServerSpec,
  options: OpenMcpServerOptions = {},
): Promise<McpServerSession> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const fail = (code: McpServerError['code'], reason: string, stderr = '') =>
    new McpServerError(serverName, code, reason, stderr);
  if (options.signal?.aborted) throw fail('MCP_ABORTED', 'the start was aborted');
  if (spec.cwd !== undefined && !(await isDirectory(spec.cwd))) {
    throw fail('MCP_SPAWN_FAILED', `its working directory ${spec.cwd} does not exist`);
  }
  const transport = new McpStdioTransport(
    {
      command: spec.command,
      args: spec.args,
      // Never the service's own environment: it holds the Slack token and the audit key.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
    },
    options.closeGraceMs !== undefined ? { closeGraceMs: options.closeGraceMs } : {},
  );
  // No capabilities: the server may not ask us for sampling, roots or elicitation.
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  const log = options.log?.child({ mcpServer: serverName });
  client.onerror = (error) => log?.warn({ err: error.message }, 'MCP server protocol error');
  const deadline = Date.now() + startTimeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const start = linkedAbort(options.signal);
  let listed: Tool[];
  try {
    await client.connect(transport, { timeout: remaining(), signal: start.signal });
    listed = await listAllTools(client, remaining, start.signal);
  } catch (error) {
    await transport.kill();
    const aborted = options.signal?.aborted === true;
    throw startFailure(error, transport, spec, startTimeoutMs, fail, aborted);
  } finally {
    start.unlink();
  }
  const { tools, skipped } = offerable(serverName, listed, log);
  log?.info({ pid: transport.pid, tools: tools.length }, 'MCP server started');
  return new StdioMcpSession(serverName, client, transport, tools, skipped, log);
}

type SessionState = 'open' | 'dead' | 'closed';

class StdioMcpSession implements McpServerSession {
  private state: SessionState = 'open';
  private closing: Promise<void> | undefined;
  private readonly byModelName: Map<string, McpToolInfo>;

  constructor(
    readonly serverName: string,
    private readonly client: Client,
    private readonly transport: McpStdioTransport,
    readonly tools: readonly McpToolInfo[],
    readonly skippedTools: readonly SkippedMcpTool[],
    private readonly log: Logger | undefined,
  ) {
    this.byModelName = new Map(tools.map((tool) => [tool.modelName, tool]));
    // The client's onclose runs before it fails the calls in flight, so they see the state.
    client.onclose = () => {
      if (this.state !== 'open') return;
      this.state = 'dead';
      log?.warn({ exit: this.transport.exit, why: this.transport.broken }, 'MCP server died');
    };
    // It may have died between listing its tools and now.
    if (transport.exit !== undefined) this.state = 'dead';
  }

  get pid(): number | undefined {
    return this.transport.pid;
  }

  findTool(modelName: string): McpToolInfo | undefined {
    return this.byModelName.get(modelName);
  }

  async call(
    tool: string,
    args: Record<string, unknown>,
    options: McpCallOptions,
  ): Promise<ToolOutcome> {
    const maxBytes = options.maxOutputBytes ?? 65_536;
    if (this.state !== 'open') return { ok: false, output: this.whyNotRunning() };
    if (options.signal?.aborted) return { ok: false, aborted: true, output: 'aborted' };
    const request = linkedAbort(options.signal);
    try {
      const result = await this.client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: options.timeoutMs,
        maxTotalTimeout: options.timeoutMs,
        signal: request.signal,
      });
      // Parsed with the default CallToolResultSchema; the type also allows a legacy shape.
      const { ok, text } = describeCallResult(result as CallToolResult);
      return { ok, output: capOutput(text, maxBytes) };
    } catch (error) {
      if (options.signal?.aborted) return { ok: false, aborted: true, output: 'aborted' };
      if (this.state !== 'open')
        return { ok: false, output: this.whyNotRunning('during the call') };
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        return { ok: false, output: `timed out after ${options.timeoutMs / 1000}s` };
      }
      return { ok: false, output: capOutput(describeCallError(error), maxBytes) };
    } finally {
      request.unlink();
    }
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      if (this.state === 'open') this.state = 'closed';
      this.closing = this.client.close().then(() => this.log?.debug('MCP server closed'));
    }
    return this.closing;
  }

  /** `when`: 'during the call' for a call it was answering, else it was gone before. */
  private whyNotRunning(when = 'before the call'): string {
    const server = `MCP server "${this.serverName}"`;
    if (this.state === 'closed') return `${server} was closed ${when}`;
    const exit = this.transport.exit;
    const how = this.transport.broken ?? (exit ? `it exited (${describeExit(exit)})` : 'it died');
    const stderr = this.transport.stderrTail();
    return `${server} stopped ${when}: ${how}${stderr ? `\nits stderr ended with:\n${stderr}` : ''}`;
  }
}

/**
 * A signal of our own that follows `outer`. The SDK never removes the listener it adds to a
 * request's signal, so handing it a long-lived one (a worker's) would pile listeners up on it.
 */
function linkedAbort(outer: AbortSignal | undefined): { signal: AbortSignal; unlink: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, unlink: () => outer?.removeEventListener('abort', onAbort) };
}

function describeExit(exit: NonNullable<McpStdioTransport['exit']>): string {
  if ('spawnError' in exit) return `could not start: ${exit.spawnError}`;
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? '?'}`;
}

/** An McpError the server sent says "MCP error -32602: " twice: once from each side's SDK. */
function describeCallError(error: unknown): string {
  if (!(error instanceof McpError)) return messageOf(error);
  return `MCP error ${error.code}: ${error.message.replace(/^(MCP error -?\d+: )+/, '')}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
