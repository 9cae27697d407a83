import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Logger } from '../observability/logger';
import { MIN_SCRUBBED_LENGTH, type Redactor } from '../shared/redactor';
import { MissingSecretError } from './missing-secret-error';
import { SecretsFileError } from './secrets-file-error';

/** The names a manifest may declare (`secrets: [OPS_API_TOKEN]`). */
const SECRET_NAME = /^[A-Z][A-Z0-9_]*$/;

export interface SecretBrokerOptions {
  /** Values of `COUNTERSIGN_SECRET_<NAME>` variables, by NAME (`config.secretValues`). */
  variables: ReadonlyMap<string, string>;
  /** `COUNTERSIGN_SECRETS_FILE`: YAML or JSON, a flat map of NAME to string value. */
  file?: string;
  /** Learns every value the broker hands out or preloads, so it is scrubbed everywhere. */
  redactor: Redactor;
  /** Warned once per secret too short to be scrubbed. */
  log?: Pick<Logger, 'warn'>;
}

/**
 * Hands out secret values at tool-execution time. A `COUNTERSIGN_SECRET_<NAME>` variable wins
 * over the file's entry (so one process can override one secret without editing the shared
 * file); the file is read again on every call, so a rotated value is used without a restart.
 * An empty variable or file value counts as unset, as empty variables do across the configuration.
 */
export class SecretBroker {
  readonly redactor: Redactor;
  private readonly warned = new Set<string>();

  constructor(private readonly options: SecretBrokerOptions) {
    this.redactor = options.redactor;
  }

  /**
   * The values of `names`, registered with the redactor before they are returned.
   * @throws MissingSecretError naming every name neither a variable nor the file gives.
   * @throws SecretsFileError if the file is needed and cannot be read or parsed.
   */
  async resolve(names: readonly string[]): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    const missing: string[] = [];
    let file: ReadonlyMap<string, string> | undefined;
    for (const name of new Set(names)) {
      let value = this.options.variables.get(name) || undefined;
      if (value === undefined) {
        file ??= await this.readFile();
        value = file.get(name) || undefined;
      }
      if (value === undefined) missing.push(name);
      else values[name] = value;
    }
    for (const [name, value] of Object.entries(values)) this.register(name, value);
    if (missing.length > 0) throw new MissingSecretError(missing, this.options.file);
    return values;
  }

  /**
   * Registers every value the variables and the file hold, so logs, Slack and MongoDB are
   * scrubbed from the start, in every process, before any tool ran.
   * @throws SecretsFileError if the file is set and cannot be read or parsed.
   */
  async preload(): Promise<void> {
    for (const [name, value] of this.options.variables) this.register(name, value);
    await this.readFile();
  }

  /** The file's entries (none without a file); each value is registered as it is read. */
  private async readFile(): Promise<ReadonlyMap<string, string>> {
    const { file } = this.options;
    if (file === undefined) return new Map();
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new SecretsFileError(file, undefined, `cannot be read (${code})`);
    }
    const entries = parseSecretsFile(file, text);
    for (const [name, value] of entries) this.register(name, value);
    return entries;
  }

  private register(name: string, value: string): void {
    if (value === '' || this.options.redactor.add(name, value) || this.warned.has(name)) return;
    this.warned.add(name);
    this.options.log?.warn(
      { secret: name },
      `secret ${name} is shorter than ${MIN_SCRUBBED_LENGTH} characters: it cannot be scrubbed, and shows as it is wherever a tool prints it`,
    );
  }
}

/** What a YAML node holds, in words that quote nothing of it. */
function describe(node: unknown): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias';
  const value = isScalar(node) ? node.value : node;
  return value === null || value === undefined ? 'nothing' : `a ${typeof value}`;
}

/** A flat map of NAME to string; errors give the line and the key, never the text. */
function parseSecretsFile(file: string, text: string): Map<string, string> {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  const [error] = document.errors;
  if (error !== undefined) {
    // yaml's messages may quote the text around the error, which may be a value: only the code.
    throw new SecretsFileError(
      file,
      lineOf(error.pos[0]),
      `not valid YAML or JSON (${error.code})`,
    );
  }
  const entries = new Map<string, string>();
  const root = document.contents;
  if (root === null) return entries; // an empty file: no secrets
  if (!isMap(root)) {
    throw new SecretsFileError(
      file,
      lineOf(root.range?.[0]),
      `must be a map of NAME: value (found ${describe(root)})`,
    );
  }
  for (const { key, value } of root.items) {
    const line = lineOf(isScalar(key) ? key.range?.[0] : undefined);
    const name = isScalar(key) ? key.value : undefined;
    if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
      throw new SecretsFileError(file, line, 'keys must be UPPER_CASE secret names');
    }
    if (!isScalar(value) || typeof value.value !== 'string') {
      throw new SecretsFileError(
        file,
        line,
        `${name} must be a string (found ${describe(value)}); quote the value`,
      );
    }
    entries.set(name, value.value);
  }
  return entries;
}
