/** What the Anthropic API accepts as a tool name. */
const MODEL_TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/**
 * The name the model calls an MCP server's tool by: `github` + `list_issues` →
 * `github__list_issues`, each character the Anthropic API refuses in a tool name (`.`, `/`, a
 * space…) replaced by `_`. Undefined when there is none (an empty name, or over 128 characters).
 */
export function modelToolName(serverName: string, toolName: string): string | undefined {
  if (toolName === '') return undefined;
  const name = `${serverName}__${toolName}`.replace(/[^a-zA-Z0-9_-]/gu, '_');
  return MODEL_TOOL_NAME.test(name) ? name : undefined;
}

export interface SkippedMcpTool {
  name: string;
  reason: string;
}

/**
 * Gives each tool its model name. Two tools must never share one (the model's call would run
 * the wrong tool), and the choice must not depend on the order a server lists them in (a run
 * resumed in another process lists them again): a name that needed no replacing keeps its model
 * name, and a replaced one that collides with any other is skipped.
 */
export function assignModelNames<T extends { name: string }>(
  serverName: string,
  tools: readonly T[],
): { named: (T & { modelName: string })[]; skipped: SkippedMcpTool[] } {
  const skipped: SkippedMcpTool[] = [];
  const claims = new Map<string, T[]>();
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name)) {
      skipped.push({ name: tool.name, reason: 'the server lists it twice' });
      continue;
    }
    seen.add(tool.name);
    const modelName = modelToolName(serverName, tool.name);
    if (modelName === undefined) {
      skipped.push({
        name: tool.name,
        reason: `"${serverName}__${tool.name}" cannot be made a model tool name (1-128 letters, digits, _ or -)`,
      });
      continue;
    }
    claims.set(modelName, [...(claims.get(modelName) ?? []), tool]);
  }

  const named: (T & { modelName: string })[] = [];
  for (const [modelName, claimants] of claims) {
    const verbatim = claimants.find((tool) => `${serverName}__${tool.name}` === modelName);
    const winner = claimants.length === 1 ? claimants[0] : verbatim;
    if (winner !== undefined) named.push({ ...winner, modelName });
    for (const tool of claimants) {
      if (tool === winner) continue;
      const others = claimants.filter((other) => other !== tool).map((other) => `"${other.name}"`);
      skipped.push({
        name: tool.name,
        reason: `its model name "${modelName}" would be the same as that of ${others.join(', ')}`,
      });
    }
  }
  return { named, skipped };
}
