/**
 * A conservative reading of one Bash command line: the simple commands it chains, and whether
 * anything in it is beyond what this reader can be sure of.
 *
 * It splits at the control operators `&&`, `||`, `;`, `|`, `|&`, `&` and newlines, outside
 * quotes. It does not try to read command and process substitution (`$(…)`, backticks, `<(…)`),
 * subshells and groups, here-documents, comments, shell keywords (`if`, `for`, `{`…) or
 * redirections to files: each of these marks the line `uncertain`, so that no allow rule or grant
 * covers it, and also splits there, so that a deny rule still sees the commands inside.
 * (Written by hand: shell-quote does not parse `$(…)`, bash-parser is unmaintained, and sh-syntax
 * is asynchronous WebAssembly.)
 */
export interface ShellCommandLine {
  /** The simple commands, in order, each trimmed with unquoted whitespace collapsed to one space. */
  readonly parts: string[];
  /** The text inside each quoted string, for a reader that wants to see into `sh -c '…'`. */
  readonly quoted: string[];
  /** What this reader cannot be sure of (e.g. "a command substitution"), or undefined. */
  uncertain: string | undefined;
}

/** Where the scan is: the nesting of quotes and substitutions, and what it has gathered. */
interface Scan {
  text: string;
  at: number;
  nesting: string[];
  /** The characters of the command being read, kept as pieces: string appends would be quadratic. */
  current: string[];
  quotedFrom: number[];
  line: ShellCommandLine;
}

/** The characters that may start something other than a plain word character. */
const SPECIAL = new Set([
  '\\',
  "'",
  '"',
  '$',
  '`',
  '<',
  '>',
  '(',
  ')',
  '&',
  '|',
  ';',
  '\n',
  '#',
  ' ',
  '\t',
]);

const SHELL_KEYWORDS = new Set(
  'if then else elif fi for while until do done case esac select function { } ! [[ ]] coproc'.split(
    ' ',
  ),
);

/** Lines read lately: one decision reads the same command (and its quoted parts) once per rule. */
const recent = new Map<string, ShellCommandLine>();
const RECENT_LINES = 16;

/** The simple commands of `command` and whether it could be read with certainty. */
export function splitShellCommand(command: string): ShellCommandLine {
  const known = recent.get(command);
  if (known !== undefined) return known;
  const line = scanCommand(command);
  if (recent.size >= RECENT_LINES) recent.delete(recent.keys().next().value as string);
  recent.set(command, line);
  return line;
}

function scanCommand(command: string): ShellCommandLine {
  const scan: Scan = {
    text: command,
    at: 0,
    nesting: [],
    current: [],
    quotedFrom: [],
    line: { parts: [], quoted: [], uncertain: undefined },
  };
  while (scan.at < command.length) step(scan);
  if (scan.nesting.length > 0) markUncertain(scan, `an unclosed ${scan.nesting.at(-1)}`);
  endPart(scan);
  return scan.line;
}

function step(scan: Scan): void {
  const inside = scan.nesting.at(-1);
  if (inside === "'") {
    singleQuoted(scan);
    return;
  }
  if (inside === '"') {
    doubleQuoted(scan);
    return;
  }
  unquoted(scan);
}

function singleQuoted(scan: Scan): void {
  const char = scan.text[scan.at] as string;
  scan.at += 1;
  if (char === "'") {
    closeQuote(scan);
    return;
  }
  scan.current.push(char);
}

function doubleQuoted(scan: Scan): void {
  const char = scan.text[scan.at] as string;
  if (char === '\\') {
    escaped(scan);
    return;
  }
  if (opensSubstitution(scan, ['$(', '`'])) return;
  scan.at += 1;
  if (char === '"') {
    closeQuote(scan);
    return;
  }
  scan.current.push(char);
}

/** Outside quotes: operators, quotes, substitutions, redirections, comments, words. */
function unquoted(scan: Scan): void {
  const char = scan.text[scan.at] as string;
  if (!SPECIAL.has(char)) {
    scan.current.push(char);
    scan.at += 1;
    return;
  }
  if (char === '\\') {
    escaped(scan);
    return;
  }
  if (char === "'" || char === '"') {
    openQuote(scan, char);
    return;
  }
  if (opensSubstitution(scan) || closesGroup(scan) || controlOperator(scan)) return;
  if (char === '>' || char === '<' || scan.text.startsWith('&>', scan.at)) {
    redirection(scan);
    return;
  }
  if (char === '#' && (scan.current.length === 0 || scan.current.at(-1) === ' ')) {
    comment(scan);
    return;
  }
  scan.at += 1;
  if (char === ' ' || char === '\t') {
    if (scan.current.length > 0 && scan.current.at(-1) !== ' ') scan.current.push(' ');
    return;
  }
  scan.current.push(char);
}

