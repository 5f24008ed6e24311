import { exitCodeOf, replayCommand } from "../harness/result.ts";
import { runSeed } from "../harness/run-seed.ts";
import { seedTimeoutS } from "../harness/seed-budget.ts";
import { UsageError } from "../harness/seeds.ts";
import { perfettoTrace } from "../reports/perfetto.ts";
import { replayPage } from "../reports/trace-viewer.ts";

import {
  buggifyOption,
  checkVariant,
  flag,
  type Options,
  parse,
  sanitizeOption,
  seedSelection,
  seedTimeoutOption,
  selectScenarios,
  str,
  variantOption,
} from "./args.ts";
import { hangWatchdog } from "./hang-watchdog.ts";
import { checkOutputFile, writeOutputFile } from "./output-files.ts";
import { faultLines, readPlanFile } from "./plan-file.ts";
import { commandRegistry, scenariosOption, seedTimeoutFlag } from "./registry.ts";

export const replayHelp = `blobsim replay SCENARIO --seed S [--variant V] [--plan F.json] [--trace F.jsonl] [--html F.html] [--perfetto F.json]
            [--sanitize] [--scenarios MODULE,...] [--seed-timeout-s S]
Replays one seed, prints its trace hash and the violation or crash (with its stack) if any,
and writes the trace (--trace: JSON lines; --html: a self-contained timeline page, a lane per
process; --perfetto: Chrome trace-event JSON for Perfetto UI or chrome://tracing, a track per
process). --plan forces the fault decisions a plan file lists (blobsim shrink writes one); the
plan's "others" says whether every other decision is drawn as usual or takes no fault. The
faults the run took are printed, one line each. The seed runs in this thread; past its wall
budget a watchdog says it hangs.
Exit 0 passed, 1 violated, 4 crashed, 3 liveness bound hit.`;

export const replayFlags: Options = {
  seed: { type: "string", value: "S", description: "the seed to replay (required)" },
  ...variantOption,
  plan: {
    type: "string",
    value: "F.json",
    description: "force the fault decisions of a plan file (written by blobsim shrink)",
  },
  trace: { type: "string", value: "F.jsonl", description: "write every trace event, one JSON object a line" },
  html: {
    type: "string",
    value: "F.html",
    description: "write a self-contained timeline page (a lane per process)",
  },
  perfetto: {
    type: "string",
    value: "F.json",
    description: "write Chrome trace-event JSON (Perfetto UI, chrome://tracing)",
  },
  ...sanitizeOption,
  ...buggifyOption,
  ...scenariosOption,
  ...seedTimeoutFlag,
};

export async function replayCommand_(args: string[]): Promise<number> {
  const parsed = parse(args, replayFlags);
  if (parsed.positionals.length !== 1) throw new UsageError("replay takes exactly one scenario");
  const registry = await commandRegistry(parsed);
  const [scenario] = selectScenarios(parsed.positionals, undefined, "all", registry);
  const { seed } = seedSelection(parsed);
  if (seed === undefined) throw new UsageError("replay needs --seed S");
  const variant = checkVariant(str(parsed, "variant"), registry) ?? null;
  const planPath = str(parsed, "plan");
  const plan = planPath === undefined ? undefined : readPlanFile(planPath);
  const tracePath = checkOutputFile("--trace", str(parsed, "trace"));
  const htmlPath = checkOutputFile("--html", str(parsed, "html"));
  const perfettoPath = checkOutputFile("--perfetto", str(parsed, "perfetto"));
  const budgetS = seedTimeoutS(scenario!, seedTimeoutOption(parsed));
  const watchdog = hangWatchdog(budgetS, `replay of ${scenario!.id} seed ${seed}`);
  const run = await runSeed(scenario!.id, seed, {
    variant,
    keepFullTrace: true,
    sanitize: flag(parsed, "sanitize"),
    registry,
    ...(plan ? { plan } : {}),
    ...(flag(parsed, "buggify") ? { buggify: true } : {}),
  }).finally(() => watchdog.stop());
  const { result } = run;
  if (tracePath)
    writeOutputFile(
      tracePath,
      run.trace
        .map((event) => JSON.stringify(event))
        .join("\n")
        .concat("\n"),
    );
  if (htmlPath) writeOutputFile(htmlPath, replayPage(run));
  if (perfettoPath) writeOutputFile(perfettoPath, JSON.stringify(perfettoTrace(run.trace, result)));
  console.log(`REPLAY ${result.scenario} seed=${result.seed}${variant ? ` variant=${variant}` : ""}`);
  console.log(`trace_hash=${result.traceHash} events=${result.events} sim_ms=${result.simMs}`);
  for (const [component, options] of Object.entries(result.swarm)) {
    console.log(
      `swarm ${component} ${Object.entries(options)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
    );
  }
  for (const line of faultLines(result.decisions)) console.log(line);
  if (result.ok) {
    console.log("PASS");
    return 0;
  }
  const label = result.status === "crash" ? "CRASH" : "VIOLATION";
  console.log(
    `${label} invariant=${result.violation?.invariant} at_ms=${result.violation?.atMs} ${result.violation?.message}`,
  );
  if (result.error?.stack) for (const line of result.error.stack.split("\n")) console.log(`  ${line}`);
  for (const event of run.violationEvents) console.log(`  event ${JSON.stringify(event)}`);
  console.log(`replay: ${replayCommand(result, planPath)}`);
  return exitCodeOf([result]);
}
