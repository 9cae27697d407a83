import type { ApprovalRecord } from '../../approvals/approval';
import { argumentsText, visibleText } from './arguments-text';
import { clipLine, escapeMrkdwn, inlineCode } from './mrkdwn';

/**
 * A gateway call rendered for a human, as the tool will act: Bash's command, Edit's diff, Write's
 * new text, an MCP tool's server, tool and arguments. `code` is what goes in the code block
 * (cut on the card, whole behind "Show all"); `heading` and `description` frame it.
 */
export interface SessionCallView {
  /** Mrkdwn lines above the code block: what the code block is (the command, the file). */
  heading: string;
  code: string;
  /** The agent's own words about the call (Bash's `description`), if it gave any. */
  description?: string;
}

const PATH_CHARS = 300;
type Input = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Text for a code block: invisible controls shown, and no run of backticks that would end it. */
function shownCode(text: string): string {
  return visibleText(text).replace(/```/g, 'ˋˋˋ');
}

function pathLine(label: string, path: string): string {
  return `*${label}* ${inlineCode(clipLine(visibleText(path), PATH_CHARS))}`;
}

/** `old → new` as diff lines: each line of the old text `-`, each of the new `+`. */
function diffLines(oldText: string, newText: string): string {
  const side = (mark: string, text: string) =>
    text === '' ? [] : text.split('\n').map((line) => `${mark} ${line}`);
  return [...side('-', oldText), ...side('+', newText)].join('\n');
}

interface Edit {
  old: string;
  new: string;
  all: boolean;
}

function editOf(input: unknown): Edit | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { old_string: old, new_string: made, replace_all: all } = input as Input;
  if (typeof old !== 'string' || typeof made !== 'string') return undefined;
  return { old, new: made, all: all === true };
}

function bash(input: Input): SessionCallView | undefined {
  const command = str(input.command);
  if (command === undefined) return undefined;
  const extras = [
    input.run_in_background === true ? 'in the background' : undefined,
    typeof input.timeout === 'number' ? `timeout ${input.timeout} ms` : undefined,
  ].filter(Boolean);
  const description = str(input.description)?.trim();
  return {
    heading: `*Command*${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`,
    code: shownCode(command),
    ...(description ? { description } : {}),
  };
}

function edit(input: Input): SessionCallView | undefined {
  const path = str(input.file_path);
  const change = editOf(input);
  if (path === undefined || change === undefined) return undefined;
  const every = change.all ? ' (every occurrence)' : '';
  return {
    heading: `${pathLine('Edits', path)}${every}`,
    code: shownCode(diffLines(change.old, change.new)),
  };
}

function multiEdit(input: Input): SessionCallView | undefined {
  const path = str(input.file_path);
  if (path === undefined || !Array.isArray(input.edits)) return undefined;
  const edits = input.edits.map(editOf);
  if (edits.some((change) => change === undefined)) return undefined;
  const parts = (edits as Edit[]).map(
    (change, n) =>
      `@@ edit ${n + 1} of ${edits.length}${change.all ? ', every occurrence' : ''} @@\n${diffLines(change.old, change.new)}`,
  );
  return {
    heading: `${pathLine('Edits', path)}, ${edits.length} ${edits.length === 1 ? 'change' : 'changes'}`,
    code: shownCode(parts.join('\n')),
  };
}

function write(input: Input): SessionCallView | undefined {
  const path = str(input.file_path);
  const content = str(input.content);
  if (path === undefined || content === undefined) return undefined;
  return { heading: `${pathLine('Writes', path)}, with this text`, code: shownCode(content) };
}

function notebookEdit(input: Input): SessionCallView | undefined {
  const path = str(input.notebook_path);
  const source = str(input.new_source);
  if (path === undefined || source === undefined) return undefined;
  const how = [
    str(input.edit_mode),
    str(input.cell_type),
    str(input.cell_id) && `cell ${input.cell_id}`,
  ]
    .filter(Boolean)
    .map((text) => escapeMrkdwn(clipLine(visibleText(String(text)), 80)));
  return {
    heading: `${pathLine('Notebook', path)}${how.length > 0 ? ` (${how.join(', ')})` : ''}, new source`,
    code: shownCode(source),
  };
}

const RENDERERS: Record<string, (input: Input) => SessionCallView | undefined> = {
  Bash: bash,
  Edit: edit,
  MultiEdit: multiEdit,
  Write: write,
  NotebookEdit: notebookEdit,
};

/** `mcp__github__create_issue` → server `github`, tool `create_issue`. */
function mcpParts(tool: string): { server: string; tool: string } | undefined {
  const match = /^mcp__(.+?)__(.+)$/.exec(tool);
  return match ? { server: match[1] as string, tool: match[2] as string } : undefined;
}

function argumentsView(approval: Pick<ApprovalRecord, 'tool' | 'args'>): SessionCallView {
  const { text, isJson } = argumentsText(approval.args);
  const mcp = mcpParts(approval.tool);
  const label = isJson ? '*Arguments*' : '*Arguments* (not JSON: shown as stored)';
  const heading = mcp
    ? `*MCP server* ${inlineCode(clipLine(mcp.server, 80))} · *tool* ${inlineCode(clipLine(mcp.tool, 80))}\n${label}`
    : label;
  return { heading, code: text.trim() === '{}' ? '' : text };
}

/**
 * The call of a session approval as a human reads it. A known tool whose input is not shaped as
 * that tool's is shown as its arguments: nothing is left out because it was unexpected.
 */
export function sessionCallView(approval: Pick<ApprovalRecord, 'tool' | 'args'>): SessionCallView {
  const render = RENDERERS[approval.tool];
  if (render !== undefined) {
    let input: unknown;
    try {
      input = JSON.parse(approval.args);
    } catch {
      input = undefined;
    }
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
      const view = render(input as Input);
      // Only these fields are shown: any other field, and the call is shown whole.
      if (view !== undefined && onlyKnownFields(approval.tool, input as Input)) return view;
    }
  }
  return argumentsView(approval);
}

/** The fields each rendering shows; an input with others is shown as its arguments instead. */
const SHOWN_FIELDS: Record<string, readonly string[]> = {
  Bash: ['command', 'description', 'run_in_background', 'timeout'],
  Edit: ['file_path', 'old_string', 'new_string', 'replace_all'],
  MultiEdit: ['file_path', 'edits'],
  Write: ['file_path', 'content'],
  NotebookEdit: ['notebook_path', 'new_source', 'cell_id', 'cell_type', 'edit_mode'],
};

function onlyKnownFields(tool: string, input: Input): boolean {
  const shown = SHOWN_FIELDS[tool] ?? [];
  if (!Object.keys(input).every((key) => shown.includes(key))) return false;
  if (tool !== 'MultiEdit') return true;
  const editFields = ['old_string', 'new_string', 'replace_all'];
  return (input.edits as Input[]).every((one) =>
    Object.keys(one).every((key) => editFields.includes(key)),
  );
}

/** The call on one short line, for lists: Bash's command, the file an edit touches, else the arguments. */
export function shortCall(call: { tool: string; args: string }): string {
  let input: unknown;
  try {
    input = JSON.parse(call.args);
  } catch {
    input = undefined;
  }
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Input;
  const short =
    (call.tool === 'Bash' && str(fields.command)) ||
    str(fields.file_path) ||
    str(fields.notebook_path) ||
    call.args;
  return inlineCode(clipLine(visibleText(short), 100));
}
