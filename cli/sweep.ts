/**
 * `blobsim sweep --budget-s N --results gs://…|DIR`: the continuous mode for CI fleets. Each
 * task runs blocks of seeds (every selected scenario at each block's seeds) from a seed source
 * unique to its task index and the run id (sweep-seeds.ts) until its budget ends, then stores
 * one result file (create-if-absent, as `run --results`) and a capsule per failure. K tasks of
 * N seconds cover about K x N seconds of seeds with no seed run twice; `report --from` merges
 * them, and a task that never stored its file shows as a missing shard.
 */
import { performance } from "node:perf_hooks";
import { createRunner, runOrdered } from "../harness/pool.ts";
import { exitCodeOf, type SeedResult } from "../harness/result.ts";
import { seedTimeoutS } from "../harness/seed-budget.ts";
import { parseCount, parseShard, UsageError } from "../harness/seeds.ts";
import { ADAPTER_SHARE } from "../harness/store-mode.ts";
import type { SeedTask } from "../harness/worker.ts";
import { seedRanges } from "../reports/seed-ranges.ts";
import {
  criteriaOption,
  jobs,
  laneChoice,
  laneOption,
  type Options,
  parse,
  seedTimeoutOption,
  selectScenarios,
  storeChoice,
  storeOption,
  str,
} from "./args.ts";
import { interruptWatch } from "./interrupt.ts";
import { failLine } from "./output.ts";
import { commandRegistry, scenariosOption, seedTimeoutFlag } from "./registry.ts";
import {
  openResultsSink,
  resultFileName,
  resultsFlag,
  storedOutcome,
  storeTaskResults,
} from "./results-sink.ts";
import type { RunReport } from "./run.ts";
import { applyAutoShard, shardCountFlag } from "./shard-auto.ts";
import { BLOCK_SEEDS_DEFAULT, sweepRunId, sweepSeedSource } from "./sweep-seeds.ts";

export const sweepHelp = `blobsim sweep --budget-s N --results gs://BUCKET/PREFIX|DIR [SCENARIO...] [--lane sim|pglite|all]
              [--criteria ID,...] [--shard i/n|auto [--shard-count N]] [--run-id ID] [--block-seeds B]
              [--jobs J] [--scenarios MODULE,...] [--seed-timeout-s S]
Runs seeds until N seconds have passed (seeds in flight then finish), in blocks of B seeds
(default ${BLOCK_SEEDS_DEFAULT}) of every selected scenario. The blocks are dealt from a starting point
derived from the run id to the tasks by shard index, so the tasks of one run never share a
seed. The run id: --run-id, else BLOBSIM_RUN_ID, CLOUD_RUN_EXECUTION, GITHUB_RUN_ID or
AWS_BATCH_JOB_ID. Stores sweep-<run id>-task-i-of-n.json (create-if-absent: a retried task
that finished stops at once) and a failure capsule per failing seed; report --from merges them.
Exit codes as run.`;

export const sweepFlags: Options = {
  "budget-s": { type: "string", value: "N", description: "seconds to keep starting seeds (required)" },
  ...resultsFlag,
  ...laneOption,
  ...criteriaOption,
  shard: {
    type: "string",
    value: "i/n|auto",
    description:
      "this task's index among the run's tasks; auto reads the batch engine's environment (default 1/1)",
  },
  ...shardCountFlag,
  "run-id": {
    type: "string",
    value: "ID",
    description: "the id shared by the run's tasks (seeds derive from it)",
  },
  "block-seeds": {
    type: "string",
    value: "B",
    description: `seeds per block, each run for every scenario (default ${BLOCK_SEEDS_DEFAULT})`,
  },
  jobs: { type: "string", value: "J", description: "worker threads (default every core)" },
  ...storeOption,
  ...scenariosOption,
  ...seedTimeoutFlag,
};

