import type { ToolSpec, WorkflowManifest } from './manifest-schema';
import { findPlaceholders } from './template';
import { kindOf } from './tool-kinds';

/** The name a tool is called by: its `name`, or an MCP server's `mcp`. */
export const toolName = (tool: ToolSpec): string => kindOf(tool).name;

/** The manifest's tool (or MCP server) called `name`. */
export function findTool(manifest: WorkflowManifest, name: string): ToolSpec | undefined {
  return manifest.tools.find((tool) => toolName(tool) === name);
}

/** What a tool runs: its `http` or `command` definition, or an MCP server's `server`. */
export const toolDefinition = (tool: ToolSpec): unknown => kindOf(tool).definition;

/** The secret names a tool's definition uses (`{{secrets.NAME}}`), each once. */
export function secretsUsedBy(tool: ToolSpec): string[] {
  const names = findPlaceholders(JSON.stringify(toolDefinition(tool))).flatMap((use) =>
    'scope' in use && use.scope === 'secrets' ? [use.name] : [],
  );
  return [...new Set(names)];
}
