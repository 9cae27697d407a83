import type { Logger } from 'pino';
import { decideToolCall } from '../policy/tool-call-policy';
import {
  type ToolCallTarget,
  type ToolDescriptor,
  type ToolOutcome,
  type ToolRunContext,
  type ToolRunner,
  type ToolSession,
  ToolSetupError,
} from '../runs/ports';
import { templateInputs } from '../runs/run';
import type { Redactor } from '../shared/redactor';
import type { McpToolSpec, ToolSpec } from '../workflows/manifest-schema';
import { findTool, secretsUsedBy } from '../workflows/manifest-tools';
import { renderTemplate, TemplateError } from '../workflows/template';
import { capOutput } from './cap-output';
import { callHttpTool } from './http-tool';
import { type McpServerSession, openMcpServer } from './mcp-server';
import { McpServerError } from './mcp-server-error';
import { MissingSecretError } from './missing-secret-error';
import { runCommand } from './run-command';
import type { SecretBroker } from './secret-broker';
import { SecretsFileError } from './secrets-file-error';

/** How long one call of an MCP tool may take (the manifest has no per-tool setting for it). */
const MCP_CALL_TIMEOUT_MS = 120_000;

/**
 * What a call's output may be once scrubbed: the model, the thread and the record see at most this.
 * Tools read up to RAW_OUTPUT_BYTES, so a secret that straddles this cut was scrubbed whole first.
 */
const OUTPUT_BYTES = 65_536;
const RAW_OUTPUT_BYTES = 1_048_576;

const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {} };

export interface ManifestToolRunnerDeps {
  /** Resolves secret values at the moment a tool runs, never earlier. */
  secrets: SecretBroker;
  /** Scrubs every secret value from what the tools return: the model, Slack and the record see only that. */
  redactor: Redactor;
  log: Logger;
}

/**
 * Executes a run's tools as its manifest defines them: command and http tools per call, MCP
 * servers for the length of an attempt. This is the one place tool outputs leave the tools, so
 * secrets are scrubbed here.
 */
export class ManifestToolRunner implements ToolRunner {
  constructor(private readonly deps: ManifestToolRunnerDeps) {}

  async open(run: ToolRunContext, signal?: AbortSignal): Promise<ToolSession> {
    const servers = new Map<string, McpServerSession>();
    try {
      // A runbook calls command and http tools only; its MCP servers are not started.
      if (run.manifest.agent !== undefined) {
        for (const tool of run.manifest.tools) {
          if (!('mcp' in tool)) continue;
          servers.set(tool.mcp, await this.startServer(run, tool, signal));
        }
      }
    } catch (error) {
      await Promise.allSettled([...servers.values()].map((server) => server.close()));
      const retryable =
        error instanceof McpServerError &&
        (error.code === 'MCP_START_TIMEOUT' || error.code === 'MCP_ABORTED');
      throw new ToolSetupError(this.deps.redactor.scrub((error as Error).message), retryable);
    }
    return new ManifestToolSession(run, servers, this.deps);
  }

  private async startServer(
    run: ToolRunContext,
    tool: McpToolSpec,
    signal?: AbortSignal,
  ): Promise<McpServerSession> {
    const secrets = await this.deps.secrets.resolve(secretsUsedBy(tool));
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
      { ...(signal ? { signal } : {}), log: this.deps.log },
    );
  }
}

class ManifestToolSession implements ToolSession {
  readonly tools: ToolDescriptor[];
  /** Every tool by its model name, the denied ones too, so a call of one is refused by its rule. */
  private readonly byModelName = new Map<string, ToolDescriptor>();

