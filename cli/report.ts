import { availableParallelism } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseCount, UsageError } from "../harness/seeds.ts";
import { checkVariants, reportSeedCount, runScenarioSeeds } from "../reports/collect.ts";
import { type EvidencePlan, mergedEvidencePlan, runEvidencePlan } from "../reports/completeness.ts";
import { buildReport, type ReportData } from "../reports/evidence.ts";
import { chartData } from "../reports/charts.ts";
import { failingSeedTimelines } from "../reports/failing-timelines.ts";
import { reportHtml } from "../reports/html.ts";
import { reportMarkdown } from "../reports/markdown.ts";
import { readRunJson, readRunJsonTexts } from "../reports/run-json.ts";
import { readRecordedSeeds } from "../fixtures/forensic/recorded.ts";
import type { Variant } from "../fixtures/forensic/variant.ts";
import { recordFileOf } from "../harness/config.ts";
import { jobs, laneChoice, laneOption, type Options, parse, str } from "./args.ts";
import { commandConfig, commandRegistry, scenariosOption } from "./registry.ts";
import { failLine, progress } from "./output.ts";
import { checkOutputFolder, writeOutputFile } from "./output-files.ts";
import { openResultsSink, readStoredResults } from "./results-sink.ts";

export const reportHelp = `blobsim report [--lane sim|pglite|all] [--out DIR] [--seeds N] [--jobs J]
blobsim report --from-json F [F...] [--out DIR]
blobsim report --from gs://BUCKET/PREFIX|DIR [--out DIR]
Writes the traceability report (report.md, report.html, report.json) into DIR (default
./blobsim-report). Runs every scenario of the lane (default sim, about a minute; pglite boots
real Postgres per seed) with N seeds each (default min(defaultSeeds, 10), 2 on the pglite lane)
in J worker threads (default 2), or merges the \`run --json\` files of several shards (--from-json
files, or every result file that \`run --results\` and \`sweep\` stored under --from); and checks
the recorded seed of every forensic variant whose scenario is in the lane. Criteria whose
scenarios did not run are listed as "no evidence yet".
With --config the report judges the config's binding: the scenarios the config runs, and its own
variants at the seeds its record file holds (\`record --config\` writes it); --scenarios adds
modules' scenarios as \`run\` does.
Merging, the gate reads INCOMPLETE (never GREEN) when evidence is missing: a shard of a
\`--shard i/n\` run, a scenario of a judged lane (the lanes the runs' plans declare), seeds a plan
declared, or rows that fail the schema; it names what is missing.
Exit 0 when nothing failed, 1 when a criterion is failing, a variant's record no longer holds or
the gate is INCOMPLETE, 2 usage error (also: DIR cannot be written; checked before anything runs).`;

export const reportFlags: Options = {
  out: {
    type: "string",
    value: "DIR",
    description: "where report.md, report.html and report.json go (default ./blobsim-report)",
  },
  seeds: { type: "string", value: "N", description: "seeds per scenario when the report runs its evidence" },
  jobs: { type: "string", value: "J", description: "worker threads (default 2)" },
  ...laneOption,
  "from-json": {
    type: "string",
    multiple: true,
    value: "F",
    description: "merge these `run --json` files (shards) instead of running anything",
  },
  from: {
    type: "string",
    value: "gs://B/P|DIR",
    description: "merge every result file stored there by run --results or sweep (credentials as for probe)",
  },
  ...scenariosOption,
};

