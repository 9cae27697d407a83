import type { z } from 'zod';
import { inputValueProblem } from './bind-inputs';
import { checkGateway } from './check-gateway';
import { didYouMean } from './did-you-mean';
import { formatDuration } from './duration';
import { inputPatternProblem } from './input-pattern';
import type { InputSpec, ToolSpec, WorkflowManifest } from './manifest-schema';
import { findTool, toolName } from './manifest-tools';
import { orList } from './or-list';
import { findPlaceholders } from './template';
import type { Path, Report } from './tool-checks';
import { kindOf, type PlaceholderScope, STEP_KINDS } from './tool-kinds';

/**
 * The checks that span fields of a manifest (the schema's refinement): references between
 * fields, where `{{…}}` placeholders may appear, and what a high-risk tool requires.
 */

export function checkManifest(manifest: WorkflowManifest, context: z.RefinementCtx): void {
  const report: Report = (path, message, options) =>
    context.addIssue({
      code: 'custom',
      path,
      message,
      ...(options?.atKey ? { params: { atKey: true } } : {}),
    });
  const bodies = [manifest.agent, manifest.steps, manifest.gateway].filter(
    (body) => body !== undefined,
  );
  if (bodies.length !== 1) report([], 'needs exactly one of `agent`, `steps` or `gateway`');
  checkAccess(manifest, report);
  checkInputs(manifest, report);
  checkSecrets(manifest, report);
  checkTools(manifest, report);
  checkSteps(manifest, report);
  checkPlaceholders(manifest, report);
  checkApproval(manifest, report);
  checkGateway(manifest, report);
}

function checkAccess(manifest: WorkflowManifest, report: Report): void {
  const access = manifest.access;
  if (access === undefined) return;
  const listed = [access.users, access.usergroups, access.channels].some((ids) => ids?.length);
  if (!listed) {
    const [verb, lists] =
      manifest.gateway === undefined
        ? ['start', 'users, usergroups or channels']
        : ['use', 'users or usergroups'];
    report(
      ['access'],
      `lets nobody ${verb} the workflow; list ${lists}, or leave \`access\` out to let everyone`,
    );
  }
}

function checkInputs(manifest: WorkflowManifest, report: Report): void {
  for (const [name, spec] of Object.entries(manifest.inputs)) {
    const patternProblem =
      spec.type === 'string' && spec.pattern !== undefined
        ? inputPatternProblem(spec.pattern)
        : undefined;
    if (patternProblem !== undefined) {
      report(['inputs', name, 'pattern'], patternProblem);
      continue;
    }
    if (spec.type === 'number' && spec.min !== undefined && spec.max !== undefined) {
      if (spec.min > spec.max) report(['inputs', name, 'max'], `is less than min (${spec.min})`);
    }
    if (spec.default !== undefined) {
      const problem = inputValueProblem(name, spec as InputSpec, spec.default);
      if (problem !== undefined) report(['inputs', name, 'default'], `does not fit: ${problem}`);
    }
  }
}

function checkSecrets(manifest: WorkflowManifest, report: Report): void {
  manifest.secrets.forEach((secret, index) => {
    if (manifest.secrets.indexOf(secret) !== index) report(['secrets', index], 'is listed twice');
  });
}

/** Property names of a tool's input_schema; a tool without one takes no arguments. */
function argumentNames(tool: ToolSpec): string[] {
  const properties = kindOf(tool).inputSchema?.properties;
  return properties !== null && typeof properties === 'object' ? Object.keys(properties) : [];
}

function checkTools(manifest: WorkflowManifest, report: Report): void {
  const seen = new Set<string>();
  manifest.tools.forEach((tool, index) => {
    const kind = kindOf(tool);
    if (seen.has(kind.name))
      report(['tools', index, kind.nameKey], `"${kind.name}" is defined twice`);
    seen.add(kind.name);
    if (kind.mayNeedApproval && manifest.approval === undefined) {
      report(
        ['tools', index, 'risk'],
        `"${kind.name}" is high risk (a tool is, unless marked \`risk: low\`), so the workflow needs an \`approval\` block saying who approves its calls`,
      );
    }
    kind.check(['tools', index], report);
  });
}

const STEPS_CALL = `steps call ${orList(STEP_KINDS)} tools`;

function checkSteps(manifest: WorkflowManifest, report: Report): void {
  const runnable = manifest.tools.filter((tool) => !kindOf(tool).servesMany).map(toolName);
  manifest.steps?.forEach((step, index) => {
    const tool = findTool(manifest, step.tool);
    if (tool === undefined) {
      report(
        ['steps', index, 'tool'],
        `names no tool of this workflow${didYouMean(step.tool, runnable) || ` (tools: ${runnable.join(', ') || 'none'})`}`,
      );
      return;
    }
    if (kindOf(tool).servesMany) {
      report(['steps', index, 'tool'], `"${step.tool}" is ${kindOf(tool).noun}; ${STEPS_CALL}`);
      return;
    }
    const known = argumentNames(tool);
    for (const name of Object.keys(step.with)) {
      if (!known.includes(name)) {
        const hint = didYouMean(name, known) || ` (arguments: ${known.join(', ') || 'none'})`;
        report(
          ['steps', index, 'with', name],
          `tool "${step.tool}" takes no argument "${name}"${hint}`,
          { atKey: true },
        );
      }
    }
    const required = kindOf(tool).inputSchema?.required;
    for (const name of Array.isArray(required) ? required : []) {
      if (typeof name === 'string' && !Object.hasOwn(step.with, name)) {
        report(
          ['steps', index, 'with'],
          `is missing "${name}", which tool "${step.tool}" requires`,
        );
      }
    }
  });
}