  constructor(
    private readonly run: ToolRunContext,
    private readonly servers: ReadonlyMap<string, McpServerSession>,
    private readonly deps: ManifestToolRunnerDeps,
  ) {
    const all = run.manifest.tools.flatMap((tool): ToolDescriptor[] => {
      if (!('mcp' in tool)) {
        return [
          {
            modelName: tool.name,
            tool: tool.name,
            ...(tool.description ? { description: tool.description } : {}),
            inputSchema: tool.input_schema ?? EMPTY_OBJECT_SCHEMA,
          },
        ];
      }
      return (servers.get(tool.mcp)?.tools ?? []).map((listed) => ({
        modelName: listed.modelName,
        tool: tool.mcp,
        mcpTool: listed.name,
        ...(listed.description ? { description: listed.description } : {}),
        // The dialect a server names (often draft-07) is left out: the keywords read the same.
        inputSchema: withoutDialect(listed.inputSchema as Record<string, unknown>),
      }));
    });
    // Two servers (or a command tool named like `x__y`) may claim one model name: keep the first.
    for (const tool of all) {
      if (this.byModelName.has(tool.modelName)) {
        deps.log.warn(
          { tool: tool.modelName },
          'two tools share a model name; the later is left out',
        );
      } else this.byModelName.set(tool.modelName, tool);
    }
    // A tool the rules deny is not offered to the model at all (the gate refuses it anyway).
    this.tools = [...this.byModelName.values()].filter(
      (tool) => decideToolCall(run.manifest, tool.tool, tool.mcpTool).decision !== 'deny',
    );
  }

  find(modelName: string): ToolDescriptor | undefined {
    return this.byModelName.get(modelName);
  }

  async call(
    target: ToolCallTarget,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolOutcome> {
    let outcome: ToolOutcome;
    try {
      outcome = await this.callUnscrubbed(target, args, signal);
    } catch (error) {
      // Whatever went wrong, the call ends here as failed: its message may quote a rendered value.
      this.deps.log.warn({ err: error, tool: target.tool }, 'tool call threw');
      outcome = {
        ok: false,
        output: `tool "${target.tool}" could not be called: ${(error as Error).message}`,
      };
    }
    // Scrubbed whole, then cut: a cut first could leave part of a secret no scrubber recognises.
    return {
      ...outcome,
      output: capOutput(this.deps.redactor.scrub(outcome.output), OUTPUT_BYTES),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.servers.values()].map((server) => server.close()));
  }

  private async callUnscrubbed(
    target: ToolCallTarget,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolOutcome> {
    const tool = findTool(this.run.manifest, target.tool);
    if (tool === undefined) {
      return { ok: false, output: `no tool named "${target.tool}" in ${this.run.workflow}` };
    }
    try {
      if ('mcp' in tool) {
        const server = this.servers.get(tool.mcp);
        if (server === undefined || target.mcpTool === undefined) {
          return { ok: false, output: `MCP server "${tool.mcp}" is not running for this call` };
        }
        return await server.call(target.mcpTool, args, {
          timeoutMs: MCP_CALL_TIMEOUT_MS,
          maxOutputBytes: RAW_OUTPUT_BYTES,
          ...(signal ? { signal } : {}),
        });
      }
      const secrets = await this.deps.secrets.resolve(secretsUsedBy(tool));
      const scopes = { inputs: templateInputs(this.run), args, secrets };
      if ('http' in tool) {
        return await callHttpTool(tool.http, scopes, {
          maxResponseBytes: RAW_OUTPUT_BYTES,
          ...(signal ? { signal } : {}),
        });
      }
      // As in http tools, an optional argument the call left out is filled in as empty text.
      const declared = Object.keys(
        (tool.input_schema?.properties as Record<string, unknown> | undefined) ?? {},
      );
      const allArgs = { ...Object.fromEntries(declared.map((name) => [name, undefined])), ...args };
      return await this.callCommand(tool, { ...scopes, args: allArgs }, signal);
    } catch (error) {
      // A secret that is not configured, or an optional argument the call left out.
      if (
        error instanceof MissingSecretError ||
        error instanceof SecretsFileError ||
        error instanceof TemplateError
      ) {
        return { ok: false, output: `tool "${target.tool}" could not be called: ${error.message}` };
      }
      throw error;
    }
  }

  private async callCommand(
    tool: Extract<ToolSpec, { command: unknown }>,
    scopes: Parameters<typeof renderTemplate>[1],
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
}

function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
