/**
 * Whether a permission rule matches a tool call (`{ tool, input }`, nothing more of Claude Code's
 * request), with Claude Code's documented semantics:
 * - a tool name alone matches every use of the tool; `Edit` covers every tool that edits files
 *   (Edit, Write, MultiEdit, NotebookEdit);
 * - `Bash(npm run build)` matches that command exactly, `Bash(npm test:*)` and `Bash(npm test *)`
 *   match `npm test` alone or followed by more words (not `npm tests`), `*` matches any run of
 *   characters; a compound command (`a && b`, `a | b`, `a; b`, …) matches an allow rule only if
 *   every one of its commands does;
 * - path rules match `file_path` (`notebook_path`), normalised against the session's cwd;
 * - `mcp__server` and `mcp__server__*` match every tool of the server, `mcp__server__tool` one;
 * - `WebFetch(domain:example.com)` matches a fetch of a URL on that host.
 *
 * Where Claude Code does not document what it does, the choice is fail-closed, by `reading`:
 * deny and high rules are read `broad` (they match wherever they might: across case, at any
 * path depth, inside substitutions and `sh -c '…'`, past wrappers like `timeout`, `sudo` and
 * `FOO=1`, on input they cannot read), low rules and grants `strict` (they match only where they
 * surely do: a command this module cannot read with certainty, see shell-command.ts, is covered by
 * no pattern, and a Read(path) rule never covers a Grep, Glob or LS search).
 */

import type { PathPattern } from '../workflows/path-pattern';
import type { BashPattern, PathTool, PermissionRule } from '../workflows/permission-rule';
import { matchesPathPattern, type PathContext, type Reading, searchMayReach } from './path-pattern';
import { splitShellCommand } from './shell-command';
import { matchesWildcard } from './wildcard';

export interface ToolCall {
  tool: string;
  input: unknown;
}

/** The session's working and home directories, and how to read what the docs leave open. */
export type MatchContext = PathContext;
export type { Reading };

const EDITORS = ['Edit', 'Write', 'MultiEdit', 'NotebookEdit'];
const SEARCHES = ['Grep', 'Glob', 'LS'];

export function matchesRule(rule: PermissionRule, call: ToolCall, context: MatchContext): boolean {
  const broad = context.reading === 'broad';
  switch (rule.kind) {
    case 'tool':
      return toolNameMatches(rule.tool, call.tool, context.reading);
    case 'bash':
      return (
        call.tool === 'Bash' &&
        commandMatches(rule.pattern, field(call, 'command'), context.reading)
      );
    case 'path':
      return pathRuleMatches(rule, call, context);
    case 'mcp':
      return mcpGlobMatches(rule.glob, call.tool, context.reading);
    case 'domain':
      return (
        call.tool === 'WebFetch' && domainMatches(rule.domain, field(call, 'url'), context.reading)
      );
    case 'agent':
      return call.tool === rule.tool && sameText(rule.name, field(call, 'subagent_type'), broad);
  }
}

