import { z } from 'zod';
import { parseDuration } from './duration';
import { orList } from './or-list';

/**
 * The workflow manifest format (DESIGN.md "Workflow manifest"). This schema is the single source
 * of truth: the TypeScript types below are inferred from it, `countersign schema` prints it as a
 * JSON Schema, docs/manifest.md is generated from its descriptions, and validation errors come
 * from it (the cross-checks in check-manifest.ts run as its refinement).
 */

const slackIds = (pattern: RegExp, what: string, example: string) =>
  z
    .array(z.string().regex(pattern, `must be a Slack ${what} id like ${example}`))
    .meta({ description: `Slack ${what} ids, e.g. ${example}` });

const userIds = slackIds(/^[UW][A-Z0-9]{2,}$/, 'user', 'U0123ABCD');
const usergroupIds = slackIds(/^S[A-Z0-9]{2,}$/, 'user group', 'S0123ABCD');
const channelId = z
  .string()
  .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id like C0123ABCD (not a #name)');

/**
 * A duration such as `90s`, `30m`, `2h` or `1h30m`; parsed to milliseconds, at most `max`.
 * Give its default as text, `.prefault('1m')`: it is parsed like a written value, and the JSON
 * Schema shows it (zod leaves a `.default(60_000)`, in milliseconds, out of the input schema).
 */
function duration(max: string, description: string) {
  const maxMs = parseDuration(max) as number;
  const shape = 'must be a duration like 90s, 30m, 2h or 1h30m';
  return z
    .string({ error: shape })
    .regex(/^(\d+(ms|s|m|h|d))+$/, shape)
    .transform((text) => parseDuration(text) as number)
    .refine((ms) => ms > 0, 'must be longer than 0')
    .refine((ms) => ms <= maxMs, `must be at most ${max}`)
    .meta({ description: `${description} A duration: 90s, 30m, 2h, 1h30m (at most ${max}).` });
}

export const accessSchema = z
  .strictObject({
    users: userIds.optional(),
    usergroups: usergroupIds.optional(),
    channels: z
      .array(channelId)
      .optional()
      .meta({ description: 'Slack channel ids the workflow may be started from' }),
  })
  .meta({
    description:
      'Who may start the workflow: any listed user, any member of a listed user group, or anyone in a listed channel. Omitted: everyone.',
  });

const peopleSchema = z.strictObject({
  users: userIds.optional(),
  usergroups: usergroupIds.optional(),
});

const inputCommon = {
  description: z.string().optional().meta({ description: 'Shown in `/countersign list`' }),
  required: z
    .boolean()
    .default(false)
    .meta({ description: 'Must be given (unless it has a default)' }),
};

export const inputSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('string'),
      ...inputCommon,
      pattern: z.string().optional().meta({
        description:
          'A regular expression the value must match; anchor it (^…$) to match the whole value',
      }),
      maxLength: z
        .number()
        .int()
        .positive()
        .max(4000)
        .optional()
        .meta({ description: 'Longest value accepted, in characters' }),
      default: z.string().optional().meta({ description: 'Used when the input is not given' }),
    }),
    z.strictObject({
      type: z.literal('number'),
      ...inputCommon,
      min: z.number().optional().meta({ description: 'Smallest value accepted' }),
      max: z.number().optional().meta({ description: 'Largest value accepted' }),
      default: z.number().optional().meta({ description: 'Used when the input is not given' }),
    }),
    z.strictObject({
      type: z.literal('boolean'),
      ...inputCommon,
      default: z.boolean().optional().meta({ description: 'Used when the input is not given' }),
    }),
    z.strictObject({
      type: z.literal('enum'),
      ...inputCommon,
      values: z.array(z.string().min(1)).min(1).meta({ description: 'The allowed values' }),
      default: z
        .string()
        .optional()
        .meta({ description: 'Used when the input is not given; one of `values`' }),
    }),
  ])
  .meta({ description: 'An input given as `name=value` after the workflow name' });

export const riskSchema = z.enum(['low', 'high']).meta({
  description: '`low` runs without asking; `high` waits for an approval card',
});

const toolName = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
  .meta({ description: 'The name the model and the steps call the tool by' });

const toolCommon = {
  name: toolName,
  description: z
    .string()
    .optional()
    .meta({ description: 'Tells the model what the tool does; shown on approval cards' }),
  risk: riskSchema.default('high'),
  input_schema: z.record(z.string(), z.unknown()).optional().meta({
    description:
      'JSON Schema (type: object) of the arguments; `{{args.x}}` in the tool definition names one of its properties',
  }),
};

const stringMap = z.record(z.string(), z.string());

