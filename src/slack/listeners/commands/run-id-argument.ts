import { isRunId } from '../../../runs/run-id';
import { clipLine, inlineCode } from '../../blocks/mrkdwn';

/**
 * The run id of `/countersign status|cancel <run>`, or what to answer instead. Copied from a
 * message, the id may keep its code backticks; ids are lowercase.
 */
export function runIdArgument(words: string[], usage: string): { id: string } | { answer: string } {
  const [given, ...extra] = words;
  if (given === undefined || extra.length > 0) {
    return {
      answer: `${given === undefined ? 'Which run?' : 'One run at a time.'} Usage: \`${usage}\``,
    };
  }
  const id = given.replace(/^`+|`+$/g, '').toLowerCase();
  if (!isRunId(id)) {
    return {
      answer: `${inlineCode(clipLine(given, 40))} is not a run id: they look like \`r-7kq2m9xd\` (the run's message in the channel names it; \`/countersign runs\` lists yours).`,
    };
  }
  return { id };
}

/** The answer for a run that does not exist, and for one the user may not see or cancel: the same. */
export function noSuchRun(id: string): string {
  return `There is no run \`${id}\` that you can see. \`/countersign runs\` lists your recent runs.`;
}
