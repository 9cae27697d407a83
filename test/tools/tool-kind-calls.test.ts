import { callsOf } from '../../src/tools/tool-kind-calls';
import { toolOfEachKind } from '../support/tool-of-each-kind';

describe('how each kind of tool is called', () => {
  it('has an entry for every kind: what it starts, what it offers the model, how it is called', () => {
    const entries = toolOfEachKind().map(([kind, tool]) => {
      const calls = callsOf(tool);
      return {
        kind,
        starts: calls.start !== undefined,
        offered: calls.offer(undefined).map((offer) => offer.modelName),
        calls: typeof calls.call,
      };
    });
    // An MCP server's tools are offered once it runs: they are what it lists.
    expect(entries).toEqual([
      { kind: 'command', starts: false, offered: ['restart'], calls: 'function' },
      { kind: 'http', starts: false, offered: ['status'], calls: 'function' },
      { kind: 'mcp', starts: true, offered: [], calls: 'function' },
    ]);
  });
});
