import picomatch from 'picomatch';
import {
  type McpToolSpec,
  TOOL_KINDS,
  type ToolKind,
  type ToolOfKind,
  type ToolSpec,
} from './manifest-schema';
import {
  checkHttpRequest,
  checkInputSchema,
  checkProcessFixed,
  type Path,
  type Report,
} from './tool-checks';

/** Where a placeholder takes its value: `{{inputs.x}}`, `{{args.x}}`, `{{secrets.X}}`. */
export type PlaceholderScope = 'inputs' | 'args' | 'secrets';

/** What may happen to one call by the manifest's rules. */
export type CallRisk = 'low' | 'high' | 'deny';

type KeyOfString<T> = { [P in keyof T]-?: T[P] extends string ? P : never }[keyof T] & string;

/**
 * What one kind of tool means in a manifest: everything the core tells the kinds apart by. How a
 * kind is called is beside its transports, in tools/tool-kind-calls.ts.
 */
export interface ToolKindSpec<K extends ToolKind> {
  /** In a problem's words: "an MCP server". */
  noun: string;
  /** The field holding the name the steps and the model call it by. */
  nameKey: KeyOfString<ToolOfKind<K>>;
  /** The field holding what it runs, whose placeholders are filled in when it runs. */
  definitionKey: keyof ToolOfKind<K> & string;
  /** Which placeholders its definition may hold. */
  scopes: readonly PlaceholderScope[];
  /**
   * Whether it offers several tools, each called by its own name (an MCP server's, `mcpTool` in a
   * call); such a tool's risk is known only per call, and steps cannot call it.
   */
  servesMany: boolean;
  /** JSON Schema of its arguments as the manifest gives it; undefined: it takes none here. */
  inputSchema(tool: ToolOfKind<K>): Record<string, unknown> | undefined;
  /** The risk of one call; `calledTool` is the tool called, for a kind that serves many. */
  risk(tool: ToolOfKind<K>, calledTool: string): CallRisk;
  /** Whether some call of it waits for approval, so the workflow needs an `approval` block. */
  mayNeedApproval(tool: ToolOfKind<K>): boolean;
  /** The checks of its definition; `path` is the tool's. */
  check(tool: ToolOfKind<K>, path: Path, report: Report): void;
  /** Its line in an agent workflow's dry run; `hold` says why a call of a tool would not run. */
  dryRunLine(tool: ToolOfKind<K>, hold: (toolName: string) => string | undefined): string;
}

/** The risk of one tool of an MCP server by its rules: deny, then high, then low globs, else the default. */
export function mcpToolRisk(rules: McpToolSpec['risk'], toolName: string): CallRisk {
  const matches = (globs: string[] | undefined) =>
    (globs ?? []).some((glob) => picomatch.isMatch(toolName, glob));
  if (matches(rules.deny)) return 'deny';
  if (matches(rules.high)) return 'high';
  if (matches(rules.low)) return 'low';
  return rules.default;
}

/** A command or http tool: one tool, one risk, arguments by its input_schema. */
const oneTool = {
  nameKey: 'name',
  scopes: ['inputs', 'args', 'secrets'],
  servesMany: false,
  inputSchema: (tool: ToolOfKind<'command' | 'http'>) => tool.input_schema,
  risk: (tool: ToolOfKind<'command' | 'http'>) => tool.risk,
  mayNeedApproval: (tool: ToolOfKind<'command' | 'http'>) => tool.risk === 'high',
  dryRunLine: (
    tool: ToolOfKind<'command' | 'http'>,
    hold: (toolName: string) => string | undefined,
  ) => `• ${tool.name}: ${hold(tool.name) ?? 'low risk: would run at once'}`,
} as const;