export const commandToolSchema = z.strictObject({
  ...toolCommon,
  command: z
    .strictObject({
      argv: z.array(z.string()).min(1).meta({
        description: 'Program and arguments, run without a shell; the program must be fixed',
      }),
      env: stringMap.optional().meta({
        description: 'Environment variables of the program; it sees only these and PATH',
      }),
      cwd: z.string().optional().meta({
        description: "Working directory of the program; relative to the service's own",
      }),
      timeout: duration('1h', 'Killed after this long.').prefault('1m'),
    })
    .meta({ description: 'Runs a program' }),
});

export const httpToolSchema = z.strictObject({
  ...toolCommon,
  http: z
    .strictObject({
      method: z
        .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
        .meta({ description: 'HTTP method' }),
      url: z.string().meta({
        description: 'Absolute http(s) URL; its scheme and host must be fixed (no placeholders)',
      }),
      headers: stringMap
        .optional()
        .meta({ description: 'Request headers, e.g. `Authorization: Bearer {{secrets.NAME}}`' }),
      body: z
        .unknown()
        .optional()
        .meta({ description: 'JSON body; strings may hold placeholders' }),
      timeout: duration('5m', 'Abandoned after this long.').prefault('30s'),
    })
    .meta({ description: 'Calls an HTTP API' }),
});

const globs = z.array(z.string().min(1)).optional();

export const mcpToolSchema = z.strictObject({
  mcp: toolName.meta({ description: 'Name of the MCP server; its tools are offered to the model' }),
  description: z.string().optional().meta({ description: 'What the server is for' }),
  server: z
    .strictObject({
      command: z.string().min(1).meta({
        description: 'The program that starts the server; must be fixed (no placeholders)',
      }),
      args: z.array(z.string()).default([]).meta({ description: 'Its arguments' }),
      env: stringMap.optional().meta({
        description: 'Environment variables of the server; it sees only these and PATH',
      }),
      cwd: z.string().optional().meta({ description: 'Its working directory' }),
    })
    .meta({ description: 'How to start the MCP server (stdio)' }),
  risk: z
    .strictObject({
      default: z
        .enum(['low', 'high', 'deny'])
        .default('high')
        .meta({ description: 'Risk of a tool that matches no glob' }),
      low: globs.meta({ description: 'Tool name globs that run without asking' }),
      high: globs.meta({ description: 'Tool name globs that need approval' }),
      deny: globs.meta({ description: 'Tool name globs that never run' }),
    })
    .default({ default: 'high' })
    .meta({
      description:
        'Risk by tool-name glob (`get_*`): a `deny` match wins, then `high`, then `low`; a tool matching no glob gets `default`',
    }),
});

/** Each kind's schema must have the key the kind is named by: that key tells the kinds apart. */
const markedByName = <Kinds extends { [K in keyof Kinds]: z.ZodType<Record<K, unknown>> }>(
  kinds: Kinds,
) => kinds;

/**
 * The kinds of tool, each under the key that marks it in a manifest (`command:`, `http:`, `mcp:`).
 * What differs between them is in workflows/tool-kinds.ts and tools/tool-kind-calls.ts, tables
 * keyed by ToolKind: a new kind here does not compile until both have its entry.
 */
export const toolKindSchemas = markedByName({
  command: commandToolSchema,
  http: httpToolSchema,
  mcp: mcpToolSchema,
});

export type ToolKind = keyof typeof toolKindSchemas;

export const TOOL_KINDS = Object.keys(toolKindSchemas) as ToolKind[];

