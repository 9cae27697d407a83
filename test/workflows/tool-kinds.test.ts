import { TOOL_KINDS, toolSchema } from '../../src/workflows/manifest-schema';
import { kindOf, STEP_KINDS, toolKind } from '../../src/workflows/tool-kinds';
import { toolOfEachKind } from '../support/tool-of-each-kind';

describe('the table of tool kinds', () => {
  it('knows a parsed tool of every kind the schema has by the key that marks it', () => {
    expect(toolOfEachKind().map(([kind]) => kind)).toEqual(TOOL_KINDS);
    expect(toolSchema.options).toHaveLength(TOOL_KINDS.length);
    for (const [kind, tool] of toolOfEachKind()) {
      expect(toolKind(tool)).toBe(kind);
      expect(Object.hasOwn(tool, kind)).toBe(true);
    }
  });

  it('has an entry for every kind, giving its name, definition and placeholder scopes', () => {
    const facts = toolOfEachKind().map(([, tool]) => {
      const { kind, name, nameKey, definitionKey, scopes, servesMany } = kindOf(tool);
      return { kind, name, nameKey, definitionKey, scopes, servesMany };
    });
    expect(facts).toEqual([
      {
        kind: 'command',
        name: 'restart',
        nameKey: 'name',
        definitionKey: 'command',
        scopes: ['inputs', 'args', 'secrets'],
        servesMany: false,
      },
      {
        kind: 'http',
        name: 'status',
        nameKey: 'name',
        definitionKey: 'http',
        scopes: ['inputs', 'args', 'secrets'],
        servesMany: false,
      },
      {
        kind: 'mcp',
        name: 'github',
        nameKey: 'mcp',
        definitionKey: 'server',
        scopes: ['inputs', 'secrets'],
        servesMany: true,
      },
    ]);
  });

  it('says the risk of a call: one risk for a tool, a server by its globs for the tool called', () => {
    const [command, http, mcp] = toolOfEachKind().map(([, tool]) => kindOf(tool));
    expect([command?.risk(''), command?.mayNeedApproval]).toEqual(['high', true]);
    expect([http?.risk(''), http?.mayNeedApproval]).toEqual(['low', false]);
    expect([mcp?.risk('create_issue'), mcp?.risk('list_issues'), mcp?.mayNeedApproval]).toEqual([
      'high',
      'low',
      true,
    ]);
  });

  it('lets steps call the kinds that are one tool each', () => {
    expect(STEP_KINDS).toEqual(['command', 'http']);
  });
});
