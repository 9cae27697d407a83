import { parsePermissionRule } from '../../src/workflows/permission-rule';

const problemOf = (text: string) => {
  const parsed = parsePermissionRule(text);
  return parsed.ok ? undefined : parsed.problem;
};

describe('parsing a permission rule', () => {
  it.each([
    ['Read', { kind: 'tool', tool: 'Read' }],
    ['Bash(*)', { kind: 'tool', tool: 'Bash' }],
    ['Bash(git status)', { kind: 'bash', pattern: { glob: 'git status', optionalTail: false } }],
    [
      'Bash(npm test:*)',
      {
        kind: 'bash',
        pattern: { glob: 'npm test *', optionalTail: true, legacyPrefix: 'npm test' },
      },
    ],
    ['Bash(ls *)', { kind: 'bash', pattern: { glob: 'ls *', optionalTail: true } }],
    ['Bash(git * main)', { kind: 'bash', pattern: { glob: 'git * main', optionalTail: false } }],
    ['Edit(src/**)', { kind: 'path', tool: 'Edit', path: { anchor: 'cwd', glob: 'src/**' } }],
    ['Read(./.env)', { kind: 'path', tool: 'Read', path: { anchor: 'cwd', glob: '.env' } }],
    [
      'Read(//etc/passwd)',
      { kind: 'path', tool: 'Read', path: { anchor: 'root', glob: 'etc/passwd' } },
    ],
    ['Read(~/.ssh/**)', { kind: 'path', tool: 'Read', path: { anchor: 'home', glob: '.ssh/**' } }],
    ['Edit(src/../.env)', { kind: 'path', tool: 'Edit', path: { anchor: 'cwd', glob: '.env' } }],
    ['mcp__github', { kind: 'mcp', glob: 'mcp__github__*' }],
    ['mcp__github__*', { kind: 'mcp', glob: 'mcp__github__*' }],
    ['mcp__github__get_*', { kind: 'mcp', glob: 'mcp__github__get_*' }],
    ['mcp__github__create_issue', { kind: 'tool', tool: 'mcp__github__create_issue' }],
    ['WebFetch(domain:Example.com)', { kind: 'domain', domain: 'example.com' }],
    ['Agent(Explore)', { kind: 'agent', tool: 'Agent', name: 'Explore' }],
    ['SomeFutureTool', { kind: 'tool', tool: 'SomeFutureTool' }],
  ])('reads %s', (text, rule) => {
    expect(parsePermissionRule(text)).toEqual({ ok: true, rule: { text, ...rule } });
  });

  it.each([
    ['', /empty rule/],
    ['Bash(npm test', /unbalanced parentheses.*must end with \)/],
    ['Bash)', /unbalanced parentheses.*\) without \(/],
    ['Bash(echo (a)', /unbalanced parentheses/],
    ['Bash()', /Bash\(\) is empty and matches nothing/],
    ['Read(  )', /Read\(\) is empty/],
    ['Bash(:*)', /nothing before :\*/],
    ['Bash(npm:* test)', /:\* works only at the end/],
    ['bash(ls)', /case-sensitive \(did you mean "Bash"\?\)/],
    ['webfetch', /did you mean "WebFetch"/],
    ['rm -rf', /not a tool name/],
    ['WebSearch(claude)', /WebSearch takes no specifier, so .* matches nothing/],
    ['Glob(src/**)', /Read\(…\) rules cover Glob, Grep and LS/],
    ['TodoWrite(x)', /takes no specifier/],
    ['Skill(deploy)', /knows no specifier form for Skill/],
    ['WebFetch(example.com)', /WebFetch takes domain:<host>/],
    ['WebFetch(domain:https://example.com/x)', /not a host name/],
    ['Read(/etc/passwd)', /write \/\/path for an absolute path/],
    ['Read(~alice/x)', /only ~\//],
    ['mcp__*', /name the server/],
    ['mcp__github(x)', /MCP rules take no parentheses/],
    ['mcp__github__', /no tool name/],
  ])('refuses %j with a one-line problem', (text, problem) => {
    const found = problemOf(text);
    expect(found).toMatch(problem);
    expect(found).not.toContain('\n');
  });
});
