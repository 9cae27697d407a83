import { z } from 'zod';
import type { OutsideCall } from '../outside-call';

/** The largest tool_input the gateway reads (its canonical JSON), and the largest body. */
export const TOOL_INPUT_CAP = 256 * 1024;
export const BODY_CAP = TOOL_INPUT_CAP + 64 * 1024;

/** The hook events the gateway answers; any other is refused (it could not say what it allows). */
export const HOOK_EVENTS = ['PreToolUse', 'PermissionRequest'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/**
 * The fields of Claude Code's hook input the gateway reads (the rest is ignored). PermissionRequest
 * carries no tool_use_id: a call is bound by its hash, never by the client's ids.
 */
const hookRequestSchema = z.object({
  hook_event_name: z.string({ error: 'hook_event_name is missing' }),
  session_id: z.string({ error: 'session_id is missing' }).min(1, 'session_id is empty'),
  tool_name: z.string({ error: 'tool_name is missing' }).min(1, 'tool_name is empty'),
  tool_input: z.record(z.string(), z.unknown(), { error: 'tool_input must be an object' }),
  cwd: z.string().optional(),
  transcript_path: z.string().optional(),
  tool_use_id: z.string().optional(),
  permission_mode: z.string().optional(),
});

export type HookRequest =
  | { ok: true; event: HookEvent; call: OutsideCall }
  /** What could not be read, in one line; `event` when the body at least named one we answer. */
  | { ok: false; problem: string; event?: HookEvent };

/**
 * Reads a hook body (its bytes, as text; `over` when more came than {@link BODY_CAP} and the rest
 * was dropped) into a call, or says in one line what is wrong with it.
 */
export function readHookRequest(body: string, over = false): HookRequest {
  if (over || body.length > BODY_CAP) {
    return {
      ok: false,
      problem: `the request body is over ${BODY_CAP} bytes`,
      ...eventNamed(body),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'the request body is not JSON', ...eventNamed(body) };
  }
  const named = eventOf(json);
  const parsed = hookRequestSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      problem: parsed.error.issues[0]?.message ?? 'unreadable hook input',
      ...named,
    };
  }
  const hook = parsed.data;
  if (named.event === undefined) {
    return {
      ok: false,
      problem: `hook_event_name ${JSON.stringify(hook.hook_event_name)} is not one the gateway answers (${HOOK_EVENTS.join(', ')})`,
    };
  }
  if (JSON.stringify(hook.tool_input).length > TOOL_INPUT_CAP) {
    return { ok: false, problem: `tool_input is over ${TOOL_INPUT_CAP / 1024} KB`, ...named };
  }
  return {
    ok: true,
    event: named.event,
    call: {
      client: 'claude-code',
      sessionId: hook.session_id,
      tool: hook.tool_name,
      input: hook.tool_input,
      ...(hook.cwd ? { cwd: hook.cwd } : {}),
    },
  };
}

/**
 * The hook event a body's text names, when it cannot be parsed (not JSON, or over the cap): a
 * PermissionRequest hook ignores an answer in PreToolUse's shape (and shows its own prompt), so a
 * refusal must come in the shape of the event that asked.
 */
function eventNamed(text: string): { event?: HookEvent } {
  const named = /"hook_event_name"\s*:\s*"(PreToolUse|PermissionRequest)"/.exec(text);
  return named?.[1] === undefined ? {} : { event: named[1] as HookEvent };
}

function eventOf(json: unknown): { event?: HookEvent } {
  const name = (json as { hook_event_name?: unknown } | null)?.hook_event_name;
  return HOOK_EVENTS.includes(name as HookEvent) ? { event: name as HookEvent } : {};
}
