import type { z } from 'zod';
import { inputValueProblem } from './bind-inputs';
import { didYouMean } from './did-you-mean';
import { formatDuration } from './duration';
import { inputPatternProblem } from './input-pattern';
import { compileJsonSchema } from './json-schema-validator';
import type { InputSpec, ToolSpec, WorkflowManifest } from './manifest-schema';
import { findTool, toolName } from './manifest-tools';
import { findPlaceholders } from './template';

/**
 * The checks that span fields of a manifest (the schema's refinement): references between
 * fields, where `{{…}}` placeholders may appear, and what a high-risk tool requires.
 */

type Path = (string | number)[];
/** `atKey`: the problem is the key itself, so its position is the key's, not the value's. */
type Report = (path: Path, message: string, options?: { atKey?: boolean }) => void;

export function checkManifest(manifest: WorkflowManifest, context: z.RefinementCtx): void {
  const report: Report = (path, message, options) =>
    context.addIssue({
      code: 'custom',
      path,
      message,
      ...(options?.atKey ? { params: { atKey: true } } : {}),
    });
  if ((manifest.agent === undefined) === (manifest.steps === undefined)) {
    report([], 'needs exactly one of `agent` or `steps`');
  }
  checkAccess(manifest, report);
  checkInputs(manifest, report);
  checkSecrets(manifest, report);
  checkTools(manifest, report);
  checkSteps(manifest, report);
  checkPlaceholders(manifest, report);
  checkApproval(manifest, report);
}

