/** Seeds per second and simulated seconds per wall second for scenarios, in this thread. */
import { performance } from "node:perf_hooks";
import { runSeed } from "../harness/run-seed.ts";
import type { BenchFigures } from "./figures.ts";

/**
 * CPU seconds (user + system) this process spent since `start`: on a machine shared with other
 * work, the figure that load disturbs least (wall figures are reported beside it).
 */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Measure `seeds` seeds of one scenario; keys are prefixed with `prefix`. */
export async function measureScenario(
  scenario: string,
  seeds: number,
  prefix: string,
): Promise<BenchFigures> {
  let simMs = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let seed = 0; seed < seeds; seed++) simMs += (await runSeed(scenario, seed)).result.simMs;
  const wallS = (performance.now() - started) / 1000;
  const cpuS = cpuSecondsSince(cpuStarted);
  return {
    [`${prefix}_seeds_per_s`]: Number((seeds / wallS).toFixed(1)),
    [`${prefix}_seeds_per_cpu_s`]: Number((seeds / cpuS).toFixed(1)),
    [`${prefix}_sim_time_ratio`]: Number((simMs / 1000 / wallS).toFixed(1)),
  };
}

export async function scenarioBench(): Promise<BenchFigures> {
  return measureScenario("kernel.timers-and-kills", 50, "kernel_scenario");
}
