import { RE2JS } from 're2js';

/**
 * Input patterns are matched with RE2 semantics (re2js): time linear in the input, so a pattern
 * like `^([a-z0-9]+\.?)+$` cannot let a requester stall the Slack process with a crafted value.
 * The price: no lookarounds or backreferences, which validation reports.
 */

const compiled = new Map<string, RE2JS>();

function compile(source: string): RE2JS {
  let pattern = compiled.get(source);
  if (pattern === undefined) {
    pattern = RE2JS.compile(source);
    compiled.set(source, pattern);
  }
  return pattern;
}

/** Why the pattern cannot be used, or undefined if it compiles. */
export function inputPatternProblem(source: string): string | undefined {
  try {
    compile(source);
    return undefined;
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    return `is not a usable pattern: ${reason} (patterns use RE2 syntax: no lookarounds or backreferences)`;
  }
}

/** Whether the value contains a match (anchor the pattern with ^…$ to match it whole). */
export function matchesInputPattern(source: string, value: string): boolean {
  return compile(source).matcher(value).find();
}