export async function reportCommand(args: string[]): Promise<number> {
  const parsed = parse(args, reportFlags);
  const fromJson = parsed.values["from-json"];
  const files = Array.isArray(fromJson) ? [...fromJson, ...parsed.positionals] : [];
  const fromText = str(parsed, "from");
  if (fromText !== undefined && files.length > 0)
    throw new UsageError("--from and --from-json are two ways to merge; give one");
  const sink = fromText === undefined ? undefined : openResultsSink("--from", fromText, process.env, "read");
  const merging = files.length > 0 || sink !== undefined;
  if (files.length === 0 && parsed.positionals.length > 0)
    throw new UsageError(
      `report takes no scenario names (got ${parsed.positionals.join(" ")}); use --from-json for files`,
    );
  const seedsText = str(parsed, "seeds");
  if (merging && seedsText !== undefined)
    throw new UsageError("--seeds runs the evidence; it does not combine with --from-json or --from");
  const seeds = seedsText === undefined ? undefined : parseCount(seedsText, "--seeds");
  const threads = jobs(parsed, Math.min(2, availableParallelism()));
  const outDir = checkOutputFolder("--out", str(parsed, "out") ?? "blobsim-report");
  if (merging && str(parsed, "lane") !== undefined)
    throw new UsageError("--lane chooses what to run; it does not combine with --from-json or --from");
  // Merged shards may hold any lane; a run holds the chosen one (sim unless asked).
  const lane = merging ? "all" : laneChoice(parsed);
  // The registry the evidence runs from: blobsim's catalogs, or a config's binding and variants.
  const registry = await commandRegistry(parsed);
  const allScenarios = registry.scenarios;
  const allVariants = await variantsWithRecords(registry.variants, parsed);
  const inLane = (scenarioId: string | undefined) => {
    const scenario = scenarioId === undefined ? undefined : registry.findScenario(scenarioId);
    return lane === "all" || scenario?.lane === lane;
  };
  const laneScenarios = allScenarios.filter((scenario) => inLane(scenario.id));

  const started = performance.now();
  let results;
  let shards: string[] = [];
  let warnings: string[] = [];
  let plan: EvidencePlan;
  let inputs = files;
  if (merging) {
    const stored = sink ? await readStoredResults(sink) : undefined;
    const input = stored ? readRunJsonTexts(stored.entries) : readRunJson(files);
    if (stored) {
      inputs = stored.entries.map((entry) => entry.path);
      input.problems.unshift(...stored.problems);
    }
    ({ results, shards, warnings } = input);
    plan = mergedEvidencePlan(
      input.files,
      allScenarios,
      (s) => reportSeedCount(s, undefined),
      input.problems,
    );
    console.log(
      `merged ${results.length} seed results from ${inputs.length} files; judged lanes: ${plan.judgedLanes.join(", ") || "none"}`,
    );
  } else {
    plan = runEvidencePlan(lane, allScenarios, (s) => reportSeedCount(s, seeds));
    let failed = 0;
    const total = laneScenarios.reduce((n, scenario) => n + reportSeedCount(scenario, seeds), 0);
    const bar = progress(total, "report");
    results = await runScenarioSeeds(
      laneScenarios,
      seeds,
      threads,
      (result, done) => {
        if (!result.ok) {
          failed++;
          bar.log(failLine(result));
        }
        bar.tick(done, failed);
      },
      registry,
    );
    bar.end();
  }
  const laneVariants = allVariants.filter((variant) =>
    inLane(variant.recorded?.scenario ?? variant.scenarios[0]),
  );
  if (laneVariants.length < allVariants.length)
    warnings = [
      ...warnings,
      `lane ${lane}: ${allVariants.length - laneVariants.length} forensic variants of other lanes not checked (${allVariants
        .filter((v) => !laneVariants.includes(v))
        .map((v) => v.id)
        .join(", ")}); --lane all checks them`,
    ];
  const variants = await checkVariants(laneVariants, undefined, registry);
  for (const check of variants.checks)
    for (const problem of check.problems) console.log(`VARIANT ${check.variant}: ${problem}`);
  const report: ReportData = buildReport({
    scenarios: allScenarios,
    results,
    variants: variants.checks,
    mode: merging ? "merged" : "run",
    inputs,
    shards,
    warnings,
    generatedAt: new Date().toISOString(),
    wallS: Number(((performance.now() - started) / 1000).toFixed(1)),
    plan,
  });
  const charts = chartData(report.scenarios, report.criteria, report.placement);
  // Embedded: one timeline per variant and the failing seeds; the rest replay by command.
  const timelines = new Map([...variants.timelines, ...(await failingSeedTimelines(results))]);
  writeOutputFile(join(outDir, "report.json"), `${JSON.stringify({ ...report, charts }, null, 1)}\n`);
  writeOutputFile(join(outDir, "report.md"), reportMarkdown(report));
  writeOutputFile(join(outDir, "report.html"), reportHtml(report, timelines));
  for (const warning of report.warnings) console.log(`WARNING ${warning}`);
  const s = report.summary;
  for (const missing of report.signOff.missing) console.log(`MISSING ${missing}`);
  console.log(report.signOff.verdict);
  console.log(
    `REPORT criteria=${s.criteria} proven=${s.proven} passing=${s.passing} failing=${s.failing} incomplete=${s.incomplete} no_evidence=${s.noEvidence} seeds=${s.seeds} failed=${s.failedSeeds} variants_holding=${s.variantsHolding}/${s.variants} wall_s=${s.wallS} out=${join(outDir, "report.html")}`,
  );
  const variantRegressed = report.variants.some((v) => v.buggy !== null && (!v.reproduces || !v.realPasses));
  return s.failing > 0 || variantRegressed || !report.signOff.complete ? 1 : 0;
}

/** A config's own variants carry no recorded seed; theirs are in the config's record file. */
async function variantsWithRecords(
  variants: readonly Variant[],
  parsed: Parameters<typeof commandConfig>[0],
): Promise<Variant[]> {
  const loaded = await commandConfig(parsed);
  if (!loaded) return [...variants];
  const records = readRecordedSeeds(recordFileOf(loaded.config, loaded.path));
  return variants.map((variant) => {
    const recorded = records.get(variant.id);
    return recorded && !variant.recorded ? { ...variant, recorded } : variant;
  });
}
