/** Slack's mrkdwn treats `&`, `<` and `>` as control characters; user text must escape them. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to fit a Block Kit field, saying so, without splitting a surrogate pair. */
export function fitText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const marker = '\n…(cut)';
  return Array.from(text.slice(0, limit - marker.length - 1)).join('') + marker;
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
