import { z } from 'zod';
import { manifestSchema } from './manifest';

/**
 * The manifest format as a JSON Schema (draft-07, the dialect editors' YAML plugins know best),
 * generated from the zod schema so the two cannot drift. Cross-checks between fields (which tool
 * a step names, where secrets may appear) are not expressible here; `countersign validate` runs them.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(manifestSchema, {
    io: 'input',
    target: 'draft-07',
    unrepresentable: 'any',
  });
}
