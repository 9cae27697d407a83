import { compileJsonSchema } from './json-schema-validator';
import type { HttpToolSpec } from './manifest-schema';
import { findPlaceholders } from './template';

/** The checks of one tool's own definition, which differ by kind (workflows/tool-kinds.ts). */

export type Path = (string | number)[];
/** `atKey`: the problem is the key itself, so its position is the key's, not the value's. */
export type Report = (path: Path, message: string, options?: { atKey?: boolean }) => void;

/**
 * Environment variables that choose what code a process loads: a value typed by a requester or
 * chosen by the model must not reach them, or it would pick the program that runs.
 */
const CODE_CHOOSING_ENV =
  /^(PATH|LD_\w+|DYLD_\w+|NODE_OPTIONS|NODE_PATH|PYTHONPATH|PYTHONSTARTUP|PERL5LIB|PERL5OPT|RUBYOPT|RUBYLIB|BASH_ENV|ENV|GIT_SSH_COMMAND|GIT_EXEC_PATH)$/;

/**
 * The program, its working directory and its code-choosing variables are written out; `path` is
 * the process definition's, `programPath` where its program is written.
 */
export function checkProcessFixed(
  process: { command: string; cwd?: string | undefined; env?: Record<string, string> | undefined },
  path: Path,
  report: Report,
  programPath: Path = [...path, 'command'],
): void {
  const fixed = (text: string) => findPlaceholders(text).length === 0;
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

export function checkInputSchema(
  schema: Record<string, unknown> | undefined,
  path: Path,
  report: Report,
): void {
  if (schema === undefined) return;
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

/** The server an http tool calls is written out, and its request is one HTTP can send. */
export function checkHttpRequest(http: HttpToolSpec['http'], path: Path, report: Report): void {
  const origin = /^https?:\/\/[^/?#]*/.exec(http.url);
  if (origin === null) {
    report([...path, 'url'], 'must be an absolute http:// or https:// URL');
  } else if (origin[0].includes('{{')) {
    report(
      [...path, 'url'],
      'must name its host outright: placeholders may appear only after the host (path, query)',
    );
  } else if (origin[0].includes('@')) {
    report([...path, 'url'], 'must not hold a user name or password: send credentials in a header');
  }
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (name.toLowerCase() === 'host' && findPlaceholders(value).length > 0) {
      report([...path, 'headers', name], 'must be written out: the Host header chooses the server');
    }
  }
  if (http.method === 'GET' && http.body !== undefined) {
    report(
      [...path, 'body'],
      'a GET request has no body: use POST, PUT or PATCH, or put the values in the URL',
      { atKey: true },
    );
  }
}
