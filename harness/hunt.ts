/**
 * The search behind `blobsim hunt` and the variant tests: re-inject a forensic bug and run seeds
 * in order until its invariant catches it.
 */
import { performance } from "node:perf_hooks";
import type { RegistryVariant } from "./registry.ts";
import { runOrdered, type SeedRunner } from "./pool.ts";
import type { StoreMode } from "./store-mode.ts";
import type { SeedTask } from "./worker.ts";

export interface HuntOutcome {
  variant: string;
  found: boolean;
  seed: number | null;
  scenario: string | null;
  invariant: string | null;
  seedsTried: number;
  wallS: number;
}

/** Searches seeds from..from+maxSeeds-1 (each over the variant's scenarios) for the first failure. */
export async function hunt(
  runner: SeedRunner,
  variant: RegistryVariant,
  from: number,
  maxSeeds: number,
  window: number,
  /** Each seed's wall budget, by scenario ID; none when absent. */
  timeoutS?: (scenario: string) => number,
  /** How processes reach the bucket; the variant's own mode when absent. */
  store?: StoreMode,
): Promise<HuntOutcome> {
  const started = performance.now();
  const tasks: SeedTask[] = [];
  for (let i = 0; i < maxSeeds; i++) {
    for (const scenario of variant.scenarios)
      tasks.push({
        scenario,
        seed: from + i,
        variant: variant.id,
        sanitize: false,
        ...(store ? { store } : {}),
      });
  }
  let hit: { seed: number; scenario: string; invariant: string; index: number } | null = null;
  await runOrdered(
    runner,
    tasks,
    window,
    (result, index) => {
      if (result.violation?.invariant === variant.invariant) {
        hit = { seed: result.seed, scenario: result.scenario, invariant: result.violation.invariant, index };
        return "stop";
      }
      return undefined;
    },
    timeoutS ? { timeoutS: (task) => timeoutS(task.scenario) } : {},
  );
  const found = hit as { seed: number; scenario: string; invariant: string; index: number } | null;
  return {
    variant: variant.id,
    found: found !== null,
    seed: found?.seed ?? null,
    scenario: found?.scenario ?? null,
    invariant: found?.invariant ?? null,
    seedsTried: found ? found.seed - from + 1 : maxSeeds,
    wallS: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
}
