import { matchesInputPattern } from './input-pattern';
import type { InputSpec, WorkflowManifest } from './manifest-schema';

export type InputValue = string | number | boolean;
export type InputValues = Record<string, InputValue>;

/** Why the given `name=value` words do not fit a workflow's inputs; one line per problem. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** Why a typed value does not fit its input's constraints, or undefined if it fits. */
export function inputValueProblem(
  name: string,
  spec: InputSpec,
  value: InputValue,
): string | undefined {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return `${name} must be text`;
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        return `${name} must be at most ${spec.maxLength} characters`;
      }
      if (spec.pattern !== undefined && !matchesInputPattern(spec.pattern, value)) {
        return `${name} must match ${spec.pattern}`;
      }
      return undefined;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} must be a number`;
      if (spec.min !== undefined && value < spec.min) return `${name} must be at least ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `${name} must be at most ${spec.max}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${name} must be true or false`;
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value)
        ? undefined
        : `${name} must be one of ${spec.values.join(', ')}`;
  }
}

/** The typed value of a `name=value` word, or why it does not fit. */
function coerce(name: string, spec: InputSpec, raw: string): InputValue | string[] {
  let value: InputValue = raw;
  if (spec.type === 'number') value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (spec.type === 'boolean') {
    if (/^(true|yes|on|1)$/i.test(raw)) value = true;
    else if (/^(false|no|off|0)$/i.test(raw)) value = false;
  }
  const problem = inputValueProblem(name, spec, value);
  return problem === undefined ? value : [problem];
}

/** Turns `name=value` words into typed inputs: coerced, checked, defaults applied. */
export function bindInputs(manifest: WorkflowManifest, words: readonly string[]): InputValues {
  const problems: string[] = [];
  const values: InputValues = {};
  const given = new Set<string>();
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals <= 0) {
      problems.push(`"${word}" is not name=value`);
      continue;
    }
    const name = word.slice(0, equals);
    const spec = Object.hasOwn(manifest.inputs, name) ? manifest.inputs[name] : undefined;
    if (spec === undefined) {
      const known = Object.keys(manifest.inputs);
      problems.push(
        `unknown input "${name}"${known.length ? ` (inputs: ${known.join(', ')})` : ' (takes no inputs)'}`,
      );
      continue;
    }
    if (given.has(name)) {
      problems.push(`${name} is given twice`);
      continue;
    }
    given.add(name);
    const value = coerce(name, spec, word.slice(equals + 1));
    if (Array.isArray(value)) problems.push(...value);
    else values[name] = value;
  }
  for (const [name, spec] of Object.entries(manifest.inputs)) {
    if (given.has(name)) continue;
    if (spec.default !== undefined) values[name] = spec.default;
    else if (spec.required) problems.push(`${name} is required`);
  }
  if (problems.length > 0) throw new InputError(problems);
  return values;
}

/** `/countersign run hello name=<string> [greeting=<string>]`, for error messages and help. */
export function usageLine(manifest: WorkflowManifest): string {
  const parts = Object.entries(manifest.inputs).map(([name, spec]) => {
    const shape = spec.type === 'enum' ? spec.values.join('|') : `<${spec.type}>`;
    return spec.required && spec.default === undefined ? `${name}=${shape}` : `[${name}=${shape}]`;
  });
  return ['/countersign run', manifest.name, ...parts].join(' ');
}
