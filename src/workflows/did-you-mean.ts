import { closest, distance } from 'fastest-levenshtein';

/** ` (did you mean "method"?)` when a known word is a likely typo of `word`, else ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const lower = known.map((candidate) => candidate.toLowerCase());
  const best = closest(word.toLowerCase(), lower);
  const allowed = Math.max(1, Math.floor(best.length / 3));
  if (distance(word.toLowerCase(), best) > allowed) return '';
  return ` (did you mean "${known[lower.indexOf(best)]}"?)`;
}
