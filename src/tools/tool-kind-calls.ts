import type { Logger } from 'pino';
import type { ToolDescriptor, ToolOutcome, ToolRunContext } from '../runs/ports';
import { templateInputs } from '../runs/run';
import type { CallTarget } from '../workflows/call-target';
import type { CommandToolSpec, ToolKind, ToolOfKind, ToolSpec } from '../workflows/manifest-schema';
import { secretsUsedBy } from '../workflows/manifest-tools';
import { renderTemplate, type TemplateScopes } from '../workflows/template';
import { withKind } from '../workflows/tool-kinds';
import { callHttpTool } from './http-tool';
import { type McpServerSession, openMcpServer } from './mcp-server';
import { runCommand } from './run-command';
import type { SecretBroker } from './secret-broker';

/** How long one call of an MCP tool may take (the manifest has no per-tool setting for it). */
const MCP_CALL_TIMEOUT_MS = 120_000;

/** What a tool may return before it is scrubbed and cut (manifest-tool-runner.ts says why). */
export const RAW_OUTPUT_BYTES = 1_048_576;

const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {} };

/** What a kind needs of the tool runner around it. */
export interface KindCallDeps {
  /** Resolves secret values at the moment a tool runs, never earlier. */
  secrets: SecretBroker;
  log: Logger;
}

/** One call of a tool: its run, what it calls with which arguments, and what was started for it. */
export interface KindCall {
  run: ToolRunContext;
  target: CallTarget;
  args: Record<string, unknown>;
  /** The server started for the tool when the attempt opened, for a kind that starts one. */
  server: McpServerSession | undefined;
  signal: AbortSignal | undefined;
}

/**
 * How one kind of tool is called; what a kind means in the manifest is in
 * workflows/tool-kinds.ts. Outputs come back unscrubbed: the runner scrubs them all in one place.
 */
export interface ToolKindCalls<K extends ToolKind> {
  /**
   * Started when an agent run's attempt opens, closed when it closes (an MCP server, to list and
   * call its tools); undefined: nothing is started. A runbook starts nothing.
   */
  start:
    | ((
        tool: ToolOfKind<K>,
        run: ToolRunContext,
        deps: KindCallDeps,
        signal?: AbortSignal,
      ) => Promise<McpServerSession>)
    | undefined;
  /** What the model is offered of it. */
  offer(tool: ToolOfKind<K>, server: McpServerSession | undefined): ToolDescriptor[];
  call(tool: ToolOfKind<K>, call: KindCall, deps: KindCallDeps): Promise<ToolOutcome>;
}

/** A command or http tool is offered to the model as itself, with its input_schema. */
function offerOneTool(tool: ToolOfKind<'command' | 'http'>): ToolDescriptor[] {
  return [
    {
      modelName: tool.name,
      tool: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      inputSchema: tool.input_schema ?? EMPTY_OBJECT_SCHEMA,
    },
  ];
}

/** The placeholder values of a command or http tool's call, its secrets resolved now. */
async function callScopes(
  tool: ToolOfKind<'command' | 'http'>,
  call: KindCall,
  deps: KindCallDeps,
) {
  const secrets = await deps.secrets.resolve(secretsUsedBy(tool));
  return { inputs: templateInputs(call.run), args: call.args, secrets };
}

