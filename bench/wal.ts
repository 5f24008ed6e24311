/**
 * WAL crash scenario throughput (E2B-1): seeds per second and simulated seconds per wall second
 * of wal.e2b-kill-points, in this thread.
 */
import type { BenchFigures } from "./figures.ts";
import { measureScenario } from "./scenarios.ts";

const SEEDS = 40;

export async function walBench(): Promise<BenchFigures> {
  const figures = await measureScenario("wal.e2b-kill-points", SEEDS, "e2b");
  return {
    e2b_seeds_per_s: figures.e2b_seeds_per_s!,
    e2b_seeds_per_cpu_s: figures.e2b_seeds_per_cpu_s!,
    sim_time_ratio: figures.e2b_sim_time_ratio!,
  };
}
