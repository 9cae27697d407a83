import { approvalBinding } from '../../src/approvals/approval';
import { callTarget, nameOfCall } from '../../src/workflows/call-target';

describe('the target of a call', () => {
  it('is stored as the tool, and the called tool only for a tool that serves many', () => {
    const step = { index: 0, tool: 'restart', mcpTool: undefined, args: '{}' };
    expect(callTarget(step)).toStrictEqual({ tool: 'restart' });
    expect(Object.keys(callTarget({ mcpTool: 'create_issue', tool: 'github' }))).toEqual([
      'tool',
      'mcpTool',
    ]);
  });

  it('is shown and audited as `tool` or `server/tool`', () => {
    expect(nameOfCall({ tool: 'restart' })).toBe('restart');
    expect(nameOfCall({ tool: 'github', mcpTool: 'create_issue' })).toBe('github/create_issue');
  });

  it('binds an approval to the same hash as before, so stored approvals still match', () => {
    // sha256 of JSON [tool, mcpTool or null, canonical args, manifest hash], pinned.
    expect(
      approvalBinding({ tool: 'restart', args: '{"service":"api"}', manifestHash: 'm1' }),
    ).toBe('8af20e8fb52f3b1b04d7947cfa4d62aa5087344df11adbab6705108c08db0ad4');
    expect(
      approvalBinding({
        ...callTarget({ tool: 'github', mcpTool: 'create_issue' }),
        args: '{"title":"x"}',
        manifestHash: 'm1',
      }),
    ).toBe('03ce289fca8559c7ea4754b5cf1dbed388c8a4ad7efdbfe236b11b63e4f49045');
  });
});
