import { escapeMrkdwn } from './mrkdwn';

/**
 * Characters that change how the text around them looks without being seen themselves: bidi
 * controls (which can make `rm -rf /` read as something else), line and paragraph separators,
 * zero-width spaces. Not the zero-width joiner, which emoji sequences need.
 */
const INVISIBLE = /[\u061C\u200B\u200E\u200F\u2028\u2029\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const hex = (char: string) => char.charCodeAt(0).toString(16).padStart(4, '0');

/** Prose from a model or a person, with invisible controls shown as `[U+202E]` and no half characters. */
export function visibleText(text: string): string {
  return text
    .replace(INVISIBLE, (char) => `[U+${hex(char).toUpperCase()}]`)
    .replace(LONE_SURROGATE, '\uFFFD');
}

/** What a tool call's arguments look like on a card: pretty JSON, or the stored text if it is not JSON. */
export interface ArgumentsText {
  text: string;
  isJson: boolean;
}

/**
 * The arguments pretty-printed, safe inside a code block and still JSON of the same value: a
 * human who copies them gets what will run. A run of three backticks (which would end the code
 * block) and invisible characters are written as `\u` escapes, which JSON reads back unchanged;
 * they can only occur inside strings, where any character may be so escaped.
 */
export function argumentsText(args: string): ArgumentsText {
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    return { text: visibleText(args).replace(/```/g, 'ˋˋˋ'), isJson: false };
  }
  const text = JSON.stringify(value, null, 2)
    .replace(/```/g, '\\u0060\\u0060\\u0060')
    .replace(INVISIBLE, (char) => `\\u${hex(char)}`);
  return { text, isJson: true };
}

/** A code block around a piece of text; `escapeMrkdwn` is undone by Slack when it shows it. */
export function codeFence(text: string): string {
  // A backtick right before the closing fence would make it four.
  const end = text.endsWith('`') ? '\n```' : '```';
  return `\`\`\`\n${escapeMrkdwn(text)}${end}`;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The last boundary between user-perceived characters at or before `end` (and after `start`), or -1. */
function graphemeBoundary(text: string, start: number, end: number): number {
  // Grapheme breaks are local: a window around the cut decides it.
  const from = Math.max(start, end - 128);
  let best = -1;
  for (const { index } of graphemes.segment(text.slice(from, Math.min(text.length, end + 128)))) {
    const at = from + index;
    if (at > end) break;
    if (at > start) best = at;
  }
  return best;
}

/**
 * Where a piece of `text` starting at `start` ends so that, escaped, it holds at most `budget`
 * characters and `maxLines` line breaks. A cut falls after a line break when one is in the
 * second half of the piece, otherwise between user-perceived characters (never inside an emoji,
 * a letter with its combining marks, or a surrogate pair), and never right after a backtick.
 */
export function cutEnd(text: string, start: number, budget: number, maxLines = Infinity): number {
  let end = start;
  let used = 0;
  let lines = 0;
  while (end < text.length) {
    const char = text.charCodeAt(end);
    used += char === 38 ? 5 : char === 60 || char === 62 ? 4 : 1;
    if (used > budget) break;
    end += 1;
    if (char === 10) {
      lines += 1;
      if (lines >= maxLines) return end;
    }
  }
  if (end >= text.length) return text.length;
  const newline = text.lastIndexOf('\n', end - 1);
  if (newline >= start && newline + 1 - start >= (end - start) / 2) return newline + 1;
  let cut = graphemeBoundary(text, start, end);
  while (cut > start + 1 && text[cut - 1] === '`') cut -= 1;
  if (cut > start && text[cut - 1] !== '`') return cut;
  // One character longer than the budget (thousands of combining marks): split it, not a pair.
  const pairSplit = /[\uD800-\uDBFF]/.test(text[end - 1] ?? '') && end - 1 > start;
  return Math.max(start + 1, pairSplit ? end - 1 : end);
}

/** Text split into pieces that each fit a code block of `budget` escaped characters, at most `maxPieces`. */
export function splitText(text: string, budget: number, maxPieces: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length && pieces.length < maxPieces) {
    const end = cutEnd(text, start, budget);
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
