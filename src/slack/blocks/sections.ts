import type { types } from '@slack/bolt';

/** Slack's limit on a section's text. */
export const SECTION_TEXT = 3000;

export function section(text: string): types.KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function note(text: string): types.KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

/**
 * Packs texts (each already fit to SECTION_TEXT) into as few sections as fit Slack's 3000
 * characters each, at most `maxBlocks` blocks; what does not fit is counted in a closing note.
 */
export function packSections(
  texts: readonly string[],
  maxBlocks: number,
  [one, many]: [string, string],
  separator = '\n\n',
): types.KnownBlock[] {
  const packed: string[] = [];
  let shown = 0;
  for (const text of texts) {
    const last = packed.at(-1);
    if (last !== undefined && last.length + separator.length + text.length <= SECTION_TEXT) {
      packed[packed.length - 1] = `${last}${separator}${text}`;
    } else if (packed.length < maxBlocks - 1) {
      packed.push(text);
    } else {
      break;
    }
    shown += 1;
  }
  const blocks = packed.map(section);
  const hidden = texts.length - shown;
  if (hidden > 0) blocks.push(note(`…and ${hidden} more ${hidden === 1 ? one : many} not shown.`));
  return blocks;
}