const TOOL_KIND_CALLS: { [K in ToolKind]: ToolKindCalls<K> } = {
  command: {
    start: undefined,
    offer: offerOneTool,
    async call(tool, call, deps) {
      const scopes = await callScopes(tool, call, deps);
      // As in http tools, an optional argument the call left out is filled in as empty text.
      const declared = Object.keys(
        (tool.input_schema?.properties as Record<string, unknown> | undefined) ?? {},
      );
      const args = {
        ...Object.fromEntries(declared.map((name) => [name, undefined])),
        ...call.args,
      };
      return callCommand(tool, { ...scopes, args }, call.signal);
    },
  },
  http: {
    start: undefined,
    offer: offerOneTool,
    async call(tool, call, deps) {
      return callHttpTool(tool.http, await callScopes(tool, call, deps), {
        maxResponseBytes: RAW_OUTPUT_BYTES,
        ...(call.signal ? { signal: call.signal } : {}),
      });
    },
  },
  mcp: {
    start: startMcpServer,
    offer: (tool, server) =>
      (server?.tools ?? []).map((listed) => ({
        modelName: listed.modelName,
        tool: tool.mcp,
        mcpTool: listed.name,
        ...(listed.description ? { description: listed.description } : {}),
        // The dialect a server names (often draft-07) is left out: the keywords read the same.
        inputSchema: withoutDialect(listed.inputSchema as Record<string, unknown>),
      })),
    async call(tool, { server, target, args, signal }) {
      if (server === undefined || target.mcpTool === undefined) {
        return { ok: false, output: `MCP server "${tool.mcp}" is not running for this call` };
      }
      return server.call(target.mcpTool, args, {
        timeoutMs: MCP_CALL_TIMEOUT_MS,
        maxOutputBytes: RAW_OUTPUT_BYTES,
        ...(signal ? { signal } : {}),
      });
    },
  },
};

/** The calls of a tool's kind, applied to the tool. */
export interface CallsOfTool {
  start:
    | ((run: ToolRunContext, deps: KindCallDeps, signal?: AbortSignal) => Promise<McpServerSession>)
    | undefined;
  offer(server: McpServerSession | undefined): ToolDescriptor[];
  call(call: KindCall, deps: KindCallDeps): Promise<ToolOutcome>;
}

function applied<K extends ToolKind>(kind: K, tool: ToolOfKind<K>): CallsOfTool {
  const calls: ToolKindCalls<K> = TOOL_KIND_CALLS[kind];
  const start = calls.start;
  return {
    start: start && ((run, deps, signal) => start(tool, run, deps, signal)),
    offer: (server) => calls.offer(tool, server),
    call: (call, deps) => calls.call(tool, call, deps),
  };
}

export const callsOf = (tool: ToolSpec): CallsOfTool => withKind(tool, applied);

async function startMcpServer(
  tool: ToolOfKind<'mcp'>,
  run: ToolRunContext,
  deps: KindCallDeps,
  signal?: AbortSignal,
): Promise<McpServerSession> {
  const secrets = await deps.secrets.resolve(secretsUsedBy(tool));
  const render = (text: string) => renderTemplate(text, { inputs: templateInputs(run), secrets });
  return openMcpServer(
    tool.mcp,
    {
      command: tool.server.command,
      args: tool.server.args.map(render),
      env: Object.fromEntries(
        Object.entries(tool.server.env ?? {}).map(([name, value]) => [name, render(value)]),
      ),
      ...(tool.server.cwd ? { cwd: tool.server.cwd } : {}),
    },
    { ...(signal ? { signal } : {}), log: deps.log },
  );
}

async function callCommand(
  tool: CommandToolSpec,
  scopes: TemplateScopes,
  signal?: AbortSignal,
): Promise<ToolOutcome> {
  const render = (text: string) => renderTemplate(text, scopes);
  const result = await runCommand({
    argv: tool.command.argv.map(render),
    env: Object.fromEntries(
      Object.entries(tool.command.env ?? {}).map(([name, value]) => [name, render(value)]),
    ),
    // Written out in the manifest (validation refuses placeholders there).
    ...(tool.command.cwd ? { cwd: tool.command.cwd } : {}),
    timeoutMs: tool.command.timeout,
    outputLimit: RAW_OUTPUT_BYTES,
    ...(signal ? { signal } : {}),
  });
  if (result.aborted) return { ok: false, aborted: true, output: result.output };
  if (result.spawnError !== undefined) {
    return { ok: false, output: `could not start ${tool.command.argv[0]}: ${result.spawnError}` };
  }
  if (result.timedOut) {
    return {
      ok: false,
      output: `timed out after ${tool.command.timeout / 1000}s\n${result.output}`,
    };
  }
  if (result.exitCode !== 0) {
    const how = result.signal
      ? `killed by ${result.signal}`
      : `exit code ${result.exitCode ?? '?'}`;
    return { ok: false, output: `${how}\n${result.output}`.trim() };
  }
  return { ok: true, output: result.output.trimEnd() };
}

function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
