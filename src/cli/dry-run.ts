import path from 'node:path';
import { agentToolPolicy, dryRunHold } from '../runs/dry-run';
import type { ToolRunContext, ToolRunner } from '../runs/ports';
import { templateInputs } from '../runs/run';
import { canonicalJson } from '../shared/canonical-json';
import { bindInputs, InputError, usageLine } from '../workflows/bind-inputs';
import { formatProblem, type LoadedWorkflow, loadWorkflows } from '../workflows/load-workflows';
import type { GatewaySpec, StepSpec, WorkflowManifest } from '../workflows/manifest-schema';
import { renderJson } from '../workflows/template';
import {
  CALL_USAGE,
  type DryRunCall,
  decideDryRunCall,
  describeGatewayPolicy,
  parseCallInput,
} from './gateway-dry-run';

export interface TerminalDryRun {
  dir: string;
  workflow: string;
  /** The `name=value` words. */
  words: string[];
  tools: ToolRunner;
  write: (text: string) => void;
  /** For a gateway workflow: the one call to decide; omitted, its policy is printed. */
  call?: DryRunCall;
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

/** The workflow's inputs from the words, or undefined once the problems are written. */
function inputsOrUsage(manifest: WorkflowManifest, words: string[], write: (text: string) => void) {
  try {
    return bindInputs(manifest, words);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    write(`Cannot start ${manifest.name}:\n${error.problems.map((p) => `  ${p}\n`).join('')}`);
    write(
      `Usage: ${usageLine(manifest).replace('/countersign run', 'countersign run --dry-run')}\n`,
    );
    return undefined;
  }
}

/** Walks a runbook's steps: low-risk calls run, the rest are written as simulated. */
async function walkSteps(
  run: ToolRunContext,
  steps: StepSpec[],
  tools: ToolRunner,
  write: (text: string) => void,
): Promise<number> {
  const session = await tools.open(run);
  try {
    let ran = 0;
    let simulated = 0;
    for (const [index, step] of steps.entries()) {
      const label = `${index + 1}/${steps.length} ${step.tool}`;
      const args = renderJson(step.with, { inputs: templateInputs(run) }) as Record<
        string,
        unknown
      >;
      const hold = dryRunHold(run.manifest, { tool: step.tool });
      if (hold !== undefined) {
        simulated++;
        write(`${label}  simulated: ${hold}\n    arguments: ${canonicalJson(args)}\n`);
        continue;
      }
      const outcome = await session.call({ tool: step.tool }, args);
      ran++;
      write(`${label}  ran: ${outcome.ok ? 'ok' : 'FAILED'}\n${indent(outcome.output)}\n`);
      if (!outcome.ok) {
        write(`Dry run stopped at step ${index + 1}: a real run would fail here too.\n`);
        return 1;
      }
    }
    write(`Dry run finished: ${ran} call(s) ran, ${simulated} simulated.\n`);
    return 0;
  } finally {
    await session.close();
  }
}

/**
 * `countersign run --dry-run <workflow> …`: the same walk as a dry run from Slack (low-risk calls
 * run, the rest are simulated by the same rule), printed instead of posted and recorded.
 * @returns the exit code: 0 when the walk got through, 1 when a call failed, 2 on bad input.
 */
export async function dryRunInTerminal(request: TerminalDryRun): Promise<number> {
  const { write } = request;
  const catalog = await loadWorkflows(request.dir);
  const loaded = catalog.workflows.get(request.workflow);
  if (loaded === undefined) {
    const broken = catalog.problems.filter((problem) =>
      [`${request.workflow}.yaml`, `${request.workflow}.yml`].includes(path.basename(problem.file)),
    );
    write(`No valid workflow "${request.workflow}" in ${request.dir}.\n`);
    for (const problem of broken) write(`${formatProblem(problem)}\n`);
    write(`Workflows: ${[...catalog.workflows.keys()].join(', ') || 'none'}\n`);
    return 2;
  }
  const manifest = loaded.manifest;
  if (manifest.gateway !== undefined) return gatewayDryRun(loaded, manifest.gateway, request);
  if (request.call !== undefined) {
    write(
      `--call is for gateway workflows; ${manifest.name} is ${manifest.steps ? 'a runbook' : 'an agent workflow'}: give its inputs as name=value\n`,
    );
    return 2;
  }
  const inputs = inputsOrUsage(manifest, request.words, write);
  if (inputs === undefined) return 2;
  write(`Dry run of ${manifest.name} (manifest ${loaded.hash.slice(0, 12)}, ${loaded.file})\n`);
  write(`Inputs: ${canonicalJson(inputs)}\n`);
  if (manifest.steps === undefined) {
    write(`${agentToolPolicy(manifest)}\n`);
    return 0;
  }
  return walkSteps(
    { workflow: manifest.name, manifest, inputs },
    manifest.steps,
    request.tools,
    write,
  );
}

/** A gateway workflow is not walked: its policy is printed, or its decision on the one call. */
function gatewayDryRun(
  loaded: LoadedWorkflow,
  gateway: GatewaySpec,
  { words, call, write }: TerminalDryRun,
): number {
  const { manifest } = loaded;
  if (words.length > 0) {
    write(
      `${manifest.name} is a gateway workflow: it takes no name=value inputs; give one call with ${CALL_USAGE}\n`,
    );
    return 2;
  }
  const input = call === undefined ? undefined : parseCallInput(call.input);
  if (input !== undefined && !input.ok) {
    write(`${input.problem}\n`);
    return 2;
  }
  write(`Dry run of ${manifest.name} (manifest ${loaded.hash.slice(0, 12)}, ${loaded.file})\n`);
  write(
    call === undefined || input === undefined
      ? `${describeGatewayPolicy(manifest, gateway)}\n`
      : `${decideDryRunCall(manifest, gateway, call, input.input)}\n`,
  );
  return 0;
}

/**
 * Why `countersign run <workflow>` without --dry-run is refused when the workflow is a gateway
 * one (it is never started), or undefined for any other (the usual "--dry-run is required").
 */
export async function gatewayRunRefusal(
  dir: string,
  workflow: string,
): Promise<string | undefined> {
  const catalog = await loadWorkflows(dir).catch(() => undefined);
  if (catalog?.workflows.get(workflow)?.manifest.gateway === undefined) return undefined;
  return `${workflow} is a gateway workflow: it is not started, Claude Code uses it through a token (/countersign token ${workflow} in Slack); add --dry-run to see what it would decide`;
}
