/**
 * Claude Code's permission-rule syntax (`Tool` or `Tool(specifier)`), parsed into what
 * `matchesRule` needs. A rule that cannot be read, or that could never match a call, is a
 * problem in one line, returned rather than thrown, for manifest validation to place.
 *
 * Forms read: `Tool` and `Tool(*)` (every use of the tool); `Bash(command)`, `Bash(prefix:*)`,
 * `Bash(with * wildcards)`; `Read|Edit|Write|MultiEdit|NotebookEdit(path)` with `//absolute`,
 * `~/home`, `./relative` or `relative` paths; `WebFetch(domain:host)`; `Agent|Task(name)`;
 * `mcp__server`, `mcp__server__*`, `mcp__server__tool`, `mcp__server__prefix*`.
 * Refused although Claude Code accepts them: `/path` (relative to a settings file, which a
 * gateway does not have) and specifiers Countersign cannot match yet (e.g. `Skill(…)`).
 */
import { type PathPattern, parsePathPattern } from './path-pattern';

export type PermissionRule =
  | { text: string; kind: 'tool'; tool: string }
  | { text: string; kind: 'bash'; pattern: BashPattern }
  | { text: string; kind: 'path'; tool: PathTool; path: PathPattern }
  | { text: string; kind: 'mcp'; glob: string }
  | { text: string; kind: 'domain'; domain: string }
  | { text: string; kind: 'agent'; tool: string; name: string };

/** A Bash specifier: `*` wildcards; `optionalTail` when a lone trailing ` *` may match nothing. */
export interface BashPattern {
  glob: string;
  optionalTail: boolean;
  /** The text before a legacy `:*`, which older docs read as a plain prefix (see match-rule.ts). */
  legacyPrefix?: string;
}

export type ParsedRule = { ok: true; rule: PermissionRule } | { ok: false; problem: string };

