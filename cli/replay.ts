import { replayCommand } from "../harness/result.ts";
import { runSeed } from "../harness/run-seed.ts";
import { UsageError } from "../harness/seeds.ts";
import { perfettoTrace } from "../reports/perfetto.ts";
import { replayPage } from "../reports/trace-viewer.ts";

import {
  checkVariant,
  flag,
  type Options,
  parse,
  sanitizeOption,
  seedSelection,
  selectScenarios,
  str,
  variantOption,
} from "./args.ts";
import { checkOutputFile, writeOutputFile } from "./output-files.ts";

export const replayHelp = `blobsim replay SCENARIO --seed S [--variant V] [--trace F.jsonl] [--html F.html] [--perfetto F.json] [--sanitize]
Replays one seed, prints its trace hash and the violation if any, and writes the trace
(--trace: JSON lines; --html: a self-contained timeline page, a lane per process;
--perfetto: Chrome trace-event JSON for Perfetto UI or chrome://tracing, a track per process).
Exit 0 passed, 1 violated, 3 liveness bound hit.`;

export const replayFlags: Options = {
  seed: { type: "string", value: "S", description: "the seed to replay (required)" },
  ...variantOption,
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
};

export async function replayCommand_(args: string[]): Promise<number> {
  const parsed = parse(args, replayFlags);
  if (parsed.positionals.length !== 1) throw new UsageError("replay takes exactly one scenario");
  const [scenario] = selectScenarios(parsed.positionals, undefined);
  const { seed } = seedSelection(parsed);
  if (seed === undefined) throw new UsageError("replay needs --seed S");
  const variant = checkVariant(str(parsed, "variant")) ?? null;
  const tracePath = checkOutputFile("--trace", str(parsed, "trace"));
  const htmlPath = checkOutputFile("--html", str(parsed, "html"));
  const perfettoPath = checkOutputFile("--perfetto", str(parsed, "perfetto"));
  const run = await runSeed(scenario!.id, seed, {
    variant,
    keepFullTrace: true,
    sanitize: flag(parsed, "sanitize"),
  });
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
