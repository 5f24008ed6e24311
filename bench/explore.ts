/**
 * Uniform seeds against guided exploration on the hard forensic variants
 * (fixtures/forensic/hard-store-variants.ts): for each, runs to find it and wall seconds, by
 * `hunt`'s order (seeds 0, 1, 2, ... each run once, in this thread) and by `explore` (fresh seeds
 * and mutated plans, harness/explore.ts), with the same wall budget each. A variant not found
 * within the budget counts as the runs spent (a lower bound, marked `censored`).
 */
import { performance } from "node:perf_hooks";
import { defaultRegistry } from "../harness/default-registry.ts";
import { explore } from "../harness/explore.ts";
import { runSeed } from "../harness/run-seed.ts";
import type { BenchFigures } from "./figures.ts";

export const EXPLORE_BENCH_BUDGET_S = 60;

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const wallNow = performance.now.bind(performance); // the bench measures wall time

async function uniform(
  scenario: string,
  variant: string,
  invariant: string,
  budgetS: number,
): Promise<{ runs: number; wallS: number; found: boolean }> {
  const started = wallNow();
  for (let seed = 0; ; seed++) {
    const { result } = await runSeed(scenario, seed, { variant, wallBudgetS: 60 });
    const wallS = (wallNow() - started) / 1000;
    if (result.violation?.invariant === invariant) return { runs: seed + 1, wallS, found: true };
    if (wallS > budgetS) return { runs: seed + 1, wallS, found: false };
  }
}

export async function exploreBench(budgetS = EXPLORE_BENCH_BUDGET_S): Promise<BenchFigures> {
  const registry = defaultRegistry();
  if (!registry) throw new Error("explore bench needs the installed registry");
  const hard = registry.variants.filter((v) => /^H\d+$/.test(v.id));
  const figures: BenchFigures = {};
  const uRuns: number[] = [];
  const eRuns: number[] = [];
  const uWall: number[] = [];
  const eWall: number[] = [];
  for (const variant of hard) {
    const scenario = variant.scenarios[0]!;
    const u = await uniform(scenario, variant.id, variant.invariant, budgetS);
    const e = await explore({ scenarios: [scenario], budgetS, variant: variant.id, registry });
    const round = (s: number) => Math.round(s * 100) / 100;
    figures[`${variant.id}_uniform_seeds`] = `${u.runs}${u.found ? "" : "+censored"}`;
    figures[`${variant.id}_explore_seeds`] = `${e.runs}${e.failure ? "" : "+censored"}`;
    figures[`${variant.id}_uniform_wall_s`] = round(u.wallS);
    figures[`${variant.id}_explore_wall_s`] = round(e.wallS);
    uRuns.push(u.runs);
    eRuns.push(e.runs);
    uWall.push(u.wallS);
    eWall.push(e.wallS);
  }
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
  figures.explore_variants = hard.length;
  figures.uniform_seeds_median = median(uRuns);
  figures.explore_seeds_median = median(eRuns);
  figures.uniform_wall_s_median = Math.round(median(uWall) * 100) / 100;
  figures.explore_wall_s_median = Math.round(median(eWall) * 100) / 100;
  figures.explore_vs_uniform_seeds_median = ratio(median(uRuns), median(eRuns));
  figures.explore_vs_uniform_wall_median = ratio(median(uWall), median(eWall));
  return figures;
}
