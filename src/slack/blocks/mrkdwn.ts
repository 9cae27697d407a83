/** Slack's mrkdwn treats `&`, `<` and `>` as control characters; user text must escape them. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The first `length` UTF-16 units of text, less one if that would split a surrogate pair. */
function headOf(text: string, length: number): string {
  const head = text.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head;
}

/** Cuts text to fit a Block Kit field, saying so, without splitting a surrogate pair. */
export function fitText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const marker = '\n…(cut)';
  return headOf(text, limit - marker.length) + marker;
}

/** Cuts text to one short line (no line breaks), ending in `…` when cut. */
export function clipLine(text: string, limit: number): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ');
  return line.length <= limit ? line : `${headOf(line, limit - 1)}…`;
}

/** A code block holding arbitrary output, fit into a section's 3000 characters. */
export function codeBlock(text: string, limit = 3000): string {
  const fence = '```';
  const body = fitText(escapeMrkdwn(text.replace(/```/g, 'ˋˋˋ')), limit - 2 * fence.length - 2);
  return `${fence}\n${body}${fence}`;
}

/** Text shown as inline code: escaped, and with backticks that would end the code span replaced. */
export function inlineCode(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, 'ˋ'))}\``;
}

/** Slack's date formats (docs.slack.dev/messaging/formatting-message-text#date-formatting). */
export const DATE_FORMAT = {
  /** `Yesterday 14:05` (`Mar 3rd, 2026 14:05` further back) */
  minutes: '{date_short_pretty} {time}',
  /** `Yesterday 14:05:09` */
  seconds: '{date_short_pretty} {time_secs}',
} as const;

/**
 * A time that each viewer sees in their own time zone; clients that cannot render it show the
 * fallback, in UTC.
 */
export function slackDate(at: Date, format: string = DATE_FORMAT.minutes): string {
  const ms = at.getTime();
  if (Number.isNaN(ms)) return 'an unknown time';
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

/** `<@U…>` for a Slack user id; anything not shaped like one is shown as code, never as a link. */
export function userMention(userId: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : inlineCode(userId);
}

/** `<!subteam^S…>` for a Slack user group id; anything else is shown as code. */
export function usergroupMention(groupId: string): string {
  return /^S[A-Z0-9]{2,}$/.test(groupId) ? `<!subteam^${groupId}>` : inlineCode(groupId);
}

/** `<#C…>` for a Slack channel id; anything else is shown as code. */
export function channelMention(channelId: string): string {
  return /^[CGD][A-Z0-9]{2,}$/.test(channelId) ? `<#${channelId}>` : inlineCode(channelId);
}
