import { usesSecrets } from '../policy/tool-call-policy';
import type { ToolOutcome, ToolRunContext, ToolRunner } from '../runs/ports';
import { templateInputs } from '../runs/run';
import { findTool } from '../workflows/manifest-tools';
import { renderTemplate, TemplateError } from '../workflows/template';
import { runCommand } from './run-command';

/** Executes a run's tools as its manifest defines them. */
export class ManifestToolRunner implements ToolRunner {
  async run(
    run: ToolRunContext,
    toolName: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolOutcome> {
    const tool = findTool(run.manifest, toolName);
    if (tool === undefined)
      return { ok: false, output: `no tool named "${toolName}" in ${run.workflow}` };
    if (!('command' in tool)) {
      return {
        ok: false,
        output: `tool "${toolName}": only command tools can run in this version`,
      };
    }
    if (usesSecrets(run.manifest, toolName)) {
      return {
        ok: false,
        output: `tool "${toolName}" needs secrets, which this version cannot resolve yet (the secret broker comes with agent runs)`,
      };
    }
    const scopes = { inputs: templateInputs(run), args };
    const render = (text: string) => renderTemplate(text, scopes);
    let call: { argv: string[]; env: Record<string, string>; cwd: string | undefined };
    try {
      call = {
        argv: tool.command.argv.map(render),
        env: Object.fromEntries(
          Object.entries(tool.command.env ?? {}).map(([name, value]) => [name, render(value)]),
        ),
        // Written out in the manifest (validation refuses placeholders there).
        cwd: tool.command.cwd,
      };
    } catch (error) {
      // An optional argument the call left out has no value to fill in.
      if (!(error instanceof TemplateError)) throw error;
      return { ok: false, output: `tool "${toolName}" could not be called: ${error.message}` };
    }
    const result = await runCommand({
      argv: call.argv,
      env: call.env,
      ...(call.cwd ? { cwd: call.cwd } : {}),
      timeoutMs: tool.command.timeout,
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