/** A string field of the call's input, or undefined when there is none. */
function field(call: ToolCall, name: string): string | undefined {
  if (typeof call.input !== 'object' || call.input === null) return undefined;
  const value = (call.input as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function sameText(expected: string, actual: string | undefined, broad: boolean): boolean {
  if (actual === undefined) return broad;
  return broad ? expected.toLowerCase() === actual.toLowerCase() : expected === actual;
}

function toolNameMatches(tool: string, called: string, reading: Reading): boolean {
  if (sameText(tool, called, reading === 'broad')) return true;
  if (tool === 'Edit') return EDITORS.includes(called);
  // Claude Code applies Read rules to its searches "best-effort": a deny of Read denies them too.
  return tool === 'Read' && reading === 'broad' && SEARCHES.includes(called);
}

/** Whether a Bash command matches one pattern: each of its commands, or (broad) any of them. */
export function commandMatches(
  pattern: BashPattern,
  command: string | undefined,
  reading: Reading,
) {
  if (command === undefined) return reading === 'broad';
  if (reading === 'broad')
    return broadCommands(command).some((each) => partMatches(pattern, each, reading));
  const line = splitShellCommand(command);
  if (line.uncertain !== undefined || line.parts.length === 0) return false;
  return line.parts.every((part) => partMatches(pattern, part, reading));
}

/**
 * One simple command against a pattern; a lone trailing ` *` may match no words at all. Claude
 * Code's docs once read `curl http://site.com/:*` as a plain prefix and now read `:*` as ` *`
 * (a word boundary): broad takes the prefix too, strict only the word boundary.
 */
export function partMatches(pattern: BashPattern, part: string, reading: Reading): boolean {
  const fold = (text: string) => (reading === 'broad' ? text.toLowerCase() : text);
  const [glob, text] = [fold(pattern.glob), fold(part)];
  if (matchesWildcard(glob, text) || (pattern.optionalTail && text === glob.slice(0, -2)))
    return true;
  const prefix = reading === 'broad' ? pattern.legacyPrefix : undefined;
  return prefix !== undefined && text.startsWith(fold(prefix));
}

const WRAPPERS = new Set(
  'timeout time nice nohup stdbuf ionice env sudo doas command builtin exec xargs nsenter chroot'.split(
    ' ',
  ),
);
const KEYWORDS = new Set('if then else elif do while until ! { ( time'.split(' '));

/** What a deny rule should see of a command: the whole, each part, inside quotes, past wrappers. */
function broadCommands(command: string): string[] {
  if (lastBroad?.command === command) return lastBroad.commands;
  const line = splitShellCommand(command);
  const inner = line.quoted.flatMap((text) => splitShellCommand(text).parts);
  const commands = [...new Set([command.trim(), ...line.parts, ...inner].flatMap(withoutWrappers))];
  lastBroad = { command, commands };
  return commands;
}

/** One decision asks every deny and high rule about the same command. */
let lastBroad: { command: string; commands: string[] } | undefined;

/** `sudo FOO=1 timeout -s KILL 5 /bin/rm -rf x` is also seen as `rm -rf x` and `/bin/rm -rf x`. */
function withoutWrappers(part: string): string[] {
  const words = part.split(' ');
  let first = 0;
  let wrapped = false;
  for (; first < words.length; first += 1) {
    const word = words[first] as string;
    const isArgument = wrapped && (/^-/.test(word) || /^\d+(\.\d+)?[smhd]?$/.test(word));
    if (
      !(
        /^[A-Za-z_][A-Za-z0-9_]*=/.test(word) ||
        WRAPPERS.has(word) ||
        KEYWORDS.has(word) ||
        isArgument
      )
    )
      break;
    wrapped ||= WRAPPERS.has(word);
  }
  const rest = words.slice(first).join(' ');
  const bare = rest.replace(/^\S*\//, '');
  return [...new Set([part, rest, bare])].filter((text) => text !== '');
}

type PathRule = Extract<PermissionRule, { kind: 'path' }>;

function pathRuleMatches(rule: PathRule, call: ToolCall, context: MatchContext): boolean {
  const tool = rule.tool;
  const broad = context.reading === 'broad';
  if (tool === 'Read' && SEARCHES.includes(call.tool))
    return broad && searchMatches(rule.path, call, context);
  if (!pathToolsOf(tool, broad).includes(call.tool)) return false;
  const file = field(call, call.tool === 'NotebookEdit' ? 'notebook_path' : 'file_path');
  if (file === undefined || file === '') return broad;
  return matchesPathPattern(rule.path, file, context);
}

/** The tools a path rule applies to: Edit's to every editor (documented), Write's (broad) too. */
function pathToolsOf(tool: PathTool, broad: boolean): string[] {
  if (tool === 'Read') return ['Read', 'NotebookRead'];
  return tool === 'Edit' || broad ? EDITORS : [tool];
}

function searchMatches(pattern: PathPattern, call: ToolCall, context: MatchContext) {
  const globs = [field(call, 'pattern'), field(call, 'glob')].filter((glob) => glob !== undefined);
  // A search glob that leaves its root (`../`, `/etc/*`) may reach anything.
  if (globs.some((glob) => glob.startsWith('/') || glob.startsWith('~') || glob.includes('..')))
    return true;
  return searchMayReach(pattern, field(call, 'path') || context.cwd, context);
}

/**
 * `mcp__server__*`-style globs. A strict reading does not let the server's glob cover a tool
 * name with another `__` after the server's (`mcp__a__b__c` may be server `a__b`'s tool `c`).
 */
function mcpGlobMatches(glob: string, tool: string, reading: Reading): boolean {
  if (reading === 'broad') return matchesWildcard(glob.toLowerCase(), tool.toLowerCase());
  const prefix = glob.slice(0, glob.indexOf('__', 'mcp__'.length) + 2);
  return matchesWildcard(glob, tool) && !tool.slice(prefix.length).includes('__');
}

/** `domain:example.com`: that host; broad also its subdomains; `*.example.com` subdomains only. */
function domainMatches(domain: string, url: string | undefined, reading: Reading): boolean {
  const host = hostOf(url);
  if (host === undefined) return reading === 'broad';
  const base = domain.replace(/^\*\./, '');
  const subdomain = host.endsWith(`.${base}`);
  if (domain.startsWith('*.')) return subdomain;
  return host === base || (reading === 'broad' && subdomain);
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  return new URL(url).hostname.replace(/\.$/, '').toLowerCase() || undefined;
}
