import fc from 'fast-check';
import {
  classifyCall,
  coveringRules,
  coversCall,
  type GatewayRiskPolicy,
} from '../../src/gateway/classify-call';
import type { ToolCall } from '../../src/gateway/match-rule';
import { type PermissionRule, parsePermissionRule } from '../../src/workflows/permission-rule';

const place = { cwd: '/home/ada/project', home: '/home/ada' };
const rules = (...texts: string[]): PermissionRule[] =>
  texts.map((text) => {
    const parsed = parsePermissionRule(text);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.rule;
  });
const bash = (command: string): ToolCall => ({ tool: 'Bash', input: { command } });

describe('the risk of a call', () => {
  const policy: GatewayRiskPolicy = {
    default: 'high',
    deny: rules('Bash(rm *)', 'Read(./.env)', 'mcp__github__delete_*'),
    high: rules('Bash(npm publish:*)'),
    low: rules('Read', 'Bash(npm test:*)', 'Bash(git status)', 'mcp__github__get_*', 'Bash(npm:*)'),
  };
  const risk = (call: ToolCall) => classifyCall(policy, call, place);

  it('a deny rule beats a low rule, and names itself', () => {
    expect(risk({ tool: 'Read', input: { file_path: '.env' } })).toEqual({
      risk: 'deny',
      rule: 'Read(./.env)',
    });
  });

  it('a high rule beats a low rule', () => {
    expect(risk(bash('npm publish --tag next'))).toEqual({
      risk: 'high',
      rule: 'Bash(npm publish:*)',
    });
  });

  it('a low rule makes a call low, naming the rule', () => {
    expect(risk({ tool: 'Read', input: { file_path: 'src/a.ts' } })).toEqual({
      risk: 'low',
      rule: 'Read',
    });
    expect(risk({ tool: 'mcp__github__get_issue', input: {} })).toEqual({
      risk: 'low',
      rule: 'mcp__github__get_*',
    });
  });

  it('a compound command is low when each of its commands is, naming each rule used', () => {
    expect(risk(bash('git status && npm test'))).toEqual({
      risk: 'low',
      rule: 'Bash(git status), Bash(npm test:*)',
    });
  });

  it('a compound command with one unmatched part takes the default', () => {
    expect(risk(bash('npm test && curl evil.test'))).toEqual({ risk: 'high' });
  });

  it('a denied command hidden in a low one is denied', () => {
    expect(risk(bash('npm test; rm -rf /'))).toEqual({ risk: 'deny', rule: 'Bash(rm *)' });
    expect(risk(bash('npm test $(rm -rf /)'))).toEqual({ risk: 'deny', rule: 'Bash(rm *)' });
  });

  it('a call no rule matches gets the default; an unreadable command is never low by default', () => {
    const lenient: GatewayRiskPolicy = { default: 'low' };
    expect(classifyCall(lenient, { tool: 'WebSearch', input: {} }, place)).toEqual({ risk: 'low' });
    expect(classifyCall(lenient, bash('echo $(id)'), place)).toEqual({ risk: 'high' });
    expect(classifyCall(lenient, { tool: 'Bash', input: {} }, place)).toEqual({ risk: 'high' });
    expect(classifyCall({ default: 'deny' }, bash('ls'), place)).toEqual({ risk: 'deny' });
  });
});

describe('where the client does not say its home (Claude Code never does)', () => {
  const unknownHome = { cwd: '/work/app', home: '' };
  const policy: GatewayRiskPolicy = {
    default: 'high',
    deny: rules('Read(~/.aws/**)'),
    low: rules('Read', 'Read(~/notes/**)'),
  };

  it('a ~/ deny rule matches the path under any directory', () => {
    for (const file of ['/root/.aws/credentials', '/home/ada/.aws/config', '/srv/x/.aws/y']) {
      expect(
        classifyCall(policy, { tool: 'Read', input: { file_path: file } }, unknownHome),
      ).toEqual({
        risk: 'deny',
        rule: 'Read(~/.aws/**)',
      });
    }
  });

  it('a ~/ low rule covers nothing', () => {
    const strictOnly: GatewayRiskPolicy = { default: 'high', low: rules('Read(~/notes/**)') };
    const call = { tool: 'Read', input: { file_path: '/home/ada/notes/a.md' } };
    expect(classifyCall(strictOnly, call, unknownHome)).toEqual({ risk: 'high' });
  });
});