const oneOfTheKinds = `exactly one of ${orList(TOOL_KINDS.map((kind) => `\`${kind}\``))}`;

export const toolSchema = z
  .union(Object.values(toolKindSchemas), { error: `a tool needs ${oneOfTheKinds}` })
  .meta({ description: `A tool: ${oneOfTheKinds}` });

export const stepSchema = z.strictObject({
  tool: z.string().meta({ description: 'Name of a `command` or `http` tool of this workflow' }),
  with: z
    .record(z.string(), z.unknown())
    .default({})
    .meta({ description: 'The tool arguments; may use `{{inputs.x}}`, never secrets' }),
});

export const agentSchema = z
  .strictObject({
    model: z.string().optional().meta({ description: 'Claude model id; default from config' }),
    instructions: z
      .string()
      .min(1)
      .meta({ description: 'The system prompt; may use `{{inputs.x}}`, never secrets' }),
    max_turns: z
      .number()
      .int()
      .positive()
      .max(200)
      .default(12)
      .meta({ description: 'Most model requests in one run' }),
    max_tool_calls: z
      .number()
      .int()
      .positive()
      .max(1000)
      .default(25)
      .meta({ description: 'Most tool calls in one run' }),
    max_tokens: z
      .number()
      .int()
      .positive()
      .max(10_000_000)
      .default(200_000)
      .meta({ description: 'Token budget of the whole run (input and output, all turns)' }),
    timeout: duration('24h', 'Wall-clock budget of the run, approvals excluded.').prefault('15m'),
  })
  .meta({ description: 'The model chooses the tool calls' });

export const approvalSchema = z
  .strictObject({
    approvers: peopleSchema.meta({ description: 'Who may decide' }),
    required: z
      .number()
      .int()
      .positive()
      .max(10)
      .default(1)
      .meta({ description: 'Distinct approvals needed; any deny ends it' }),
    allow_self_approval: z
      .boolean()
      .default(false)
      .meta({ description: 'Whether the person who started the run may approve its calls' }),
    channel: channelId
      .optional()
      .meta({ description: "Where cards are posted; omitted: the run's thread" }),
    timeout: duration('7d', 'The card expires after this long.').prefault('30m'),
    on_timeout: z.enum(['expire', 'deny']).default('expire').meta({
      description: '`expire` ends the run as expired; `deny` tells the model it was denied',
    }),
    remind_after: duration('7d', 'Approvers who have not decided get a reminder.').optional(),
    escalate_to: peopleSchema
      .optional()
      .meta({ description: 'Added as approvers halfway between the reminder and the timeout' }),
  })
  .meta({ description: 'Who approves high-risk tool calls, and how' });

const permissionRules = (description: string) =>
  z
    .array(z.string().min(1))
    .optional()
    .meta({
      description: `${description}, in Claude Code's permission-rule syntax: \`Read\`, \`Bash(npm test:*)\`, \`Edit(src/**)\`, \`mcp__github__*\``,
    });

export const gatewaySchema = z
  .strictObject({
    risk: z
      .strictObject({
        default: z
          .enum(['low', 'high', 'deny'])
          .default('high')
          .meta({ description: 'Risk of a call that matches no rule' }),
        low: permissionRules('Calls allowed without asking'),
        high: permissionRules('Calls that need approval'),
        deny: permissionRules('Calls that are always refused'),
      })
      .default({ default: 'high' })
      .meta({
        description:
          'Risk of each outside call: a `deny` rule wins, then `high`, then `low`; a call no rule matches gets `default`',
      }),
    wait: duration(
      '10m',
      'How long a request waits for a decision before it is answered "pending".',
    ).prefault('50s'),
    grants: z
      .strictObject({
        max: duration('24h', 'The longest grant an approver may give.'),
      })
      .optional()
      .meta({
        description:
          'Lets approvers approve a rule for the rest of a session, for at most `max`; omitted: no grants are offered',
      }),
  })
  .meta({
    description:
      'Governs outside agents (Claude Code hooks) through tokens bound to this workflow, in place of `agent` or `steps`',
  });

/** A manifest's fields; {@link manifestSchema} (manifest.ts) adds the cross-checks. */
export const manifestFields = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{1,62}$/,
      'must be 2-63 lowercase letters, digits or -, starting with a letter',
    )
    .meta({ description: 'Unique; `/countersign run <name>`' }),
  description: z.string().default('').meta({ description: 'Shown in `/countersign list`' }),
  access: accessSchema.optional(),
  inputs: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]*$/, 'input names are lowercase letters, digits and _'),
      inputSchema,
    )
    .default({})
    .meta({ description: 'The inputs, keyed by input name' }),
  secrets: z
    .array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'secret names are UPPER_CASE'))
    .default([])
    .meta({
      description:
        'Names of the secrets the tools use (`{{secrets.NAME}}`); values come from the secret store at execution time',
    }),
  agent: agentSchema.optional(),
  steps: z
    .array(stepSchema)
    .min(1)
    .optional()
    .meta({ description: 'A fixed runbook, run in order without a model' }),
  tools: z
    .array(toolSchema)
    .default([])
    .meta({ description: 'What the steps or the model may call' }),
  approval: approvalSchema.optional(),
  gateway: gatewaySchema.optional(),
});

export type WorkflowManifest = z.output<typeof manifestFields>;
export type InputSpec = z.output<typeof inputSchema>;
export type ToolSpec = z.output<typeof toolSchema>;
/** A tool of one kind, as parsed. */
export type ToolOfKind<K extends ToolKind> = z.output<(typeof toolKindSchemas)[K]>;
export type CommandToolSpec = ToolOfKind<'command'>;
export type HttpToolSpec = ToolOfKind<'http'>;
export type McpToolSpec = ToolOfKind<'mcp'>;
export type StepSpec = z.output<typeof stepSchema>;
export type ApprovalSpec = z.output<typeof approvalSchema>;
export type GatewaySpec = z.output<typeof gatewaySchema>;
