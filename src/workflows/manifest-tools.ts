import type { ToolSpec, WorkflowManifest } from './manifest-schema';

/** The name a tool is called by: its `name`, or an MCP server's `mcp`. */
export const toolName = (tool: ToolSpec): string => ('mcp' in tool ? tool.mcp : tool.name);

/** The manifest's tool (or MCP server) called `name`. */
export function findTool(manifest: WorkflowManifest, name: string): ToolSpec | undefined {
  return manifest.tools.find((tool) => toolName(tool) === name);
}
