/**
 * The `.claude/settings.json` block that points Claude Code's PreToolUse hook at Countersign.
 *
 * Field names as Claude Code's hooks and settings references give them (code.claude.com/docs,
 * "Hooks reference" and "Settings", read through mirrors on 2026-12-04): a `matcher` of `*` matches
 * every tool; an `http` hook has `url`, `timeout` (seconds), `headers`, whose `$VAR` values are
 * filled only from the variables listed in `allowedEnvVars` (others become empty strings), and
 * `onFailure: "block"` (Claude Code >= 2.1.295), without which a hook that times out, errs or is
 * unreachable lets the call run (measured on 2.1.328: test/claude-code/cli-offline.test.ts).
 * Managed settings: `allowManagedHooksOnly` loads only managed hooks; `allowedHttpHookUrls` limits
 * the URLs HTTP hooks may reach; `httpHookAllowedEnvVars` limits the variables they may read.
 */

/** The variable the hook reads the person's gateway token from; never written into a file. */
export const TOKEN_VARIABLE = 'COUNTERSIGN_TOKEN';

/** The route the hook posts to (gateway/claude-code adapter). */
export const CLAUDE_CODE_PATH = '/gateway/claude-code';

/** Beyond the workflow's wait: the answer's way back, so the hook never times out first. */
export const HOOK_TIMEOUT_MARGIN_MS = 15_000;

export interface SettingsOptions {
  /** The service's public base URL (COUNTERSIGN_PUBLIC_URL), e.g. `https://countersign.example.com`. */
  url: string;
  /** The workflow's `gateway.wait`, in ms: how long a request may wait for a person. */
  waitMs: number;
  /** CI (`claude -p`): a call still pending is deferred, to be resumed, rather than denied. */
  headless: boolean;
}

export interface ClaudeCodeHttpHook {
  type: 'http';
  url: string;
  timeout: number;
  headers: { Authorization: string };
  allowedEnvVars: string[];
  onFailure: 'block';
}

export interface ClaudeCodeSettings {
  hooks: { PreToolUse: { matcher: string; hooks: ClaudeCodeHttpHook[] }[] };
}

/** The hook's URL: the base without a trailing slash, then the route (`?headless=1` for CI). */
export function hookUrl(url: string, headless: boolean): string {
  return `${url.replace(/\/+$/, '')}${CLAUDE_CODE_PATH}${headless ? '?headless=1' : ''}`;
}

/** The hook's timeout in whole seconds: longer than the wait, so Countersign always answers first. */
export function hookTimeoutSeconds(waitMs: number): number {
  return Math.ceil((waitMs + HOOK_TIMEOUT_MARGIN_MS) / 1_000);
}

/** The settings object: one PreToolUse http hook on every tool, failing closed. */
export function claudeCodeSettings(options: SettingsOptions): ClaudeCodeSettings {
  return {
    hooks: {
      PreToolUse: [
        {
          matcher: '*',
          hooks: [
            {
              type: 'http',
              url: hookUrl(options.url, options.headless),
              timeout: hookTimeoutSeconds(options.waitMs),
              headers: { Authorization: `Bearer $${TOKEN_VARIABLE}` },
              allowedEnvVars: [TOKEN_VARIABLE],
              onFailure: 'block',
            },
          ],
        },
      ],
    },
  };
}

/** How an admin makes the hook one that a person cannot remove or route around. */
export function managedSettingsNote(url: string): string {
  const base = url.replace(/\/+$/, '');
  return [
    'To enforce it on a machine, put the same "hooks" block in managed-settings.json',
    '(Linux: /etc/claude-code/, macOS: /Library/Application Support/ClaudeCode/) with',
    `"allowManagedHooksOnly": true (user and project hooks are then ignored) and`,
    `"allowedHttpHookUrls": ["${base}/*"] (HTTP hooks may reach only Countersign);`,
    `"httpHookAllowedEnvVars": ["${TOKEN_VARIABLE}"] also keeps hooks from reading other variables.`,
  ].join('\n');
}

/** The settings, pretty-printed, then the managed-settings variant in a few lines. */
export function claudeCodeSettingsText(options: SettingsOptions): string {
  return `${JSON.stringify(claudeCodeSettings(options), null, 2)}\n\n${managedSettingsNote(options.url)}\n`;
}
