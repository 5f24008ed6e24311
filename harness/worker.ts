/**
 * Worker-thread entry: runs one seed and returns its result (no trace: results cross threads).
 * The registry is rebuilt here from its source (the base module and the `--scenarios` modules,
 * by path) once per thread. `started` tells the main thread when the seed itself begins, so its
 * wall budget does not count the thread's start-up or the registry's loading.
 */
import type { DecisionPlan } from "../sim/decisions.ts";
import type { RegistrySource } from "./registry.ts";
import type { SeedResult } from "./result.ts";
import { runSeed } from "./run-seed.ts";
import { ADAPTER_SLOT, STARTED_SLOT } from "./seed-flags.ts";
import type { StoreMode } from "./store-mode.ts";
import { registryFromSource } from "./scenario-modules.ts";

export interface SeedTask {
  scenario: string;
  seed: number;
  variant: string | null;
  sanitize: boolean;
  /** How processes reach the bucket (the variant's mode, else sim, when absent). */
  store?: StoreMode;
  /** Fault decisions to force (a shrunk plan); absent: every decision is drawn. */
  plan?: DecisionPlan;
  /** BUGGIFY sites on. */
  buggify?: boolean;
}

/** What crosses into the worker: the task, where its registry comes from, the start flag. */
export interface WorkerTask extends SeedTask {
  registry: RegistrySource;
  /** The seed's wall budget, also checked between events inside the worker. */
  timeoutS?: number;
  /**
   * Flags the main thread reads (seed-flags.ts): the seed started; it runs through the adapter.
   */
  started: Int32Array;
}

const registries = new Map<string, ReturnType<typeof registryFromSource>>();

export default async function runTask(task: WorkerTask): Promise<SeedResult> {
  const key = JSON.stringify(task.registry);
  let registry = registries.get(key);
  if (!registry) registries.set(key, (registry = registryFromSource(task.registry)));
  const loaded = await registry;
  Atomics.store(task.started, STARTED_SLOT, 1);
  const run = await runSeed(task.scenario, task.seed, {
    variant: task.variant,
    sanitize: task.sanitize,
    registry: loaded,
    ...(task.store ? { store: task.store } : {}),
    ...(task.plan ? { plan: task.plan } : {}),
    ...(task.buggify ? { buggify: true } : {}),
    onAdapterUsed: () => Atomics.store(task.started, ADAPTER_SLOT, 1),
    ...(task.timeoutS !== undefined && Number.isFinite(task.timeoutS) ? { wallBudgetS: task.timeoutS } : {}),
  });
  return run.result;
}
