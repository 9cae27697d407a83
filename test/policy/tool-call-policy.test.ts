import { decideToolCall } from '../../src/policy/tool-call-policy';
import { parseManifest } from '../../src/workflows/load-workflows';
import { mcpToolRisk } from '../../src/workflows/tool-kinds';

const loaded = parseManifest(
  'm.yaml',
  `name: demo
agent: { instructions: go }
tools:
  - { name: read, risk: low, command: { argv: [ls] } }
  - { name: write, command: { argv: [touch, x] } }
  - mcp: github
    server: { command: npx }
    risk: { default: high, low: ["get_*", "list_*"], high: [get_secret_*], deny: ["delete_*"] }
approval: { approvers: { users: [U0LEAD] } }
`,
);
if (!('workflow' in loaded)) throw new Error('fixture manifest is invalid');
const manifest = loaded.workflow.manifest;

describe('the policy for a tool call', () => {
  it('lets a low-risk tool run and sends a high-risk one (also by default) to approval', () => {
    expect(decideToolCall(manifest, { tool: 'read' })).toEqual({ decision: 'allow' });
    expect(decideToolCall(manifest, { tool: 'write' })).toEqual({
      decision: 'approve',
      approval: manifest.approval,
    });
  });

  it('denies a tool the manifest does not define', () => {
    expect(decideToolCall(manifest, { tool: 'rm' })).toEqual({
      decision: 'deny',
      reason: '"rm" is not a tool of demo',
    });
  });

  it('denies a call of an MCP server itself, rather than of one of its tools', () => {
    expect(decideToolCall(manifest, { tool: 'github' })).toEqual({
      decision: 'deny',
      reason: '"github" is an MCP server of demo; call one of its tools (github__<tool>)',
    });
  });

  it('applies MCP globs: deny before high before low, the default for the rest', () => {
    expect(decideToolCall(manifest, { tool: 'github', mcpTool: 'list_issues' })).toEqual({
      decision: 'allow',
    });
    expect(decideToolCall(manifest, { tool: 'github', mcpTool: 'get_secret_value' })).toMatchObject(
      {
        decision: 'approve',
      },
    );
    expect(decideToolCall(manifest, { tool: 'github', mcpTool: 'delete_repo' })).toMatchObject({
      decision: 'deny',
    });
    expect(decideToolCall(manifest, { tool: 'github', mcpTool: 'create_issue' })).toMatchObject({
      decision: 'approve',
    });
    expect(mcpToolRisk({ default: 'deny', low: ['get_*'] }, 'push')).toBe('deny');
    expect(mcpToolRisk({ default: 'low' }, 'anything')).toBe('low');
  });
});
