import { writeFileSync } from "node:fs";
import { exitCodeOf, replayCommand } from "../harness/result.ts";
import { runSeed } from "../harness/run-seed.ts";
import { seedTimeoutS } from "../harness/seed-budget.ts";
import { UsageError } from "../harness/seeds.ts";
import { replayPage } from "../reports/trace-viewer.ts";

import { checkVariant, flag, parse, seedSelection, seedTimeoutOption, selectScenarios, str } from "./args.ts";
import { hangWatchdog } from "./hang-watchdog.ts";
import { commandRegistry, scenariosOption } from "./registry.ts";

export const replayHelp = `blobsim replay SCENARIO --seed S [--variant V] [--trace F.jsonl] [--html F.html] [--sanitize]
            [--scenarios MODULE,...] [--seed-timeout-s S]
Replays one seed, prints its trace hash and the violation or crash (with its stack) if any,
and writes the trace (--trace: JSON lines; --html: a self-contained timeline page, a lane per
process). The seed runs in this thread; past its wall budget a watchdog says it hangs.
Exit 0 passed, 1 violated, 4 crashed, 3 liveness bound hit.`;

export async function replayCommand_(args: string[]): Promise<number> {
  const parsed = parse(args, {
    seed: { type: "string" },
    variant: { type: "string" },
    trace: { type: "string" },
    html: { type: "string" },
    sanitize: { type: "boolean" },
    ...scenariosOption,
    "seed-timeout-s": { type: "string" },
  });
  if (parsed.positionals.length !== 1) throw new UsageError("replay takes exactly one scenario");
  const registry = await commandRegistry(parsed);
  const [scenario] = selectScenarios(parsed.positionals, undefined, "all", registry);
  const { seed } = seedSelection(parsed);
  if (seed === undefined) throw new UsageError("replay needs --seed S");
  const variant = checkVariant(str(parsed, "variant"), registry) ?? null;
  const budgetS = seedTimeoutS(scenario!, seedTimeoutOption(parsed));
  const watchdog = hangWatchdog(budgetS, `replay of ${scenario!.id} seed ${seed}`);
  const run = await runSeed(scenario!.id, seed, {
    variant,
    keepFullTrace: true,
    sanitize: flag(parsed, "sanitize"),
    registry,
  }).finally(() => watchdog.stop());
  const { result } = run;
  const tracePath = str(parsed, "trace");
  if (tracePath)
    writeFileSync(
      tracePath,
      run.trace
        .map((event) => JSON.stringify(event))
        .join("\n")
        .concat("\n"),
    );
  const htmlPath = str(parsed, "html");
  if (htmlPath) {
    writeFileSync(htmlPath, replayPage(run));
  }
  console.log(`REPLAY ${result.scenario} seed=${result.seed}${variant ? ` variant=${variant}` : ""}`);
  console.log(`trace_hash=${result.traceHash} events=${result.events} sim_ms=${result.simMs}`);
  for (const [component, options] of Object.entries(result.swarm)) {
    console.log(
      `swarm ${component} ${Object.entries(options)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
    );
  }
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
  console.log(`replay: ${replayCommand(result)}`);
  return exitCodeOf([result]);
}
