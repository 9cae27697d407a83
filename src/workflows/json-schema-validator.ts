import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * A JSON Schema (2020-12) compiler, strict about keywords (`requird` is an error, not silently
 * ignored) and formats, lenient about types (`{ minimum: 1 }` without `type` is valid JSON Schema).
 * A fresh instance per use: Ajv remembers every `$id` it compiled, so a shared one would refuse
 * an unchanged schema the second time.
 */
export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv2020({
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allErrors: true,
  });
  addFormats(ajv);
  return ajv.compile(schema);
}

/**
 * A validator for the arguments of a tool call. Lenient (unknown keywords are ignored): the schema
 * was checked strictly when its manifest loaded, or comes from an MCP server as it listed it.
 * @returns the validator, or why the schema cannot be compiled at all.
 */
export function compileToolInputSchema(
  schema: Record<string, unknown>,
): { validate: ValidateFunction } | { problem: string } {
  // An MCP server's dialect (often draft-07) was left out when the tool runner listed it.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  try {
    return { validate: ajv.compile(schema) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** Why `value` does not fit the schema, in one line, or undefined when it does. */
export function schemaMismatch(validate: ValidateFunction, value: unknown): string | undefined {
  if (validate(value)) return undefined;
  return (validate.errors ?? [])
    .map((error) => {
      const where = error.instancePath === '' ? 'the arguments' : error.instancePath.slice(1);
      const extra =
        error.keyword === 'additionalProperties'
          ? ` (${String(error.params.additionalProperty)})`
          : '';
      return `${where} ${error.message ?? 'do not fit'}${extra}`;
    })
    .join('; ');
}