export const PATH_TOOLS = ['Read', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit'] as const;
export type PathTool = (typeof PATH_TOOLS)[number];

/** Claude Code's tools that take no specifier, and what to write instead where there is a way. */
const NO_SPECIFIER: Record<string, string> = {
  Glob: 'Read(…) rules cover Glob, Grep and LS',
  Grep: 'Read(…) rules cover Glob, Grep and LS',
  LS: 'Read(…) rules cover Glob, Grep and LS',
  WebSearch: 'write WebSearch alone',
  TodoWrite: 'write TodoWrite alone',
  ExitPlanMode: 'write ExitPlanMode alone',
  BashOutput: 'write BashOutput alone',
  KillShell: 'write KillShell alone',
};
const KNOWN_TOOLS = ['Bash', 'WebFetch', 'Agent', 'Task', 'Skill', ...PATH_TOOLS];

const fail = (problem: string): ParsedRule => ({ ok: false, problem });
const made = (rule: PermissionRule): ParsedRule => ({ ok: true, rule });

/** One rule of a `gateway.risk` list, or why it cannot be one. */
export function parsePermissionRule(text: string): ParsedRule {
  const rule = text.trim();
  if (rule === '') return fail('an empty rule: write a tool name, e.g. Read or Bash(npm test)');
  if (rule.startsWith('mcp__')) return parseMcpRule(rule);
  const open = rule.indexOf('(');
  if (open === -1) {
    if (rule.includes(')')) return fail(`unbalanced parentheses in "${rule}": a ) without (`);
    return parseToolName(rule, rule);
  }
  if (!rule.endsWith(')')) return fail(`unbalanced parentheses in "${rule}": it must end with )`);
  const specifier = rule.slice(open + 1, -1);
  if (!balanced(specifier)) return fail(`unbalanced parentheses in "${rule}"`);
  const named = parseToolName(rule.slice(0, open).trim(), rule);
  if (!named.ok || named.rule.kind !== 'tool') return named;
  return parseSpecifier(rule, named.rule.tool, specifier.trim());
}

function parseToolName(name: string, rule: string): ParsedRule {
  if (/^[A-Z][A-Za-z0-9]*$/.test(name)) return made({ text: rule, kind: 'tool', tool: name });
  const known = [...KNOWN_TOOLS, ...Object.keys(NO_SPECIFIER)];
  const sameButCase = known.find((tool) => tool.toLowerCase() === name.toLowerCase());
  if (sameButCase !== undefined) {
    return fail(
      `unknown tool "${name}": tool names are case-sensitive (did you mean "${sameButCase}"?)`,
    );
  }
  return fail(
    `"${name}" is not a tool name: write a Claude Code tool such as Read or Bash, or mcp__<server>`,
  );
}

function parseSpecifier(rule: string, tool: string, specifier: string): ParsedRule {
  if (specifier === '') return fail(`${tool}() is empty and matches nothing: write ${tool} alone`);
  if (specifier === '*') return made({ text: rule, kind: 'tool', tool });
  if (tool === 'Bash') return parseBashSpecifier(rule, specifier);
  if ((PATH_TOOLS as readonly string[]).includes(tool)) {
    const path = parsePathPattern(specifier);
    if (!path.ok) return fail(`${rule}: ${path.problem}`);
    return made({ text: rule, kind: 'path', tool: tool as PathTool, path: path.pattern });
  }
  if (tool === 'WebFetch') return parseDomain(rule, specifier);
  if (tool === 'Agent' || tool === 'Task')
    return made({ text: rule, kind: 'agent', tool, name: specifier });
  const instead = NO_SPECIFIER[tool];
  if (instead !== undefined)
    return fail(`${tool} takes no specifier, so ${rule} matches nothing: ${instead}`);
  return fail(`Countersign knows no specifier form for ${tool}: write ${tool} alone`);
}

function parseBashSpecifier(rule: string, specifier: string): ParsedRule {
  const legacy = specifier.indexOf(':*');
  if (legacy !== -1 && legacy !== specifier.length - 2) {
    return fail(`${rule}: :* works only at the end of a Bash rule (or write * wildcards)`);
  }
  if (legacy !== -1) {
    const prefix = specifier.slice(0, -2).trimEnd();
    if (prefix === '')
      return fail(`${rule}: nothing before :*; write Bash alone for every command`);
    // `prefix:*` is the older spelling of `prefix *`: the prefix, alone or followed by a word.
    return made({
      text: rule,
      kind: 'bash',
      pattern: { glob: `${prefix} *`, optionalTail: true, legacyPrefix: prefix },
    });
  }
  const lone = specifier.indexOf('*') === specifier.length - 1 && specifier.endsWith(' *');
  return made({ text: rule, kind: 'bash', pattern: { glob: specifier, optionalTail: lone } });
}

function parseDomain(rule: string, specifier: string): ParsedRule {
  const domain = specifier.startsWith('domain:') ? specifier.slice('domain:'.length).trim() : '';
  if (!specifier.startsWith('domain:')) {
    return fail(`${rule}: WebFetch takes domain:<host>, e.g. WebFetch(domain:example.com)`);
  }
  if (!/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(domain)) {
    return fail(`${rule}: "${domain}" is not a host name (write it without scheme, port or path)`);
  }
  return made({ text: rule, kind: 'domain', domain: domain.toLowerCase() });
}

function parseMcpRule(rule: string): ParsedRule {
  if (rule.includes('('))
    return fail(`${rule}: MCP rules take no parentheses; write mcp__<server>__<tool>`);
  const match = /^mcp__([A-Za-z0-9_-]+?)(?:__([A-Za-z0-9_-]*\*?))?$/.exec(rule);
  const [, server, tool] = match ?? [];
  if (server === undefined || server.includes('*')) {
    return fail(
      `${rule}: name the server, as mcp__<server>, mcp__<server>__* or mcp__<server>__<tool>`,
    );
  }
  if (tool === undefined || tool === '*')
    return made({ text: rule, kind: 'mcp', glob: `mcp__${server}__*` });
  if (tool === '') return fail(`${rule}: no tool name after the server's __`);
  if (tool.endsWith('*')) return made({ text: rule, kind: 'mcp', glob: rule });
  return made({ text: rule, kind: 'tool', tool: rule });
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    depth += char === '(' ? 1 : char === ')' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}
