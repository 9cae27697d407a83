/**
 * `countersign hook claude-code`: Claude Code's `command` hook. It reads the hook's JSON on stdin,
 * asks the server, and prints the decision. On any failure it exits 2 with one line naming it,
 * which Claude Code reads as "block this call" (stderr is shown to Claude): it never lets a call
 * through on doubt, whatever the hook's own `onFailure`.
 */
import { BODY_CAP } from '../gateway/claude-code/hook-request';
import { claudeCodeSettings, hookUrl, managedSettingsNote } from '../gateway/claude-code/settings';

export interface HookOptions {
  /** COUNTERSIGN_URL: the service's base URL. */
  url: string | undefined;
  /** COUNTERSIGN_TOKEN. */
  token: string | undefined;
  headless: boolean;
  /** The hook's own deadline: past it, the call is blocked. */
  deadlineMs: number;
}

/** What the hook does: a line for stdout and exit 0, or a line for stderr and exit 2. */
export type HookResult = { code: 0; stdout: string; stderr?: string } | { code: 2; stderr: string };

const fail = (problem: string): HookResult => ({ code: 2, stderr: `countersign hook: ${problem}` });

/** The answer to one hook call: the server's decision, checked, or the failure in one line. */
export async function answerClaudeCodeHook(
  options: HookOptions,
  body: string,
): Promise<HookResult> {
  const missing = missingSetting(options);
  if (missing) return fail(missing);
  if (Buffer.byteLength(body) > BODY_CAP) return fail(`the hook input is over ${BODY_CAP} bytes`);
  const url = hookUrl(options.url as string, options.headless);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(options.deadlineMs),
    });
  } catch (error) {
    return fail(reachFailure(error, options));
  }
  const text = await response.text().catch(() => '');
  const refused = response.headers.get('x-countersign-refused');
  if (refused !== null) return fail(`token refused: ${reasonOf(text) ?? refused}`);
  if (response.status !== 200)
    return fail(`the server answered HTTP ${response.status}, not a decision`);
  return readsAsDecision(text)
    ? { code: 0, stdout: text }
    : fail('the server answered something that is not a Claude Code decision');
}

/**
 * `--print-settings`: the `.claude/settings.json` block for this token's workflow, made with the
 * workflow's wait (asked of the server, which also proves the URL and the token work), on stdout;
 * how to enforce it with managed settings, on stderr.
 */
export async function claudeCodeSettingsFor(options: HookOptions): Promise<HookResult> {
  const missing = missingSetting(options);
  if (missing) return fail(missing);
  const url = options.url as string;
  let response: Response;
  try {
    response = await fetch(`${hookUrl(url, false)}/settings`, {
      headers: { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(options.deadlineMs),
    });
  } catch (error) {
    return fail(reachFailure(error, options));
  }
  const text = await response.text().catch(() => '');
  if (response.status !== 200) {
    return fail(
      `the server refused the token (HTTP ${response.status}): ${reasonOf(text) ?? text}`,
    );
  }
  const answer = JSON.parse(text) as { wait_ms: number; headless: boolean };
  // Only a token made for CI defers (the server decides by the token; the flag only asks).
  if (options.headless && !answer.headless) {
    return fail(
      'this token was not made for CI, so its calls are never deferred: make one with countersign token create <workflow> --user U… --headless',
    );
  }
  const headless = answer.headless;
  // The JSON alone on stdout (`> .claude/settings.json` works); the managed variant on stderr.
  const settings = claudeCodeSettings({ url, waitMs: answer.wait_ms, headless });
  return {
    code: 0,
    stdout: `${JSON.stringify(settings, null, 2)}\n`,
    stderr: `${managedSettingsNote(url)}\n`,
  };
}

function missingSetting(options: HookOptions): string | undefined {
  if (!options.url)
    return 'COUNTERSIGN_URL is not set (the Countersign server, e.g. https://countersign.example.com)';
  if (!/^https?:\/\//.test(options.url))
    return `COUNTERSIGN_URL is not an http(s) URL: ${options.url}`;
  if (!options.token)
    return 'COUNTERSIGN_TOKEN is not set (make one with /countersign token <workflow>)';
  return undefined;
}

function reachFailure(error: unknown, options: HookOptions): string {
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `no decision within its deadline of ${options.deadlineMs / 1000} s; the call is blocked`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `the server is down or unreachable at ${options.url} (${cause?.code ?? cause?.message ?? (error as Error).message})`;
}

function reasonOf(text: string): string | undefined {
  try {
    const answer = JSON.parse(text) as {
      error?: string;
      hookSpecificOutput?: { permissionDecisionReason?: string; decision?: { message?: string } };
    };
    return (
      answer.error ??
      answer.hookSpecificOutput?.permissionDecisionReason ??
      answer.hookSpecificOutput?.decision?.message
    );
  } catch {
    return undefined;
  }
}

/** Whether the text is a decision Claude Code reads: PreToolUse's or PermissionRequest's. */
function readsAsDecision(text: string): boolean {
  let answer: { hookSpecificOutput?: Record<string, unknown> };
  try {
    answer = JSON.parse(text);
  } catch {
    return false;
  }
  const output = answer?.hookSpecificOutput;
  if (output?.hookEventName === 'PreToolUse') {
    return ['allow', 'deny', 'defer'].includes(output.permissionDecision as string);
  }
  if (output?.hookEventName === 'PermissionRequest') {
    const behavior = (output.decision as { behavior?: unknown } | undefined)?.behavior;
    return behavior === 'allow' || behavior === 'deny';
  }
  return false;
}
