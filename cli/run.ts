import { performance } from "node:perf_hooks";
import { createRunner, runOrdered } from "../harness/pool.ts";
import { exitCodeOf, type SeedResult } from "../harness/result.ts";
import { seedTimeoutS } from "../harness/seed-budget.ts";
import { selectSeeds } from "../harness/seeds.ts";
import type { SeedTask } from "../harness/worker.ts";
import { junitXml } from "../reports/junit.ts";
import { type RunPlan, runPlanOf } from "../reports/run-json.ts";
import {
  buggifyOption,
  checkVariant,
  criteriaOption,
  defaultJobs,
  flag,
  jobs,
  laneChoice,
  laneOption,
  type Options,
  parse,
  sanitizeOption,
  seedOptions,
  seedSelection,
  seedTimeoutOption,
  selectScenarios,
  storeChoice,
  storeOption,
  str,
  variantOption,
} from "./args.ts";
import { interruptWatch } from "./interrupt.ts";
import { metricsTables } from "./metrics-table.ts";
import { failLine, progress, swarmLine } from "./output.ts";
import { shrinkFailures, shrinkOption } from "./shrink.ts";
import { checkOutputFile, writeOutputFile } from "./output-files.ts";
import { commandRegistry, scenariosOption, seedTimeoutFlag } from "./registry.ts";
import {
  openResultsSink,
  resultFileName,
  resultsFlag,
  storedOutcome,
  storeTaskResults,
} from "./results-sink.ts";
import { applyAutoShard, shardCountFlag } from "./shard-auto.ts";

export const runHelp = `blobsim run [SCENARIO...] [--lane sim|pglite|all] [--criteria ID,...] [--seeds N] [--seed S]
            [--from S] [--variant V] [--store sim|adapter|swarm] [--jobs J] [--shard i/n|auto [--shard-count N]] [--json F] [--junit F]
            [--results gs://BUCKET/PREFIX|DIR] [--sanitize] [--metrics] [--scenarios MODULE,...]
            [--seed-timeout-s S] [--bail]
Runs seeds of every scenario of the lane (default: sim, the fast model lane; pglite runs real
Postgres at a few seeds each), or of the named scenarios, filtered by --criteria. Without
--seeds each scenario runs its own default seed count. --jobs defaults to every core for
100 seeds or more, else 1, and is capped at the core count. --metrics prints each scenario's
figures (latency percentiles, E2-2 timings, cost) as a table per scenario.
--scenarios loads a module (TypeScript or JavaScript) exporting Scenario objects; without
scenario names the run covers that module's scenarios. Every seed runs in a worker thread
under a wall budget (--seed-timeout-s, else the scenario's seedTimeoutS, else 60 s on the sim
lane and 600 s on pglite); a seed past it is terminated and reported as a timeout. --bail
stops at the first failing seed. Ctrl-C (SIGINT/SIGTERM) stops starting seeds, waits up to
2 s for running ones, writes the files with "interrupted": true and exits 130.
--shard auto reads the shard from the batch engine's environment (Cloud Run Jobs, Kubernetes
Indexed Jobs, AWS Batch array jobs, a GitHub Actions matrix; see docs/sweeps.md) and prints it.
--results stores the run's JSON (create-if-absent: a retried task never overwrites a finished
one, and finds it and stops) and one failure capsule per failing seed, for report --from.
One line per failure with its replay command; the last line is SUMMARY. Exit 0 all passed,
1 an invariant was violated, 4 a seed crashed (an exception escaped engine or scenario code),
3 a run hit its liveness bound or a seed its wall budget, 2 usage error; 1 outranks 4
outranks 3.`;

export interface RunReport {
  tool: "blobsim";
  formatVersion: 1;
  command: "run";
  shard: string | null;
  variant: string | null;
  /** Where --shard auto found the shard ("Cloud Run Jobs (CLOUD_RUN_TASK_INDEX=1, …)"), else null. */
  shardSource: string | null;
  /** What the whole run (all shards) selected, so a merge can tell what is missing. */
  plan: RunPlan;
  /** A `blobsim sweep` task's run id and budget: its tasks group by run id, not by plan. */
  sweep?: { runId: string; budgetS: number; blockSeeds: number; blocks: number };
  /** True when SIGINT/SIGTERM ended the run early: results holds the seeds that finished. */
  interrupted: boolean;
  results: SeedResult[];
  summary: { seeds: number; failed: number; events: number; simS: number; wallS: number };
}

export const runFlags: Options = {
  ...seedOptions,
  ...laneOption,
  ...criteriaOption,
  ...variantOption,
  ...storeOption,
  jobs: {
    type: "string",
    value: "J",
    description: "worker threads (default: every core for 100 seeds or more, else 1)",
  },
  json: {
    type: "string",
    value: "F.json",
    description: "write every seed's result, the plan and the summary as JSON",
  },
  junit: { type: "string", value: "F.xml", description: "write JUnit XML, a test case per seed" },
  ...sanitizeOption,
  metrics: { type: "boolean", description: "print each scenario's figures as a table" },
  ...scenariosOption,
  ...seedTimeoutFlag,
  bail: { type: "boolean", description: "stop starting seeds at the first failure" },
  ...shardCountFlag,
  ...resultsFlag,
  ...shrinkOption,
  ...buggifyOption,
};

