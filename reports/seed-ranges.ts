/** Seeds written as ranges ("0-9,12"), for reports and run plans. */
export function seedRanges(seeds: readonly number[]): string {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let prev = start;
  for (const seed of sorted.slice(1).concat([Number.NaN])) {
    if (seed === prev! + 1) {
      prev = seed;
      continue;
    }
    if (start !== undefined) parts.push(start === prev ? `${start}` : `${start}-${prev}`);
    start = seed;
    prev = seed;
  }
  return parts.join(",");
}
