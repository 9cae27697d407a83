/**
 * Splits slash-command text into words. Double or single quotes group words
 * (`note="two words"`), a backslash escapes the next character. Hand-written because
 * shell-style parsers also expand `$VAR` and operators, which a Slack message must not trigger.
 */
export class CommandLineError extends Error {
  override readonly name = 'CommandLineError';
}

export function splitWords(rawText: string): string[] {
  // Slack clients may turn typed quotes into typographic ones.
  const text = rawText.replace(/[\u201C\u201D]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new CommandLineError(`unclosed ${quote} quote`);
  if (inWord) words.push(current);
  return words;
}
