import type { Logger } from 'pino';
import { decideToolCall } from '../policy/tool-call-policy';
import {
  type ToolDescriptor,
  type ToolOutcome,
  type ToolRunContext,
  type ToolRunner,
  type ToolSession,
  ToolSetupError,
} from '../runs/ports';
import type { Redactor } from '../shared/redactor';
import type { CallTarget } from '../workflows/call-target';
import { findTool, toolName } from '../workflows/manifest-tools';
import { TemplateError } from '../workflows/template';
import { capOutput } from './cap-output';
import type { McpServerSession } from './mcp-server';
import { McpServerError } from './mcp-server-error';
import { MissingSecretError } from './missing-secret-error';
import type { SecretBroker } from './secret-broker';
import { SecretsFileError } from './secrets-file-error';
import { callsOf } from './tool-kind-calls';

/**
 * What a call's output may be once scrubbed: the model, the thread and the record see at most this.
 * Tools read up to RAW_OUTPUT_BYTES (tool-kind-calls.ts), so a secret that straddles this cut was
 * scrubbed whole first.
 */
const OUTPUT_BYTES = 65_536;

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
    const started = new Map<string, McpServerSession>();
    try {
      // A runbook's steps call only tools that start nothing (an MCP server is the model's).
      if (run.manifest.agent !== undefined) {
        for (const tool of run.manifest.tools) {
          const start = callsOf(tool).start;
          if (start) started.set(toolName(tool), await start(run, this.deps, signal));
        }
      }
    } catch (error) {
      await Promise.allSettled([...started.values()].map((server) => server.close()));
      const retryable =
        error instanceof McpServerError &&
        (error.code === 'MCP_START_TIMEOUT' || error.code === 'MCP_ABORTED');
      throw new ToolSetupError(this.deps.redactor.scrub((error as Error).message), retryable);
    }
    return new ManifestToolSession(run, started, this.deps);
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
    const all = run.manifest.tools.flatMap((tool) =>
      callsOf(tool).offer(servers.get(toolName(tool))),
    );
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
      (tool) => decideToolCall(run.manifest, tool).decision !== 'deny',
    );
  }

  find(modelName: string): ToolDescriptor | undefined {
    return this.byModelName.get(modelName);
  }

  async call(
    target: CallTarget,
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
    target: CallTarget,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolOutcome> {
    const tool = findTool(this.run.manifest, target.tool);
    if (tool === undefined) {
      return { ok: false, output: `no tool named "${target.tool}" in ${this.run.workflow}` };
    }
    try {
      const call = { run: this.run, target, args, server: this.servers.get(target.tool), signal };
      return await callsOf(tool).call(call, this.deps);
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
}
