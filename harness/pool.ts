/**
 * Runs seed tasks in a pool of worker threads (piscina), each seed under a wall-time budget: a
 * seed past its budget has its thread terminated (piscina's AbortSignal) and replaced, and comes
 * back as a `timeout` result; a worker that dies any other way gives a `crash` result with the
 * error. Either way the run goes on. Workers load the TypeScript sources through tsx, like the
 * CLI does. `inThreadRunner` (no budget: it cannot stop a spinning seed) serves replay and tests.
 */
import { performance } from "node:perf_hooks";
import { Piscina } from "piscina";
import { describeThrown } from "../sim/crash.ts";
import { defaultRegistry } from "./default-registry.ts";
import type { Registry } from "./registry.ts";
import { type SeedResult } from "./result.ts";
import { runSeed } from "./run-seed.ts";
import { WORKER_START_BUDGET_S } from "./seed-budget.ts";
import { ADAPTER_SLOT, SEED_FLAG_SLOTS, STARTED_SLOT } from "./seed-flags.ts";
import type { SeedTask, WorkerTask } from "./worker.ts";

export interface SeedRunner {
  /** Runs one seed; `timeoutS` is its wall budget (ignored by the in-thread runner). */
  run(task: SeedTask, timeoutS?: number): Promise<SeedResult>;
  close(): Promise<void>;
}

function registryOrDefault(registry: Registry | undefined): Registry {
  const chosen = registry ?? defaultRegistry();
  if (!chosen) throw new Error("a seed runner needs a registry (harness/registry.ts)");
  return chosen;
}

export function inThreadRunner(registry?: Registry): SeedRunner {
  return {
    run: async (task) =>
      (await runSeed(task.scenario, task.seed, { ...task, registry: registryOrDefault(registry) })).result,
    close: async () => undefined,
  };
}

const BUDGET_POLL_MS = 100;
const TERMINATE_GRACE_MS = 1_000;

/** The result row of a seed that did not come back: timed out, or its worker died. */
export function lostSeedResult(
  task: SeedTask & { scenarioModule?: string; configModule?: string; bindingName?: string },
  status: "timeout" | "crash",
  wallMs: number,
  error: { where: string; name: string; message: string; stack: string },
  /** "adapter" when the seed ran (or was asked to run) through the GCS adapter. */
  store?: "sim" | "adapter",
): SeedResult {
  const message =
    status === "timeout"
      ? `${error.message} (wall_ms=${wallMs})`
      : `${error.where}: ${error.name}: ${error.message}`;
  return {
    scenario: task.scenario,
    seed: task.seed,
    variant: task.variant,
    ok: false,
    status,
    violation: { invariant: status === "timeout" ? "liveness" : "crash", message, atMs: 0 },
    violations: 0,
    events: 0,
    simMs: 0,
    traceHash: "",
    metrics: {},
    swarm: store === "adapter" ? { store: { adapter: true } } : {},
    decisions: [],
    reach: {},
    wallMs,
    ...(task.scenarioModule ? { scenarioModule: task.scenarioModule } : {}),
    ...(store === "adapter" ? { store } : {}),
    // So the replay line of a lost seed carries --config/--binding like any other.
    ...(task.configModule ? { configModule: task.configModule } : {}),
    ...(task.bindingName ? { bindingName: task.bindingName } : {}),
    error,
  };
}

