/**
 * Gathering the report's evidence: run every scenario's seeds in the worker pool, or read the
 * `run --json` files of several shards; then check every forensic variant's recorded seed and
 * keep its trace for the timeline.
 */
import { readFileSync } from "node:fs";
import { allVariants } from "../fixtures/forensic/index.ts";
import type { Variant } from "../fixtures/forensic/variant.ts";
import { createRunner, runOrdered } from "../harness/pool.ts";
import type { SeedResult } from "../harness/result.ts";
import { UsageError } from "../harness/seeds.ts";
import type { SeedTask } from "../harness/worker.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { checkVariant, type VariantCheck } from "./forensic.ts";
import { capEvents, EMBEDDED_EVENTS_MAX, type TraceViewInput } from "./trace-viewer.ts";

/**
 * Seeds per scenario when none are asked for: enough to mean something while the default report
 * (sim lane, 2 threads) stays near a minute; `--seeds N` asks for more.
 */
export const REPORT_SEEDS_SIM = 10;
export const REPORT_SEEDS_PGLITE = 2;

export function reportSeedCount(scenario: Scenario, asked: number | undefined): number {
  if (asked !== undefined) return asked;
  return Math.min(scenario.defaultSeeds, scenario.lane === "pglite" ? REPORT_SEEDS_PGLITE : REPORT_SEEDS_SIM);
}

export async function runScenarioSeeds(
  scenarios: readonly Scenario[],
  seedsAsked: number | undefined,
  jobs: number,
  onResult: (result: SeedResult, done: number, total: number) => void = () => undefined,
): Promise<SeedResult[]> {
  const tasks: SeedTask[] = scenarios.flatMap((scenario) =>
    Array.from({ length: reportSeedCount(scenario, seedsAsked) }, (_, seed) => ({
      scenario: scenario.id,
      seed,
      variant: null,
      sanitize: false,
    })),
  );
  const runner = createRunner(jobs);
  const results: SeedResult[] = [];
  try {
    await runOrdered(runner, tasks, Math.max(1, jobs * 2), (result) => {
      results.push(result);
      onResult(result, results.length, tasks.length);
      return undefined;
    });
  } finally {
    await runner.close();
  }
  return results;
}

export interface RunJsonInput {
  results: SeedResult[];
  shards: string[];
  warnings: string[];
}

/** Reads `blobsim run --json` outputs; a file that is not one is a UsageError naming it. */
export function readRunJson(paths: readonly string[]): RunJsonInput {
  const results: SeedResult[] = [];
  const shards: string[] = [];
  const warnings: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new UsageError(
        `--from-json ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new UsageError(`--from-json ${path}: not JSON`);
    }
    const report = data as {
      tool?: unknown;
      command?: unknown;
      formatVersion?: unknown;
      results?: unknown;
      shard?: unknown;
    };
    if (report.tool !== "blobsim" || report.command !== "run" || !Array.isArray(report.results))
      throw new UsageError(`--from-json ${path}: not the output of \`blobsim run --json\``);
    if (report.formatVersion !== 1)
      throw new UsageError(`--from-json ${path}: format version ${String(report.formatVersion)}, expected 1`);
    for (const [index, r] of (report.results as unknown[]).entries()) {
      const seed = r as Partial<SeedResult>;
      if (typeof seed.scenario !== "string" || typeof seed.seed !== "number" || typeof seed.ok !== "boolean")
        throw new UsageError(`--from-json ${path}: result ${index} lacks scenario, seed or ok`);
      results.push({ ...seed, variant: seed.variant ?? null, metrics: seed.metrics ?? {} } as SeedResult);
    }
    if (typeof report.shard === "string") shards.push(report.shard);
  }
  if (shards.length > 1) {
    const counts = new Set(shards.map((s) => s.split("/")[1]));
    const indices = new Set(shards.map((s) => s.split("/")[0]));
    const n = Number([...counts][0]);
    if (counts.size > 1) warnings.push(`shards of different splits merged: ${shards.join(", ")}`);
    else if (indices.size < n) {
      const missing = Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).filter((s) => !shards.includes(s));
      warnings.push(`missing shards: ${missing.join(", ")}`);
    }
  }
  return { results, shards, warnings };
}

export interface VariantEvidence {
  checks: VariantCheck[];
  timelines: Map<string, TraceViewInput>;
}

/** Checks every variant's recorded seed (in this thread: the timelines need the traces). */
export async function checkVariants(
  variants: readonly Variant[] = allVariants,
  maxEvents = EMBEDDED_EVENTS_MAX,
): Promise<VariantEvidence> {
  const checks: VariantCheck[] = [];
  const timelines = new Map<string, TraceViewInput>();
  for (const variant of variants) {
    const { check, trace } = await checkVariant(variant);
    checks.push(check);
    if (trace && check.buggy && check.recorded) {
      const violation =
        check.buggy.invariant !== null
          ? { invariant: check.buggy.invariant, message: check.buggy.message, atMs: check.buggy.atMs ?? 0 }
          : null;
      timelines.set(variant.id, {
        title: `${variant.id}: ${variant.title}`,
        scenario: check.recorded.scenario,
        seed: check.recorded.seed,
        variant: variant.id,
        traceHash: check.buggy.traceHash,
        events: capEvents(trace.events, maxEvents, violation?.atMs ?? null, trace.evidence),
        totalEvents: trace.events.length,
        violation,
        evidence: trace.evidence.filter((e) => e.k !== "violation"),
        replay: check.replay ?? "",
      });
    }
  }
  return { checks, timelines };
}
