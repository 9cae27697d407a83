import { z } from 'zod';

/**
 * The workflow manifest format (DESIGN.md "Workflow manifest"). This schema is the single source
 * of truth: the TypeScript types below are inferred from it, and so are validation errors.
 */

const slackIds = (pattern: RegExp, what: string) =>
  z.array(z.string().regex(pattern, `must be a Slack ${what} id`));

export const accessSchema = z.strictObject({
  users: slackIds(/^[UW][A-Z0-9]+$/, 'user').optional(),
  usergroups: slackIds(/^S[A-Z0-9]+$/, 'user group').optional(),
  channels: slackIds(/^[CGD][A-Z0-9]+$/, 'channel').optional(),
});

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const inputBase = { description: z.string().optional(), required: z.boolean().default(false) };

export const inputSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('string'),
    ...inputBase,
    pattern: z.string().refine(isRegExp, 'is not a valid regular expression').optional(),
    maxLength: z.number().int().positive().optional(),
    default: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('number'),
    ...inputBase,
    min: z.number().optional(),
    max: z.number().optional(),
    default: z.number().optional(),
  }),
  z.strictObject({ type: z.literal('boolean'), ...inputBase, default: z.boolean().optional() }),
  z.strictObject({
    type: z.literal('enum'),
    ...inputBase,
    values: z.array(z.string()).min(1),
    default: z.string().optional(),
  }),
]);

export const riskSchema = z.enum(['low', 'medium', 'high']);

/** A duration such as `90s`, `30m`, `2h`; parsed to milliseconds. */
export const durationSchema = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration like 90s, 30m or 2h')
  .transform((text) => {
    const [, amount = '0', unit = 's'] = /^(\d+)(ms|s|m|h|d)$/.exec(text) ?? [];
    const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1000;
    return Number(amount) * unitMs;
  });

const toolCommon = {
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().optional(),
  risk: riskSchema.default('high'),
  input_schema: z.record(z.string(), z.unknown()).optional(),
};

export const commandToolSchema = z.strictObject({
  ...toolCommon,
  command: z.strictObject({
    argv: z.array(z.string()).min(1),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    timeout: durationSchema.default(60_000),
  }),
});

export const httpToolSchema = z.strictObject({
  ...toolCommon,
  http: z.strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    url: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    timeout: durationSchema.default(30_000),
  }),
});

export const mcpToolSchema = z.strictObject({
  mcp: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  server: z.strictObject({
    command: z.string(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).optional(),
  }),
  risk: z.strictObject({
    default: riskSchema.default('high'),
    low: z.array(z.string()).optional(),
    high: z.array(z.string()).optional(),
    deny: z.array(z.string()).optional(),
  }),
});

export const toolSchema = z.union([commandToolSchema, httpToolSchema, mcpToolSchema]);

export const stepSchema = z.strictObject({
  tool: z.string(),
  with: z.record(z.string(), z.unknown()).default({}),
});

export const agentSchema = z.strictObject({
  model: z.string().optional(),
  instructions: z.string().min(1),
  max_turns: z.number().int().positive().default(12),
});

export const approvalSchema = z.strictObject({
  approvers: accessSchema.omit({ channels: true }),
  required: z.number().int().positive().default(1),
  allow_self_approval: z.boolean().default(false),
  channel: z.string().optional(),
  timeout: durationSchema.default(1_800_000),
  on_timeout: z.enum(['expire', 'deny']).default('expire'),
  remind_after: durationSchema.optional(),
  escalate_to: accessSchema.omit({ channels: true }).optional(),
});

export const manifestSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be lowercase letters, digits and -'),
    description: z.string().default(''),
    access: accessSchema.optional(),
    inputs: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), inputSchema).default({}),
    secrets: z.array(z.string().regex(/^[A-Z][A-Z0-9_]*$/)).default([]),
    agent: agentSchema.optional(),
    steps: z.array(stepSchema).min(1).optional(),
    tools: z.array(toolSchema).default([]),
    approval: approvalSchema.optional(),
  })
  .refine((manifest) => (manifest.agent === undefined) !== (manifest.steps === undefined), {
    message: 'needs exactly one of `agent` or `steps`',
  })
  .superRefine((manifest, context) => {
    const named = new Set(manifest.tools.flatMap((tool) => ('name' in tool ? [tool.name] : [])));
    manifest.steps?.forEach((step, index) => {
      if (!named.has(step.tool)) {
        context.addIssue({
          code: 'custom',
          path: ['steps', index, 'tool'],
          message: `names no tool of this workflow (tools: ${[...named].join(', ') || 'none'})`,
        });
      }
    });
  });

export type WorkflowManifest = z.output<typeof manifestSchema>;
export type InputSpec = z.output<typeof inputSchema>;
export type ToolSpec = z.output<typeof toolSchema>;
export type CommandToolSpec = z.output<typeof commandToolSchema>;
export type StepSpec = z.output<typeof stepSchema>;
