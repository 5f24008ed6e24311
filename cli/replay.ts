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
  storeChoice,
  storeOption,
  storeTask,
  variantOption,
} from "./args.ts";
import { hangWatchdog } from "./hang-watchdog.ts";
import { buildDifferences, buildIdentity, type Capsule, parseCapsule } from "./capsule.ts";
import { checkOutputFile, writeOutputFile } from "./output-files.ts";
import { readFileSync } from "node:fs";
import { faultLines, readPlanFile } from "./plan-file.ts";
import { commandRegistry, scenariosOption, seedTimeoutFlag } from "./registry.ts";

export const replayHelp = `blobsim replay SCENARIO --seed S [--variant V] [--store sim|adapter|swarm] [--plan F.json] [--trace F.jsonl]
            [--html F.html] [--perfetto F.json] [--sanitize] [--scenarios MODULE,...] [--seed-timeout-s S]
blobsim replay --capsule F [--trace F.jsonl] [--html F.html] [--perfetto F.json]
Replays one seed, prints its trace hash and the violation or crash (with its stack) if any,
and writes the trace (--trace: JSON lines; --html: a self-contained timeline page, a lane per
process; --perfetto: Chrome trace-event JSON for Perfetto UI or chrome://tracing, a track per
process). --plan forces the fault decisions a plan file lists (blobsim shrink writes one); the
plan's "others" says whether every other decision is drawn as usual or takes no fault. The
faults the run took are printed, one line each. The seed runs in this thread; past its wall
budget a watchdog says it hangs.
Exit 0 passed, 1 violated, 4 crashed, 3 liveness bound hit.
--capsule replays a failure capsule (written by run --results): its scenario, seed and
variant; a WARNING line for each build field (version, git commit, lockfile, Node, engine
binding) that differs from the capsule's; REPRODUCED when the seed fails again with the
capsule's trace hash (exit 0), NOT REPRODUCED otherwise (exit 1).`;

export const replayFlags: Options = {
  seed: { type: "string", value: "S", description: "the seed to replay (required)" },
  ...variantOption,
  ...storeOption,
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
  capsule: {
    type: "string",
    value: "F.json",
    description: "replay a failure capsule and check it reproduces (scenario, seed, variant from it)",
  },
  ...sanitizeOption,
  ...buggifyOption,
  ...scenariosOption,
  ...seedTimeoutFlag,
};

/** `--capsule F`: the capsule, after checking nothing else names the seed. */
function capsuleOption(path: string | undefined, parsed: ReturnType<typeof parse>): Capsule | undefined {
  if (path === undefined) return undefined;
  if (
    parsed.positionals.length > 0 ||
    str(parsed, "seed") !== undefined ||
    str(parsed, "variant") !== undefined
  )
    throw new UsageError("--capsule names the scenario, seed and variant; give none of them with it");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `--capsule ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const capsule = parseCapsule(path, text);
  // A module scenario replays from the module the capsule names unless --scenarios says where.
  if (capsule.scenarioModule !== null && parsed.values.scenarios === undefined)
    parsed.values.scenarios = [capsule.scenarioModule];
  parsed.positionals.push(capsule.scenario);
  parsed.values.seed = String(capsule.seed);
  if (capsule.variant !== null) parsed.values.variant = capsule.variant;
  if (capsule.store !== undefined && parsed.values.store === undefined) parsed.values.store = capsule.store;
  return capsule;
}

export async function replayCommand_(args: string[]): Promise<number> {
  const parsed = parse(args, replayFlags);
  const capsule = capsuleOption(str(parsed, "capsule"), parsed);
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
  if (capsule)
    for (const difference of buildDifferences(capsule.build, buildIdentity()))
      console.log(`WARNING ${difference}`);
  const budgetS = seedTimeoutS(scenario!, seedTimeoutOption(parsed));
  const watchdog = hangWatchdog(budgetS, `replay of ${scenario!.id} seed ${seed}`);
  const run = await runSeed(scenario!.id, seed, {
    variant,
    ...storeTask(storeChoice(parsed)),
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
  const reproduced = capsule && !result.ok && result.traceHash === capsule.traceHash;
  const capsuleVerdict = () => {
    if (!capsule) return undefined;
    console.log(
      reproduced
        ? `REPRODUCED ${capsule.scenario} seed=${capsule.seed} trace_hash=${result.traceHash} (as the capsule says)`
        : `NOT REPRODUCED ${capsule.scenario} seed=${capsule.seed}: ${result.ok ? "it passed" : `trace_hash=${result.traceHash}`}, the capsule says ${capsule.status} with trace_hash=${capsule.traceHash}`,
    );
    return reproduced ? 0 : 1;
  };
  for (const line of faultLines(result.decisions)) console.log(line);
  if (result.ok) {
    console.log("PASS");
    return capsuleVerdict() ?? 0;
  }
  const label = result.status === "crash" ? "CRASH" : "VIOLATION";
  console.log(
    `${label} invariant=${result.violation?.invariant} at_ms=${result.violation?.atMs} ${result.violation?.message}`,
  );
  if (result.error?.stack) for (const line of result.error.stack.split("\n")) console.log(`  ${line}`);
  for (const event of run.violationEvents) console.log(`  event ${JSON.stringify(event)}`);
  console.log(`replay: ${replayCommand(result, planPath)}`);
  return capsuleVerdict() ?? exitCodeOf([result]);
}