/** Where a string sits decides which placeholders it may hold. */
function placeholderScopes(
  manifest: WorkflowManifest,
  path: Path,
): { scopes: readonly PlaceholderScope[]; tool?: ToolSpec } {
  const [top, index, part] = path;
  const tool = top === 'tools' && typeof index === 'number' ? manifest.tools[index] : undefined;
  if (tool !== undefined && part === kindOf(tool).definitionKey) {
    return { scopes: kindOf(tool).scopes, tool };
  }
  if (top === 'agent' && index === 'instructions') return { scopes: ['inputs'] };
  if (top === 'steps' && part === 'with') return { scopes: ['inputs'] };
  return { scopes: [] };
}

/** Every string of the manifest with its path; `isKey` for the keys of mappings. */
function* strings(value: unknown, path: Path): Generator<[string, Path, boolean]> {
  if (typeof value === 'string') yield [value, path, false];
  else if (Array.isArray(value))
    for (const [index, item] of value.entries()) yield* strings(item, [...path, index]);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      yield [key, [...path, key], true];
      yield* strings(item, [...path, key]);
    }
  }
}

const WHERE_PLACEHOLDERS_WORK =
  'placeholders are filled in only in agent.instructions, steps[].with and the http, command or server definition of a tool';

function checkPlaceholders(manifest: WorkflowManifest, report: Report): void {
  const inputs = Object.keys(manifest.inputs);
  for (const [text, path, isKey] of strings(manifest, [])) {
    if (isKey) {
      if (findPlaceholders(text).length > 0) {
        report(path, 'placeholders are not filled in keys; only values take them', { atKey: true });
      }
      continue;
    }
    const { scopes, tool } = placeholderScopes(manifest, path);
    for (const use of findPlaceholders(text)) {
      const problem = placeholderProblem(use, scopes, { inputs, secrets: manifest.secrets, tool });
      if (problem !== undefined) report(path, problem);
    }
  }
}

function placeholderProblem(
  use: ReturnType<typeof findPlaceholders>[number],
  scopes: readonly PlaceholderScope[],
  known: { inputs: string[]; secrets: string[]; tool: ToolSpec | undefined },
): string | undefined {
  if ('malformed' in use) {
    return `"${use.text.trim()}" is not a placeholder; write {{inputs.name}}, {{args.name}} or {{secrets.NAME}}`;
  }
  const { text, scope, name } = use;
  if (!['inputs', 'args', 'secrets'].includes(scope)) {
    return `${text} uses an unknown scope "${scope}" (inputs, args or secrets)${didYouMean(scope, ['inputs', 'args', 'secrets'])}`;
  }
  if (!scopes.includes(scope as PlaceholderScope)) {
    if (scope === 'secrets') {
      return `${text}: secrets may appear only inside a tool's http, command or server definition; here the value would reach the model, Slack or the record`;
    }
    if (scope === 'args')
      return `${text}: arguments have values only inside a tool's http or command definition`;
    return `${text} is not filled in here; ${WHERE_PLACEHOLDERS_WORK}`;
  }
  if (scope === 'inputs' && !known.inputs.includes(name)) {
    return `${text} names no input of this workflow${didYouMean(name, known.inputs) || ` (inputs: ${known.inputs.join(', ') || 'none'})`}`;
  }
  if (scope === 'secrets' && !known.secrets.includes(name)) {
    return `${text} names a secret that is not declared in \`secrets\`${didYouMean(name, known.secrets)}`;
  }
  if (scope === 'args' && known.tool !== undefined) {
    const names = argumentNames(known.tool);
    if (!names.includes(name)) {
      return names.length === 0
        ? `${text}: this tool has no input_schema properties, so it takes no arguments`
        : `${text} names no property of this tool's input_schema${didYouMean(name, names) || ` (properties: ${names.join(', ')})`}`;
    }
  }
  return undefined;
}

function checkApproval(manifest: WorkflowManifest, report: Report): void {
  const approval = manifest.approval;
  if (approval === undefined) return;
  const users = new Set(approval.approvers.users ?? []);
  const groups = approval.approvers.usergroups ?? [];
  if (users.size === 0 && groups.length === 0) {
    report(['approval', 'approvers'], 'names nobody: list users or usergroups');
  } else if (groups.length === 0 && approval.required > users.size) {
    report(
      ['approval', 'required'],
      `needs ${approval.required} distinct approvers but only ${users.size} ${users.size === 1 ? 'is' : 'are'} listed`,
    );
  }
  if (approval.remind_after !== undefined && approval.remind_after >= approval.timeout) {
    report(
      ['approval', 'remind_after'],
      `must be shorter than the timeout (${formatDuration(approval.timeout)}), or the reminder never comes`,
    );
  }
  if (approval.escalate_to !== undefined && approval.remind_after === undefined) {
    report(
      ['approval', 'escalate_to'],
      'needs remind_after: escalation happens halfway between the reminder and the timeout',
    );
  }
}
