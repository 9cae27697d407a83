import { manifestSchema } from '../../src/workflows/manifest';
import type { ToolKind, ToolSpec, WorkflowManifest } from '../../src/workflows/manifest-schema';

/**
 * One tool of every kind, as a manifest writes it. Typed by ToolKind, so a new kind does not
 * compile here until it has one: the kind-table tests then check its entries.
 */
const WRITTEN: { [K in ToolKind]: Record<string, unknown> } = {
  command: {
    name: 'restart',
    input_schema: { type: 'object', properties: { service: { type: 'string' } } },
    command: { argv: ['systemctl', 'restart', '{{args.service}}'] },
  },
  http: {
    name: 'status',
    risk: 'low',
    http: { method: 'GET', url: 'https://status.example.test/{{inputs.env}}' },
  },
  mcp: {
    mcp: 'github',
    server: { command: 'github-mcp', env: { TOKEN: '{{secrets.GITHUB_TOKEN}}' } },
    risk: { default: 'low', high: ['create_*'] },
  },
};

/** An agent workflow with one tool of every kind, parsed. */
export function workflowWithEveryKind(): WorkflowManifest {
  return manifestSchema.parse({
    name: 'every-kind',
    inputs: { env: { type: 'string' } },
    secrets: ['GITHUB_TOKEN'],
    agent: { instructions: 'Look around.' },
    tools: Object.values(WRITTEN),
    approval: { approvers: { users: ['U0123ABCD'] } },
  });
}

/** The parsed tool of each kind. */
export function toolOfEachKind(): [ToolKind, ToolSpec][] {
  const tools = workflowWithEveryKind().tools;
  return (Object.keys(WRITTEN) as ToolKind[]).map((kind, index) => [
    kind,
    tools[index] as ToolSpec,
  ]);
}
