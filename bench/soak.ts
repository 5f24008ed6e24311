/**
 * The E5 soak as a bench: runs platform.e5-soak-72h on one seed and prints its figures (operation
 * counts by class, modeled monthly cost) with the wall time and the simulated/wall ratio.
 * `npx blobsim bench` shows them as `soak_*` lines.
 */
import { runSeed } from "../harness/run-seed.ts";
import type { BenchFigures } from "./figures.ts";

export const SOAK_BENCH_SEED = 0;

export async function soakBench(): Promise<BenchFigures> {
  const run = await runSeed("platform.e5-soak-72h", SOAK_BENCH_SEED);
  const { result } = run;
  const figures: BenchFigures = {
    soak_status: result.status,
    soak_seed: SOAK_BENCH_SEED,
    soak_events: result.events,
    soak_sim_h: Number((result.simMs / 3600_000).toFixed(1)),
    soak_wall_s: Number((result.wallMs / 1000).toFixed(2)),
    soak_sim_wall_ratio: Math.round(result.simMs / Math.max(1, result.wallMs)),
  };
  for (const [name, value] of Object.entries(result.metrics)) figures[`soak_${name}`] = value;
  return figures;
}
