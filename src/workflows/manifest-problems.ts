import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean';

/**
 * Turns zod's issues into problems a human can act on: one per field, worded for manifest
 * authors, with "did you mean" for unknown keys, located at a line and column of the YAML source.
 */

export type FieldPath = readonly PropertyKey[];

/** One problem of a field: where it is in the data and what is wrong. */
export interface FieldProblem {
  path: FieldPath;
  message: string;
  /** The problem is the key itself (an unknown key), not its value. */
  atKey?: boolean;
  /** A key the schema does not know: it means nothing, so leaving it out changes no check. */
  unknownKey?: boolean;
}

const describeValue = (value: unknown): string => {
  const text = describeWhole(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

const describeWhole = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'a list'
      : typeof value === 'object'
        ? 'a mapping'
        : `${typeof value} ${JSON.stringify(value)}`;

const EXPECTED: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
};

/** Per-parse error map: zod's messages reworded for people writing YAML. */
export const manifestErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def
        ?.shape;
      const known = Object.keys(shape ?? {});
      // One line per key; the flattening below gives each key its own problem and location.
      return issue.keys.map((key) => `unknown key "${key}"${didYouMean(key, known)}`).join('\n');
    }
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describeValue(issue.input)}`;
    case 'invalid_value':
      if (issue.input === undefined) return 'is required';
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'invalid_key': {
      const why = issue.issues[0]?.message;
      return why ? `is not a valid name: ${why}` : undefined;
    }
    case 'invalid_union':
      if (issue.note === 'No matching discriminator') {
        return `must be one of ${(issue.options as unknown[] | undefined)?.map(String).join(', ')}`;
      }
      return undefined;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return issue.inclusive === false
        ? `must be more than ${issue.minimum}`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    default:
      return undefined;
  }
};

function valueAt(data: unknown, path: FieldPath): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * How badly one union branch misses the data: keys it requires that are absent plus keys it does
 * not know. The branch that misses least is the one the author meant (`http:` → the http tool).
 */
function miss(branch: readonly z.core.$ZodIssue[], data: unknown, at: FieldPath): number {
  let count = 0;
  for (const issue of branch) {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) count += issue.keys.length;
    if (
      issue.code === 'invalid_type' &&
      issue.path.length === 1 &&
      valueAt(data, [...at, ...issue.path]) === undefined
    )
      count++;
  }
  return count;
}

/** Flattens zod issues into problems, choosing the meant branch of a failed union. */
export function fieldProblems(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  prefix: FieldPath = [],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, index) => {
        problems.push({
          path: [...path, key],
          message: lines[index] ?? `unknown key "${key}"`,
          atKey: true,
          unknownKey: true,
        });
      });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const scored = issue.errors.map((branch) => ({ branch, miss: miss(branch, data, path) }));
      const best = Math.min(...scored.map((entry) => entry.miss));
      const meant = scored.filter((entry) => entry.miss === best);
      if (meant.length === 1 && meant[0]) {
        problems.push(...fieldProblems(meant[0].branch, data, path));
      } else {
        problems.push({ path, message: issue.message });
        problems.push(
          ...sharedUnknownKeys(
            meant.map((entry) => entry.branch),
            path,
          ),
        );
      }
    } else {
      const atKey =
        issue.code === 'invalid_key' || (issue.code === 'custom' && issue.params?.atKey === true);
      problems.push({ path, message: issue.message, ...(atKey ? { atKey } : {}) });
    }
  }
  return problems;
}

/**
 * When no union branch stands out, the keys every branch refuses are likely typos of the key that
 * would have chosen one (`htp:` for `http:`): report them, with the branch whose hint names one.
 */
function sharedUnknownKeys(
  branches: readonly (readonly z.core.$ZodIssue[])[],
  path: FieldPath,
): FieldProblem[] {
  const unknownIn = branches.map(
    (branch) =>
      new Map(
        branch.flatMap((issue) =>
          issue.code === 'unrecognized_keys' && issue.path.length === 0
            ? issue.keys.map((key, index) => [key, issue.message.split('\n')[index] ?? ''] as const)
            : [],
        ),
      ),
  );
  const [first, ...others] = unknownIn;
  return [...(first?.keys() ?? [])]
    .filter((key) => others.every((keys) => keys.has(key)))
    .map((key) => {
      const messages = unknownIn.map((keys) => keys.get(key) ?? '');
      const message = messages.find((text) => text.includes('did you mean')) ?? messages[0] ?? '';
      return { path: [...path, key], message, atKey: true, unknownKey: true };
    });
}

/**
 * A copy of `data` without the fields at `paths`, or undefined when one cannot be left out
 * without changing what the rest means (the whole document, or an item of a list).
 */
export function withoutFields(data: unknown, paths: readonly FieldPath[]): unknown {
  const copy = structuredClone(data);
  for (const path of paths) {
    const key = path.at(-1);
    if (key === undefined) return undefined;
    const parent = valueAt(copy, path.slice(0, -1));
    if (parent === null || typeof parent !== 'object') continue;
    if (Array.isArray(parent)) return undefined;
    delete (parent as Record<PropertyKey, unknown>)[key];
  }
  return copy;
}

/** Whether one path lies within the other (or they are the same). */
export function overlaps(a: FieldPath, b: FieldPath): boolean {
  const shorter = a.length <= b.length ? a : b;
  const longer = shorter === a ? b : a;
  return shorter.every((segment, index) => String(segment) === String(longer[index]));
}

export interface SourcePosition {
  line: number;
  col: number;
}

/**
 * Where a field is in the YAML source: a scalar value's own position, else the key that holds it;
 * a missing field points at the key of its closest present parent.
 */
export function locate(
  document: Document,
  lines: LineCounter,
  problem: FieldProblem,
): SourcePosition {
  let node: unknown = document.contents;
  let holder: Node | undefined;
  for (const [index, segment] of problem.path.entries()) {
    const last = index === problem.path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) break;
      if (last && problem.atKey) return position(lines, pair.key as Node);
      holder = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      holder = node as Node;
    } else {
      break;
    }
    if (last && isScalar(node)) return position(lines, node);
  }
  return holder ? position(lines, holder) : { line: 1, col: 1 };
}

function position(lines: LineCounter, node: Node): SourcePosition {
  return lines.linePos(node.range?.[0] ?? 0);
}

/** `tools.1.http.url`; '' for the whole file. */
export const formatFieldPath = (path: FieldPath): string => path.map(String).join('.');