export async function sweepCommand(args: string[]): Promise<number> {
  const parsed = parse(args, sweepFlags);
  const autoShard = applyAutoShard(parsed.values);
  const budgetText = str(parsed, "budget-s");
  if (budgetText === undefined) throw new UsageError("sweep needs --budget-s N (seconds)");
  const budgetS = parseCount(budgetText, "--budget-s");
  const resultsText = str(parsed, "results");
  if (resultsText === undefined) throw new UsageError("sweep needs --results gs://BUCKET/PREFIX or a folder");
  const shardText = str(parsed, "shard") ?? "1/1";
  const shard = parseShard(shardText);
  const { runId, source } = sweepRunId(str(parsed, "run-id"));
  const blockSeeds = parseCount(str(parsed, "block-seeds") ?? `${BLOCK_SEEDS_DEFAULT}`, "--block-seeds");
  const registry = await commandRegistry(parsed);
  const lane = laneChoice(parsed);
  const scenarios = selectScenarios(parsed.positionals, str(parsed, "criteria"), lane, registry);
  const timeoutOverrideS = seedTimeoutOption(parsed);
  const seedBudgetS = new Map(scenarios.map((s) => [s.id, seedTimeoutS(s, timeoutOverrideS)]));
  // As run: the adapter in the loop on a share of seeds unless --store says otherwise.
  const store = storeChoice(parsed, "swarm")!;
  const sink = openResultsSink("--results", resultsText);
  const name = resultFileName(shardText, runId);
  const stored = await storedOutcome(sink, name);
  if (stored) return exitCodeOf(stored);

  const seeds = sweepSeedSource(runId, shard, blockSeeds);
  console.log(
    `SWEEP run=${runId} (from ${source}) task=${shardText} budget_s=${budgetS} block_seeds=${blockSeeds}`,
  );
  const threads = jobs(parsed, Number.MAX_SAFE_INTEGER);
  const runner = createRunner(threads, registry);
  const interrupt = interruptWatch();
  const started = performance.now();
  const overBudget = () => (performance.now() - started) / 1000 >= budgetS;
  const results: SeedResult[] = [];
  let blocks = 0;
  try {
    while (!overBudget() && !interrupt.interrupted) {
      const first = seeds.blockStart(blocks);
      const tasks: SeedTask[] = scenarios.flatMap((scenario) =>
        Array.from({ length: blockSeeds }, (_, i) => ({
          scenario: scenario.id,
          seed: first + i,
          variant: null,
          sanitize: false,
          store,
        })),
      );
      await runOrdered(
        runner,
        tasks,
        Math.max(1, threads * 2),
        (result) => {
          results.push(result);
          if (!result.ok) console.log(failLine(result));
          return undefined;
        },
        {
          timeoutS: (task) => seedBudgetS.get(task.scenario)!,
          shouldStop: () => interrupt.interrupted || overBudget(),
          abandon: interrupt.abandon,
        },
      );
      blocks++;
      console.log(
        `SWEEP block ${blocks} seeds=${first}-${first + blockSeeds - 1} done_seeds=${results.length}`,
      );
    }
  } finally {
    interrupt.dispose();
    await runner.close();
  }
  const wallS = Number(((performance.now() - started) / 1000).toFixed(1));
  const failed = results.filter((r) => !r.ok).length;
  const report: RunReport = {
    tool: "blobsim",
    formatVersion: 1,
    command: "run",
    shard: shardText,
    shardSource: autoShard?.source ?? null,
    variant: null,
    // What this task ran, exactly: a budget ends mid-block, and the merge must not ask for more.
    plan: {
      lane,
      criteria: str(parsed, "criteria") ?? null,
      variant: null,
      store,
      adapterShare: store === "swarm" ? ADAPTER_SHARE : null,
      scenarios: scenarios.map((s) => ({
        id: s.id,
        seeds: seedRanges(results.filter((r) => r.scenario === s.id).map((r) => r.seed)),
      })),
    },
    sweep: { runId, budgetS, blockSeeds, blocks },
    interrupted: interrupt.interrupted,
    results,
    summary: {
      seeds: results.length,
      failed,
      events: results.reduce((sum, r) => sum + r.events, 0),
      simS: Math.round(results.reduce((sum, r) => sum + r.simMs, 0) / 1000),
      wallS,
    },
  };
  await storeTaskResults(
    sink,
    name,
    `${JSON.stringify(report, null, 1)}\n`,
    results,
    shardText,
    interrupt.interrupted,
  );
  console.log(`SUMMARY seeds=${results.length} failed=${failed} blocks=${blocks} wall_s=${wallS}`);
  if (interrupt.interrupted) return 130;
  return exitCodeOf(results);
}