function escaped(scan: Scan): void {
  const next = scan.text[scan.at + 1];
  // A backslash before a newline joins the lines, as the shell does.
  if (next !== '\n') scan.current.push(`\\${next ?? ''}`);
  scan.at += 2;
}

function openQuote(scan: Scan, quote: string): void {
  scan.nesting.push(quote);
  scan.quotedFrom.push(scan.current.length + 1);
  scan.current.push(quote);
  scan.at += 1;
}

function closeQuote(scan: Scan): void {
  const quote = scan.nesting.pop() as string;
  const from = scan.quotedFrom.pop() ?? scan.current.length;
  scan.line.quoted.push(scan.current.slice(from).join(''));
  scan.current.push(quote);
}

/** `$(`, a backtick, `<(` or `>(`: what runs inside is another command line. */
function opensSubstitution(scan: Scan, openers = ['$(', '<(', '>(', '`']): boolean {
  const opener = openers.find((start) => scan.text.startsWith(start, scan.at));
  if (opener === undefined) return false;
  scan.at += opener.length;
  if (opener === '`' && scan.nesting.at(-1) === '`') {
    scan.nesting.pop();
    endPart(scan);
    return true;
  }
  markUncertain(
    scan,
    opener === '`' || opener === '$(' ? 'a command substitution' : 'a process substitution',
  );
  endPart(scan);
  scan.nesting.push(opener);
  return true;
}

/** `(` opens a subshell and `)` closes it or a substitution. */
function closesGroup(scan: Scan): boolean {
  const char = scan.text[scan.at];
  if (char !== '(' && char !== ')') return false;
  scan.at += 1;
  endPart(scan);
  if (char === '(') {
    markUncertain(scan, 'a subshell');
    scan.nesting.push('(');
  } else if (['(', '$(', '<(', '>('].includes(scan.nesting.at(-1) ?? '')) {
    scan.nesting.pop();
  } else {
    markUncertain(scan, 'an unmatched )');
  }
  return true;
}

const CONTROL_OPERATORS = ['&&', '||', '|&', ';;', ';', '|', '&', '\n'];

function controlOperator(scan: Scan): boolean {
  const operator = CONTROL_OPERATORS.find((op) => scan.text.startsWith(op, scan.at));
  if (operator === undefined || scan.text.startsWith('&>', scan.at)) return false;
  scan.at += operator.length;
  endPart(scan);
  return true;
}

const SAFE_REDIRECTION = /(&?>>?|>\|)\s*\/dev\/null(?=$|[\s;&|)])|>&(\d+|-)(?=$|[\s;&|)])/y;

/** Redirections to `/dev/null` and between descriptors (`2>&1`) are safe; any other is uncertain. */
function redirection(scan: Scan): void {
  SAFE_REDIRECTION.lastIndex = scan.at;
  const safe = SAFE_REDIRECTION.exec(scan.text);
  if (safe !== null) {
    scan.current.push(safe[0]);
    scan.at += safe[0].length;
    return;
  }
  markUncertain(scan, scan.text.startsWith('<<', scan.at) ? 'a here-document' : 'a redirection');
  scan.current.push(scan.text[scan.at] as string);
  scan.at += 1;
}

/** A comment hides what follows from the shell; this reader does not vouch for where it ends. */
function comment(scan: Scan): void {
  markUncertain(scan, 'a comment');
  const end = scan.text.indexOf('\n', scan.at);
  scan.at = end === -1 ? scan.text.length : end;
}

function endPart(scan: Scan): void {
  const part = scan.current.join('').trim();
  scan.current = [];
  if (part === '') return;
  const first = part.split(' ')[0] as string;
  if (SHELL_KEYWORDS.has(first)) markUncertain(scan, `the shell keyword ${first}`);
  scan.line.parts.push(part);
}

function markUncertain(scan: Scan, what: string): void {
  scan.line.uncertain ??= what;
}
