import type { ToolOutcome, ToolRunContext, ToolRunner } from '../runs/ports';
import { templateInputs } from '../runs/run';
import { renderTemplate } from '../workflows/template';
import { runCommand } from './run-command';

/** Executes a run's tools as its manifest defines them. */
export class ManifestToolRunner implements ToolRunner {
  async run(
    run: ToolRunContext,
    toolName: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolOutcome> {
    const tool = run.manifest.tools.find(
      (candidate) => 'name' in candidate && candidate.name === toolName,
    );
    if (tool === undefined)
      return { ok: false, output: `no tool named "${toolName}" in ${run.workflow}` };
    if (!('command' in tool)) {
      return {
        ok: false,
        output: `tool "${toolName}": only command tools can run in this version`,
      };
    }
    const scopes = { inputs: templateInputs(run), args };
    const render = (text: string) => renderTemplate(text, scopes);
    const env = Object.fromEntries(
      Object.entries(tool.command.env ?? {}).map(([name, value]) => [name, render(value)]),
    );
    const result = await runCommand({
      argv: tool.command.argv.map(render),
      env,
      ...(tool.command.cwd ? { cwd: tool.command.cwd } : {}),
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
