/**
 * What one call calls: a manifest tool by name and, when that tool serves many (an MCP server),
 * which of its tools. Steps, approvals and audit events store it as these two fields, and an
 * approval's binding hashes them, so their names and shapes stay as they are.
 */
export interface CallTarget {
  tool: string;
  /** The called tool of a tool that serves many (an MCP server's own tool name). */
  mcpTool?: string | undefined;
}

/** Just the target of a call, `mcpTool` left out when there is none (as records store it). */
export function callTarget({ tool, mcpTool }: CallTarget): CallTarget {
  return { tool, ...(mcpTool !== undefined ? { mcpTool } : {}) };
}

/** The name a call is shown and audited by: `restart`, or `github/create_issue`. */
export function nameOfCall({ tool, mcpTool }: CallTarget): string {
  return mcpTool === undefined ? tool : `${tool}/${mcpTool}`;
}
