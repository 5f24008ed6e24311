/**
 * Gathering the report's evidence: run every scenario's seeds in the worker pool, or read the
 * `run --json` files of several shards (reports/run-json.ts); then check every forensic variant's recorded seed and
 * keep its trace for the timeline.
 */
import { allVariants } from "../fixtures/forensic/index.ts";
import type { Variant } from "../fixtures/forensic/variant.ts";
import { createRunner, runOrdered } from "../harness/pool.ts";
import type { Registry } from "../harness/registry.ts";
import type { SeedResult } from "../harness/result.ts";
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
  /** The registry the workers run from (a `--config` one); blobsim's built-ins if absent. */
  registry?: Registry,
): Promise<SeedResult[]> {
  const tasks: SeedTask[] = scenarios.flatMap((scenario) =>
    Array.from({ length: reportSeedCount(scenario, seedsAsked) }, (_, seed) => ({
      scenario: scenario.id,
      seed,
      variant: null,
      sanitize: false,
    })),
  );
  const runner = createRunner(jobs, registry);
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

export interface VariantEvidence {
  checks: VariantCheck[];
  timelines: Map<string, TraceViewInput>;
}

/** Checks every variant's recorded seed (in this thread: the timelines need the traces). */
export async function checkVariants(
  variants: readonly Variant[] = allVariants,
  maxEvents = EMBEDDED_EVENTS_MAX,
  registry?: Registry,
): Promise<VariantEvidence> {
  const checks: VariantCheck[] = [];
  const timelines = new Map<string, TraceViewInput>();
  for (const variant of variants) {
    const { check, trace } = await checkVariant(variant, registry);
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