const TOOL_KIND_SPECS: { [K in ToolKind]: ToolKindSpec<K> } = {
  command: {
    ...oneTool,
    noun: 'a command tool',
    definitionKey: 'command',
    check(tool, path, report) {
      checkInputSchema(tool.input_schema, [...path, 'input_schema'], report);
      const { argv, ...rest } = tool.command;
      const at = [...path, 'command'];
      checkProcessFixed({ ...rest, command: argv[0] ?? '' }, at, report, [...at, 'argv', 0]);
    },
  },
  http: {
    ...oneTool,
    noun: 'an http tool',
    definitionKey: 'http',
    check(tool, path, report) {
      checkInputSchema(tool.input_schema, [...path, 'input_schema'], report);
      checkHttpRequest(tool.http, [...path, 'http'], report);
    },
  },
  mcp: {
    noun: 'an MCP server',
    nameKey: 'mcp',
    definitionKey: 'server',
    // Its arguments are its tools' own, which the server lists when it starts.
    scopes: ['inputs', 'secrets'],
    servesMany: true,
    inputSchema: () => undefined,
    risk: (tool, calledTool) => mcpToolRisk(tool.risk, calledTool),
    mayNeedApproval: (tool) => tool.risk.default === 'high' || (tool.risk.high?.length ?? 0) > 0,
    check: (tool, path, report) => checkProcessFixed(tool.server, [...path, 'server'], report),
    dryRunLine(tool) {
      const rules = (['low', 'high', 'deny'] as const)
        .map((risk) => (tool.risk[risk]?.length ? `${risk}: ${tool.risk[risk]?.join(', ')}` : ''))
        .filter(Boolean);
      return `• ${tool.mcp} (MCP server): ${rules.join('; ')}${rules.length ? '; ' : ''}any other tool: ${tool.risk.default}`;
    },
  },
};

/** A tool's kind: the key among `command`, `http`, `mcp`… that its definition has. */
export function toolKind(tool: ToolSpec): ToolKind {
  const kind = TOOL_KINDS.find((kind) => Object.hasOwn(tool, kind));
  // The schema's union admits no tool without one.
  if (kind === undefined)
    throw new Error(`not a tool of any kind: ${Object.keys(tool).join(', ')}`);
  return kind;
}

/** Calls `use` with the tool typed by its kind, for a table keyed by ToolKind. */
export function withKind<R>(
  tool: ToolSpec,
  use: <K extends ToolKind>(kind: K, tool: ToolOfKind<K>) => R,
): R {
  return use(toolKind(tool), tool);
}

/** The entry of a tool's kind, applied to the tool. */
export interface KindOfTool {
  kind: ToolKind;
  noun: string;
  name: string;
  nameKey: string;
  definitionKey: string;
  /** What it runs: its `command` or `http` definition, or an MCP server's `server`. */
  definition: unknown;
  scopes: readonly PlaceholderScope[];
  servesMany: boolean;
  inputSchema: Record<string, unknown> | undefined;
  risk(calledTool: string): CallRisk;
  mayNeedApproval: boolean;
  check(path: Path, report: Report): void;
  dryRunLine(hold: (toolName: string) => string | undefined): string;
}

function applied<K extends ToolKind>(kind: K, tool: ToolOfKind<K>): KindOfTool {
  const spec: ToolKindSpec<K> = TOOL_KIND_SPECS[kind];
  return {
    kind,
    noun: spec.noun,
    name: tool[spec.nameKey] as string,
    nameKey: spec.nameKey,
    definitionKey: spec.definitionKey,
    definition: tool[spec.definitionKey],
    scopes: spec.scopes,
    servesMany: spec.servesMany,
    inputSchema: spec.inputSchema(tool),
    risk: (calledTool) => spec.risk(tool, calledTool),
    mayNeedApproval: spec.mayNeedApproval(tool),
    check: (path, report) => spec.check(tool, path, report),
    dryRunLine: (hold) => spec.dryRunLine(tool, hold),
  };
}

/** The fields tools are named by, over all kinds (`name`, an MCP server's `mcp`). */
export const TOOL_NAME_KEYS = [...new Set(TOOL_KINDS.map((kind) => TOOL_KIND_SPECS[kind].nameKey))];

/** The kinds a runbook step may call: those that are one tool each. */
export const STEP_KINDS = TOOL_KINDS.filter((kind) => !TOOL_KIND_SPECS[kind].servesMany);

export const kindOf = (tool: ToolSpec): KindOfTool => withKind(tool, applied);
