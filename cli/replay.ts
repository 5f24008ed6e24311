import { writeFileSync } from "node:fs";
import { replayCommand } from "../harness/result.ts";
import { runSeed } from "../harness/run-seed.ts";
import { UsageError } from "../harness/seeds.ts";
import { perfettoTrace } from "../reports/perfetto.ts";
import { replayPage } from "../reports/trace-viewer.ts";

import { checkVariant, flag, parse, seedSelection, selectScenarios, str } from "./args.ts";

export const replayHelp = `blobsim replay SCENARIO --seed S [--variant V] [--trace F.jsonl] [--html F.html] [--perfetto F.json] [--sanitize]
Replays one seed, prints its trace hash and the violation if any, and writes the trace
(--trace: JSON lines; --html: a self-contained timeline page, a lane per process;
--perfetto: Chrome trace-event JSON for Perfetto UI or chrome://tracing, a track per process).
Exit 0 passed, 1 violated, 3 liveness bound hit.`;

export async function replayCommand_(args: string[]): Promise<number> {
  const parsed = parse(args, {
    seed: { type: "string" },
    variant: { type: "string" },
    trace: { type: "string" },
    html: { type: "string" },
    perfetto: { type: "string" },
    sanitize: { type: "boolean" },
  });
  if (parsed.positionals.length !== 1) throw new UsageError("replay takes exactly one scenario");
  const [scenario] = selectScenarios(parsed.positionals, undefined);
  const { seed } = seedSelection(parsed);
  if (seed === undefined) throw new UsageError("replay needs --seed S");
  const variant = checkVariant(str(parsed, "variant")) ?? null;
  const run = await runSeed(scenario!.id, seed, {
    variant,
    keepFullTrace: true,
    sanitize: flag(parsed, "sanitize"),
  });
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
  const perfettoPath = str(parsed, "perfetto");
  if (perfettoPath) writeFileSync(perfettoPath, JSON.stringify(perfettoTrace(run.trace, result)));
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
  console.log(
    `VIOLATION invariant=${result.violation?.invariant} at_ms=${result.violation?.atMs} ${result.violation?.message}`,
  );
  for (const event of run.violationEvents) console.log(`  event ${JSON.stringify(event)}`);
  console.log(`replay: ${replayCommand(result)}`);
  return result.status === "liveness" ? 3 : 1;
}