function checkAccess(manifest: WorkflowManifest, report: Report): void {
  const access = manifest.access;
  if (access === undefined) return;
  const listed = [access.users, access.usergroups, access.channels].some((ids) => ids?.length);
  if (!listed) {
    report(
      ['access'],
      'lets nobody start the workflow; list users, usergroups or channels, or leave `access` out to let everyone',
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
  if ('mcp' in tool) return [];
  const properties = tool.input_schema?.properties;
  return properties !== null && typeof properties === 'object' ? Object.keys(properties) : [];
}

function isHighRisk(tool: ToolSpec): boolean {
  if ('mcp' in tool) return tool.risk.default === 'high' || (tool.risk.high?.length ?? 0) > 0;
  return tool.risk === 'high';
}

function checkTools(manifest: WorkflowManifest, report: Report): void {
  const seen = new Set<string>();
  manifest.tools.forEach((tool, index) => {
    const name = toolName(tool);
    if (seen.has(name))
      report(['tools', index, 'mcp' in tool ? 'mcp' : 'name'], `"${name}" is defined twice`);
    seen.add(name);
    if (isHighRisk(tool) && manifest.approval === undefined) {
      report(
        ['tools', index, 'risk'],
        `"${name}" is high risk (a tool is, unless marked \`risk: low\`), so the workflow needs an \`approval\` block saying who approves its calls`,
      );
    }
    if ('mcp' in tool) {
      checkProcessFixed(tool.server, ['tools', index, 'server'], report);
      return;
    }
    if (tool.input_schema !== undefined)
      checkInputSchema(tool.input_schema, ['tools', index, 'input_schema'], report);
    if ('command' in tool) {
      const { argv, ...rest } = tool.command;
      checkProcessFixed({ ...rest, command: argv[0] ?? '' }, ['tools', index, 'command'], report);
    } else {
      const origin = /^https?:\/\/[^/?#]*/.exec(tool.http.url);
      if (origin === null) {
        report(['tools', index, 'http', 'url'], 'must be an absolute http:// or https:// URL');
      } else if (origin[0].includes('{{')) {
        report(
          ['tools', index, 'http', 'url'],
          'must name its host outright: placeholders may appear only after the host (path, query)',
        );
      } else if (origin[0].includes('@')) {
        report(
          ['tools', index, 'http', 'url'],
          'must not hold a user name or password: send credentials in a header',
        );
      }
      for (const [name, value] of Object.entries(tool.http.headers ?? {})) {
        if (name.toLowerCase() === 'host' && findPlaceholders(value).length > 0) {
          report(
            ['tools', index, 'http', 'headers', name],
            'must be written out: the Host header chooses the server',
          );
        }
      }
      if (tool.http.method === 'GET' && tool.http.body !== undefined) {
        report(
          ['tools', index, 'http', 'body'],
          'a GET request has no body: use POST, PUT or PATCH, or put the values in the URL',
          { atKey: true },
        );
      }
    }
  });
}

/**
 * Environment variables that choose what code a process loads: a value typed by a requester or
 * chosen by the model must not reach them, or it would pick the program that runs.
 */
const CODE_CHOOSING_ENV =
  /^(PATH|LD_\w+|DYLD_\w+|NODE_OPTIONS|NODE_PATH|PYTHONPATH|PYTHONSTARTUP|PERL5LIB|PERL5OPT|RUBYOPT|RUBYLIB|BASH_ENV|ENV|GIT_SSH_COMMAND|GIT_EXEC_PATH)$/;

/** The program, its working directory and its code-choosing variables are written out. */
function checkProcessFixed(
  process: { command: string; cwd?: string | undefined; env?: Record<string, string> | undefined },
  path: Path,
  report: Report,
): void {
  const fixed = (text: string) => findPlaceholders(text).length === 0;
  const programPath = path.at(-1) === 'command' ? [...path, 'argv', 0] : [...path, 'command'];
  if (!fixed(process.command)) {
    report(programPath, 'must be written out; placeholders are not allowed in the program');
  }
  if (process.cwd !== undefined && !fixed(process.cwd)) {
    report(
      [...path, 'cwd'],
      'must be written out: the working directory decides which program a relative path runs',
    );
  }
  for (const [name, value] of Object.entries(process.env ?? {})) {
    if (CODE_CHOOSING_ENV.test(name) && !fixed(value)) {
      report(
        [...path, 'env', name],
        `must be written out: ${name} decides which code the program loads`,
      );
    }
  }
}

function checkInputSchema(schema: Record<string, unknown>, path: Path, report: Report): void {
  if (schema.type !== 'object') {
    report([...path, 'type'], 'must be "object": tools take named arguments');
    return;
  }
  try {
    compileJsonSchema(schema);
  } catch (error) {
    report(path, `is not a valid JSON Schema: ${(error as Error).message}`);
  }
}

function checkSteps(manifest: WorkflowManifest, report: Report): void {
  const runnable = manifest.tools.filter((tool) => !('mcp' in tool)).map(toolName);
  manifest.steps?.forEach((step, index) => {
    const tool = findTool(manifest, step.tool);
    if (tool === undefined) {
      report(
        ['steps', index, 'tool'],
        `names no tool of this workflow${didYouMean(step.tool, runnable) || ` (tools: ${runnable.join(', ') || 'none'})`}`,
      );
      return;
    }
    if ('mcp' in tool) {
      report(
        ['steps', index, 'tool'],
        `"${step.tool}" is an MCP server; steps call command or http tools`,
      );
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
    const required = tool.input_schema?.required;
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
): { scopes: string[]; tool?: ToolSpec } {
  const [top, index, part] = path;
  if (top === 'tools' && typeof index === 'number') {
    const tool = manifest.tools[index];
    if (part === 'command' || part === 'http')
      return { scopes: ['inputs', 'args', 'secrets'], ...(tool ? { tool } : {}) };
    if (part === 'server') return { scopes: ['inputs', 'secrets'] };
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
  scopes: string[],
  known: { inputs: string[]; secrets: string[]; tool: ToolSpec | undefined },
): string | undefined {
  if ('malformed' in use) {
    return `"${use.text.trim()}" is not a placeholder; write {{inputs.name}}, {{args.name}} or {{secrets.NAME}}`;
  }
  const { text, scope, name } = use;
  if (!['inputs', 'args', 'secrets'].includes(scope)) {
    return `${text} uses an unknown scope "${scope}" (inputs, args or secrets)${didYouMean(scope, ['inputs', 'args', 'secrets'])}`;
  }
  if (!scopes.includes(scope)) {
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