export async function runCommand(args: string[]): Promise<number> {
  const parsed = parse(args, runFlags);
  const autoShard = applyAutoShard(parsed.values);
  const registry = await commandRegistry(parsed);
  const lane = laneChoice(parsed);
  const scenarios = selectScenarios(parsed.positionals, str(parsed, "criteria"), lane, registry);
  const selection = seedSelection(parsed);
  const variant = checkVariant(str(parsed, "variant"), registry) ?? null;
  // Before the first seed: an output that cannot be written would lose every result.
  const jsonPath = checkOutputFile("--json", str(parsed, "json"));
  const junitPath = checkOutputFile("--junit", str(parsed, "junit"));
  const resultsText = str(parsed, "results");
  const sink = resultsText === undefined ? undefined : openResultsSink("--results", resultsText);
  const resultName = resultFileName(str(parsed, "shard") ?? null);
  const stored = sink ? await storedOutcome(sink, resultName) : null;
  if (stored) return exitCodeOf(stored);
  const timeoutOverrideS = seedTimeoutOption(parsed);
  const budgetS = new Map(
    scenarios.map((scenario) => [scenario.id, seedTimeoutS(scenario, timeoutOverrideS)]),
  );
  const bail = flag(parsed, "bail");

  const sanitize = flag(parsed, "sanitize");
  // The main job runs the adapter in the loop on a share of seeds (swarm).
  const store = storeChoice(parsed, "swarm")!;
  const plan = runPlanOf(lane, str(parsed, "criteria") ?? null, variant, scenarios, selection, store);
  const tasks: SeedTask[] = scenarios.flatMap((scenario) =>
    selectSeeds(scenario.defaultSeeds, selection).map((seed) => ({
      scenario: scenario.id,
      seed,
      variant,
      sanitize,
      store,
      ...(flag(parsed, "buggify") ? { buggify: true } : {}),
    })),
  );

  // More threads than seeds would only start idle workers.
  const threads = Math.max(1, Math.min(jobs(parsed, defaultJobs(tasks.length)), tasks.length));
  const started = performance.now();
  const runner = createRunner(threads, registry);
  const results: SeedResult[] = [];
  const bar = progress(tasks.length, "run");
  const interrupt = interruptWatch();
  let failed = 0;
  try {
    await runOrdered(
      runner,
      tasks,
      Math.max(1, threads * 2),
      (result) => {
        results.push(result);
        if (!result.ok) {
          failed++;
          bar.log(failLine(result));
          bar.log(swarmLine(result));
        }
        bar.tick(results.length, failed);
        return bail && !result.ok ? "stop" : undefined;
      },
      {
        timeoutS: (task) => budgetS.get(task.scenario)!,
        shouldStop: () => interrupt.interrupted,
        abandon: interrupt.abandon,
      },
    );
  } finally {
    interrupt.dispose();
    bar.end();
    await runner.close();
  }
  const wallS = (performance.now() - started) / 1000;
  const summary = {
    seeds: results.length,
    failed,
    events: results.reduce((sum, r) => sum + r.events, 0),
    simS: Math.round(results.reduce((sum, r) => sum + r.simMs, 0) / 1000),
    wallS: Number(wallS.toFixed(1)),
  };
  const shard = str(parsed, "shard") ?? null;
  const report: RunReport = {
    tool: "blobsim",
    formatVersion: 1,
    command: "run",
    shard,
    shardSource: autoShard?.source ?? null,
    variant,
    plan,
    interrupted: interrupt.interrupted,
    results,
    summary,
  };
  const reportText = `${JSON.stringify(report, null, 1)}\n`;
  if (jsonPath) writeOutputFile(jsonPath, reportText);
  if (sink) await storeTaskResults(sink, resultName, reportText, results, shard, interrupt.interrupted);
  if (junitPath) writeOutputFile(junitPath, junitXml(results, shard));
  if (flag(parsed, "metrics")) for (const line of metricsTables(results)) console.log(line);
  if (flag(parsed, "shrink") && !interrupt.interrupted)
    await shrinkFailures(results, registry, (line) => console.log(line), flag(parsed, "buggify"));
  console.log(
    `SUMMARY seeds=${summary.seeds} failed=${summary.failed} events=${summary.events} sim_s=${summary.simS} wall_s=${summary.wallS}`,
  );
  if (interrupt.interrupted) {
    console.log(`INTERRUPTED after ${results.length} of ${tasks.length} seeds`);
    return 130;
  }
  return exitCodeOf(results);
}
