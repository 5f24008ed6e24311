import { performance } from "node:perf_hooks";
import { runOrdered, workerRunner } from "../harness/pool.ts";
import type { SeedResult } from "../harness/result.ts";
import { seedTimeoutS } from "../harness/seed-budget.ts";
import { selectSeeds } from "../harness/seeds.ts";
import type { SeedTask } from "../harness/worker.ts";
import {
  criteriaOption,
  jobs,
  type Options,
  laneChoice,
  laneOption,
  parse,
  seedOptions,
  seedSelection,
  seedTimeoutOption,
  selectScenarios,
  storeChoice,
  storeOption,
  str,
} from "./args.ts";
import { checkOutputFile, writeOutputFile } from "./output-files.ts";
import { commandRegistry, scenariosOption, seedTimeoutFlag } from "./registry.ts";

export const checkDeterminismHelp = `blobsim check-determinism [SCENARIO...] [--lane sim|pglite|all] [--criteria ID,...] [--store sim|adapter|swarm] [--seeds N] [--from S] [--jobs J]
            [--json F] [--scenarios MODULE,...] [--seed-timeout-s S]
Runs each seed twice, with the determinism sanitizer on: once in a long-lived worker thread
that runs every seed in turn, once in a pool of fresh worker threads, and compares trace
hashes. Every seed has the wall budget run gives it. Also fails a scenario whose seeds all
give one trace.`;

export const checkDeterminismFlags: Options = {
  ...seedOptions,
  ...laneOption,
  ...criteriaOption,
  ...storeOption,
  jobs: { type: "string", value: "J", description: "worker threads for the second pass (default 2)" },
  json: { type: "string", value: "F.json", description: "write both trace hashes of every seed as JSON" },
  ...scenariosOption,
  ...seedTimeoutFlag,
};

export async function checkDeterminismCommand(args: string[]): Promise<number> {
  const parsed = parse(args, checkDeterminismFlags);
  const jsonPath = checkOutputFile("--json", str(parsed, "json"));
  const rows: Array<{ scenario: string; seed: number; first: string; second: string; same: boolean }> = [];
  const registry = await commandRegistry(parsed);
  const scenarios = selectScenarios(
    parsed.positionals,
    str(parsed, "criteria"),
    laneChoice(parsed),
    registry,
  );
  const selection = seedSelection(parsed);
  // As the main job runs: the adapter in the loop on a share of seeds (swarm) unless told.
  const store = storeChoice(parsed, "swarm")!;
  const timeoutOverrideS = seedTimeoutOption(parsed);
  const started = performance.now();
  // The first pass used to run in this thread; a spinning seed would hang it, so it runs in a
  // worker of its own (one thread, every seed in turn: state leaking between seeds shows).
  const here = workerRunner(1, registry);
  const workers = workerRunner(jobs(parsed, 2), registry);
  let mismatches = 0;
  let failedScenarios = 0;
  let total = 0;
  try {
    for (const scenario of scenarios) {
      const scenarioStarted = performance.now();
      const budgetS = seedTimeoutS(scenario, timeoutOverrideS);
      const tasks: SeedTask[] = selectSeeds(scenario.defaultSeeds, selection).map((seed) => ({
        scenario: scenario.id,
        seed,
        variant: null,
        sanitize: true,
        store,
      }));
      // The two passes run side by side: this thread works through the seeds while the
      // workers do the same, so the check costs one pass of wall time on two cores.
      const [first, second] = await Promise.all([
        (async () => {
          const results: SeedResult[] = [];
          for (const task of tasks) results.push(await here.run(task, budgetS));
          return results;
        })(),
        (async () => {
          const results: SeedResult[] = [];
          await runOrdered(
            workers,
            tasks,
            8,
            (result) => {
              results.push(result);
              return undefined;
            },
            { timeoutS: () => budgetS },
          );
          return results;
        })(),
      ]);
      let scenarioMismatches = 0;
      for (let i = 0; i < tasks.length; i++) {
        const a = first[i]!;
        const b = second[i]!;
        const sanitizerTripped =
          a.violation?.invariant === "determinism" || b.violation?.invariant === "determinism";
        const timedOut = a.status === "timeout" || b.status === "timeout";
        const same = a.traceHash === b.traceHash && a.events === b.events && !sanitizerTripped && !timedOut;
        rows.push({ scenario: scenario.id, seed: a.seed, first: a.traceHash, second: b.traceHash, same });
        if (timedOut) {
          // No trace to compare: the seed never finished within its wall budget.
          scenarioMismatches++;
          console.log(`TIMEOUT ${scenario.id} seed=${a.seed} wall budget ${budgetS} s`);
        } else if (!same) {
          scenarioMismatches++;
          const why = sanitizerTripped ? ` sanitizer: ${(a.violation ?? b.violation)?.message}` : "";
          console.log(
            `NONDETERMINISTIC ${scenario.id} seed=${a.seed} first=${a.traceHash} second=${b.traceHash}${why}`,
          );
        }
      }
      const distinct = new Set(first.map((r) => r.traceHash)).size;
      const allSame = tasks.length > 1 && distinct === 1;
      if (allSame) console.log(`SEED-BLIND ${scenario.id}: ${tasks.length} seeds gave one trace`);
      if (scenarioMismatches > 0 || allSame) failedScenarios++;
      mismatches += scenarioMismatches;
      total += tasks.length;
      console.log(
        `DETERMINISM ${scenario.id} seeds=${tasks.length} mismatches=${scenarioMismatches} distinct_traces=${distinct} wall_s=${((performance.now() - scenarioStarted) / 1000).toFixed(1)}`,
      );
    }
  } finally {
    await Promise.all([here.close(), workers.close()]);
  }
  const wallS = ((performance.now() - started) / 1000).toFixed(1);
  if (jsonPath) {
    const summary = { seeds: total, mismatches, failedScenarios, wallS: Number(wallS) };
    const data = { tool: "blobsim", formatVersion: 1, command: "check-determinism", seeds: rows, summary };
    writeOutputFile(jsonPath, `${JSON.stringify(data, null, 1)}\n`);
  }
  console.log(
    `SUMMARY seeds=${total} mismatches=${mismatches} failed_scenarios=${failedScenarios} wall_s=${wallS}`,
  );
  return failedScenarios > 0 ? 1 : 0;
}
