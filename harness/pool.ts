/**
 * Runs seed tasks in this thread (jobs = 1) or in a pool of worker threads (piscina). Workers
 * load the TypeScript sources through tsx, like the CLI does. Results come back in task order.
 */
import { Piscina } from "piscina";
import type { SeedResult } from "./result.ts";
import { runSeed } from "./run-seed.ts";
import type { SeedTask } from "./worker.ts";

export interface SeedRunner {
  run(task: SeedTask): Promise<SeedResult>;
  close(): Promise<void>;
}

export function inThreadRunner(): SeedRunner {
  return {
    run: async (task) => (await runSeed(task.scenario, task.seed, task)).result,
    close: async () => undefined,
  };
}

export function workerRunner(threads: number): SeedRunner {
  const pool = new Piscina({
    filename: new URL("./worker.ts", import.meta.url).href,
    execArgv: ["--import", import.meta.resolve("tsx")],
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1_000,
  });
  return {
    run: (task) => pool.run(task) as Promise<SeedResult>,
    close: () => pool.destroy(),
  };
}

export function createRunner(jobs: number): SeedRunner {
  return jobs <= 1 ? inThreadRunner() : workerRunner(jobs);
}

/**
 * Runs every task with at most `window` in flight, calling `onResult` in task order. When
 * `onResult` returns "stop", no further task starts and no further result is reported; the
 * tasks already in flight finish unseen.
 */
export async function runOrdered(
  runner: SeedRunner,
  tasks: readonly SeedTask[],
  window: number,
  onResult: (result: SeedResult, index: number) => undefined | "stop",
): Promise<void> {
  const inFlight = new Map<number, Promise<SeedResult>>();
  let next = 0;
  let stopped = false;
  const fill = () => {
    while (!stopped && next < tasks.length && inFlight.size < window) {
      inFlight.set(next, runner.run(tasks[next]!));
      next++;
    }
  };
  fill();
  for (let index = 0; index < tasks.length && inFlight.has(index); index++) {
    const result = await inFlight.get(index)!;
    inFlight.delete(index);
    if (onResult(result, index) === "stop") {
      stopped = true;
      break;
    }
    fill();
  }
  await Promise.allSettled(inFlight.values());
}
