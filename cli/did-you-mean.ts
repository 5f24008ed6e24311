/**
 * "Did you mean" for a misspelt name (command, flag, scenario, variant, criterion), by edit
 * distance (fastest-levenshtein). Only a close match is offered: a wrong guess is worse than none.
 */
import { distance } from "fastest-levenshtein";

/** The candidate nearest to `input`, if it is within a third of the input's length (at least 2 edits). */
export function closestName(input: string, candidates: readonly string[]): string | null {
  const edits = Math.max(2, Math.floor(input.length / 3));
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    // Case slips count as no edit: `dur-1` means DUR-1.
    const d = distance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= edits ? best : null;
}

/** " (did you mean X?)", or "" when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closestName(input, candidates);
  return match === null ? "" : ` (did you mean ${match}?)`;
}