export function workerRunner(threads: number, registry?: Registry): SeedRunner {
  const chosen = registryOrDefault(registry);
  const source = chosen.source;
  const moduleOf = (id: string) => {
    const origin = chosen.origin(id);
    return origin !== undefined && origin !== "built-in" ? origin : undefined;
  };
  const pool = new Piscina({
    filename: new URL("./worker.ts", import.meta.url).href,
    execArgv: ["--import", import.meta.resolve("tsx")],
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1_000,
  });
  return {
    async run(task, timeoutS = Number.POSITIVE_INFINITY) {
      const started = new Int32Array(new SharedArrayBuffer(4 * SEED_FLAG_SLOTS));
      const abort = new AbortController();
      const submittedMs = performance.now();
      let seedStartedMs: number | null = null;
      let lost: "timeout" | "not-started" | null = null;
      const watch = setInterval(() => {
        const nowMs = performance.now();
        if (seedStartedMs === null && Atomics.load(started, STARTED_SLOT) === 1) seedStartedMs = nowMs;
        // The worker's own between-events check gets the first chance (it keeps the seed's
        // figures); termination follows a moment later for a seed that never yields.
        if (seedStartedMs !== null && nowMs - seedStartedMs > timeoutS * 1000 + TERMINATE_GRACE_MS)
          lost = "timeout";
        else if (seedStartedMs === null && nowMs - submittedMs > (WORKER_START_BUDGET_S + timeoutS) * 1000)
          lost = "not-started";
        if (lost) abort.abort(new Error(lost));
      }, BUDGET_POLL_MS);
      const workerTask: WorkerTask = { ...task, registry: source, started, timeoutS };
      try {
        return (await pool.run(workerTask, { signal: abort.signal })) as SeedResult;
      } catch (thrown) {
        const wallMs = Math.round(performance.now() - (seedStartedMs ?? submittedMs));
        const lostTask = {
          ...task,
          scenarioModule: moduleOf(task.scenario),
          ...(source.configModule ? { configModule: source.configModule } : {}),
          ...(source.bindingName ? { bindingName: source.bindingName } : {}),
        };
        const store =
          task.store === "adapter" || Atomics.load(started, ADAPTER_SLOT) === 1 ? "adapter" : "sim";
        if (lost === "timeout")
          return lostSeedResult(
            lostTask,
            "timeout",
            wallMs,
            {
              where: "wall budget",
              name: "SeedTimeout",
              message: `seed still running after its wall budget of ${timeoutS} s; its worker was terminated`,
              stack: "",
            },
            store,
          );
        if (lost === "not-started")
          return lostSeedResult(
            lostTask,
            "crash",
            wallMs,
            {
              where: "worker start",
              name: "WorkerStartTimeout",
              message: `the worker did not start the seed within ${WORKER_START_BUDGET_S + timeoutS} s`,
              stack: "",
            },
            store,
          );
        return lostSeedResult(
          lostTask,
          "crash",
          wallMs,
          {
            where: "worker thread",
            ...describeThrown(thrown),
          },
          store,
        );
      } finally {
        clearInterval(watch);
      }
    },
    close: () => pool.destroy(),
  };
}

/** Every seed runs in a worker thread, also with one job, so each has a wall budget. */
export function createRunner(jobs: number, registry?: Registry): SeedRunner {
  return workerRunner(Math.max(1, jobs), registry);
}

/**
 * Runs every task with at most `window` in flight, calling `onResult` in task order. When
 * `onResult` returns "stop", or `shouldStop()` turns true, no further task starts; after a
 * "stop" no further result is reported and the tasks in flight finish unseen. Once `abandon`
 * settles, waiting ends at once: results not yet reported are dropped (the caller closes the
 * runner, which ends their threads). Returns how many results were reported.
 */
export async function runOrdered(
  runner: SeedRunner,
  tasks: readonly SeedTask[],
  window: number,
  onResult: (result: SeedResult, index: number) => undefined | "stop",
  options: {
    timeoutS?: (task: SeedTask) => number;
    shouldStop?: () => boolean;
    abandon?: Promise<void>;
  } = {},
): Promise<number> {
  const inFlight = new Map<number, Promise<SeedResult>>();
  const abandoned = Symbol("abandoned");
  const abandon = options.abandon?.then(() => abandoned) ?? new Promise<never>(() => undefined);
  let next = 0;
  let reported = 0;
  let stopped = false;
  const fill = () => {
    while (!stopped && !options.shouldStop?.() && next < tasks.length && inFlight.size < window) {
      const task = tasks[next]!;
      inFlight.set(next, runner.run(task, options.timeoutS?.(task)));
      next++;
    }
  };
  fill();
  for (let index = 0; index < tasks.length && inFlight.has(index); index++) {
    const result = await Promise.race([inFlight.get(index)!, abandon]);
    if (typeof result === "symbol") return reported;
    inFlight.delete(index);
    reported++;
    if (onResult(result, index) === "stop") {
      stopped = true;
      break;
    }
    fill();
  }
  await Promise.race([Promise.allSettled(inFlight.values()), abandon]);
  return reported;
}
