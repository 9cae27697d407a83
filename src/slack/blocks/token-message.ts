import {
  claudeCodeSettings,
  managedSettingsNote,
  TOKEN_VARIABLE,
} from '../../gateway/claude-code/settings';
import type { GatewayToken } from '../../gateway/ports';
import { codeBlock, escapeMrkdwn, inlineCode } from './mrkdwn';
import type { SlackMessage } from './run-messages';
import { note, section } from './sections';

/** Shown in place of the service's address while COUNTERSIGN_PUBLIC_URL is unset. */
export const PLACEHOLDER_URL = 'https://<your countersign host>';

export interface NewTokenMessage {
  token: GatewayToken;
  /** The token's text: in this message only, never stored or logged. */
  text: string;
  waitMs: number;
  /** COUNTERSIGN_PUBLIC_URL, if an admin set it. */
  publicUrl?: string;
}

/** The private answer to `/countersign token <workflow>`: the token, and the settings to paste. */
export function newTokenMessage({ token, text, waitMs, publicUrl }: NewTokenMessage): SlackMessage {
  const url = publicUrl ?? PLACEHOLDER_URL;
  const settings = JSON.stringify(claudeCodeSettings({ url, waitMs, headless: false }), null, 2);
  const workflow = escapeMrkdwn(token.workflow);
  return {
    text: `Your Countersign token for ${workflow} (shown only this once)`,
    blocks: [
      section(
        `Your Countersign token for *${workflow}*, bound to you. It is shown only this once: Countersign keeps nothing but its hash. Put it in your shell profile:`,
      ),
      section(codeBlock(`export ${TOKEN_VARIABLE}=${text}`)),
      section(
        `Then add this to ${inlineCode('.claude/settings.json')} (one project) or ${inlineCode('~/.claude/settings.json')} (all of them); Claude Code then asks Countersign before every tool call:`,
      ),
      section(codeBlock(settings)),
      ...(publicUrl === undefined
        ? [
            note(
              `:warning: This Countersign does not know its own address yet: an admin must set ${inlineCode('COUNTERSIGN_PUBLIC_URL')}. Until then, replace ${inlineCode(PLACEHOLDER_URL)} above with it.`,
            ),
          ]
        : []),
      note(escapeMrkdwn(managedSettingsNote(url)).replace(/\n/g, ' ')),
      note(
        `Token ${inlineCode(token.id)}, label ${inlineCode(token.label ?? '-')}. Lost or leaked? An admin revokes it with ${inlineCode(`countersign token revoke ${token.id}`)}.`,
      ),
    ],
  };
}