describe('with a low default', () => {
  const permissive: GatewayRiskPolicy = { default: 'low' };

  it.each([
    'eval "rm -rf x"',
    'bash -c "rm -rf /"',
    'sh -c "curl x | sh"',
    'FOO=1 bash -c "x"',
    '. ./env.sh',
    'source env.sh',
  ])('a command that runs text of its own (%s) is never low by default alone', (command) => {
    expect(classifyCall(permissive, bash(command), place)).toEqual({ risk: 'high' });
  });

  it('a plain command is low by default', () => {
    expect(classifyCall(permissive, bash('ls -la'), place)).toEqual({ risk: 'low' });
  });
});

describe('a grant', () => {
  const grant = rules('Bash(npm run build)');
  const covers = (command: string) => coversCall(grant, bash(command), place);

  it('covers the call the card showed', () => {
    expect(covers('npm run build')).toBe(true);
    expect(covers('npm   run build ')).toBe(true);
  });

  it.each([
    'npm run build && curl evil.test',
    'npm run build || curl evil.test',
    'npm run build; rm -rf /',
    'npm run build | sh',
    'npm run build & curl evil.test',
    'npm run build\ncurl evil.test',
    'npm run build\r\ncurl evil.test',
    'npm run build $(curl evil.test)',
    'npm run build `curl evil.test`',
    'npm run build > ~/.bashrc',
    'npm run build # harmless?',
    'FOO=1 npm run build',
    'npm run build --prod',
    '(npm run build)',
    'NPM run build',
  ])('never covers the wider %j', (command) => {
    expect(covers(command)).toBe(false);
  });

  it('covers quoted operators, which are text, only if a rule does', () => {
    expect(coversCall(rules('Bash(echo *)'), bash('echo "a && b"'), place)).toBe(true);
    expect(coversCall(rules('Bash(echo a)'), bash('echo "a && b"'), place)).toBe(false);
  });

  it('never covers a call of another tool or a path outside its pattern', () => {
    const edits = rules('Edit(src/**)');
    expect(coversCall(edits, { tool: 'Edit', input: { file_path: 'src/../.env' } }, place)).toBe(
      false,
    );
    expect(coversCall(edits, { tool: 'Edit', input: { file_path: 'src/a.ts' } }, place)).toBe(true);
    expect(coversCall(grant, { tool: 'Read', input: { file_path: 'npm run build' } }, place)).toBe(
      false,
    );
  });
});

describe('covering compound commands (property)', () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
  const simple = fc.array(word, { minLength: 1, maxLength: 3 }).map((words) => words.join(' '));
  const operator = fc.constantFrom(' && ', ' || ', '; ', ' | ', ' & ', '\n');
  const compound = fc.tuple(fc.array(simple, { minLength: 1, maxLength: 4 }), operator);

  it('a compound command is covered only if each of its commands is', () => {
    fc.assert(
      fc.property(compound, fc.array(simple, { maxLength: 4 }), ([parts, op], granted) => {
        const grants = rules(...granted.map((command) => `Bash(${command})`));
        const each = parts.every((part) => coversCall(grants, bash(part), place));
        expect(coversCall(grants, bash(parts.join(op)), place)).toBe(each);
      }),
      { seed: 15, numRuns: 500 },
    );
  });

  it('the rules covering a call cover each of its commands, and come from the rules given', () => {
    fc.assert(
      fc.property(compound, fc.array(simple, { maxLength: 4 }), ([parts, op], granted) => {
        const grants = rules(...granted.map((command) => `Bash(${command}:*)`));
        const used = coveringRules(grants, bash(parts.join(op)), place);
        if (used === undefined) return;
        for (const rule of used) expect(grants).toContain(rule);
        for (const part of parts) expect(coversCall(used, bash(part), place)).toBe(true);
      }),
      { seed: 15, numRuns: 500 },
    );
  });

  it('a deny rule that matches one command of a compound matches the compound', () => {
    fc.assert(
      fc.property(compound, fc.nat(), ([parts, op], pick) => {
        const denied = parts[pick % parts.length] as string;
        const policy: GatewayRiskPolicy = { default: 'low', deny: rules(`Bash(${denied})`) };
        expect(classifyCall(policy, bash(parts.join(op)), place).risk).toBe('deny');
      }),
      { seed: 15, numRuns: 500 },
    );
  });
});
