/**
 * Shrinking every forensic variant's recorded seed (harness/shrink.ts), sim lane only: how many
 * faults each started with and how many remain, as medians, and whether every shrunk plan still
 * fails the variant's recorded invariant. Each shrink has a 60 s budget.
 */
import { defaultRegistry } from "../harness/default-registry.ts";
import { faultsOf, shrinkSeed } from "../harness/shrink.ts";
import type { BenchFigures } from "./figures.ts";

export const SHRINK_BUDGET_S = 60;

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function shrinkBench(): Promise<BenchFigures> {
  const registry = defaultRegistry();
  if (!registry) throw new Error("shrink bench needs the installed registry");
  const start: number[] = [];
  const left: number[] = [];
  const wallS: number[] = [];
  let sameInvariant = 0;
  let minimal = 0;
  for (const variant of registry.variants) {
    const recorded = variant.recorded;
    if (!recorded || registry.findScenario(recorded.scenario)?.lane !== "sim") continue;
    const shrunk = await shrinkSeed(recorded.scenario, recorded.seed, {
      variant: variant.id,
      registry,
      budgetS: SHRINK_BUDGET_S,
    });
    start.push(shrunk.faultsAtStart);
    left.push(faultsOf(shrunk.plan.decisions).length);
    wallS.push(shrunk.wallMs / 1000);
    if (shrunk.result.violation?.invariant === shrunk.target.invariant) sameInvariant++;
    if (shrunk.minimal) minimal++;
  }
  return {
    shrink_variants: start.length,
    shrink_same_invariant: sameInvariant,
    shrink_one_minimal: minimal,
    shrink_faults_start_median: median(start),
    shrink_faults_start_max: Math.max(0, ...start),
    shrink_faults_left_median: median(left),
    shrink_faults_left_max: Math.max(0, ...left),
    shrink_wall_s_median: Math.round(median(wallS) * 10) / 10,
    shrink_wall_s_max: Math.round(Math.max(0, ...wallS) * 10) / 10,
  };
}
