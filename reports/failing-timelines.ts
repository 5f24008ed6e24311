/**
 * Timelines of the report's failing seeds: the first failing seed of each scenario (at most
 * FAILING_TIMELINES_MAX in all) is replayed here with its full trace and embedded in report.html;
 * any other seed is one `blobsim replay … --html F` away. Keys are `seed:<scenario>:<seed>`.
 */
import { replayCommand, type SeedResult } from "../harness/result.ts";
import { runSeed } from "../harness/run-seed.ts";
import { capEvents, EMBEDDED_EVENTS_MAX, type TraceViewInput } from "./trace-viewer.ts";

export const FAILING_TIMELINES_MAX = 5;

export async function failingSeedTimelines(
  results: readonly SeedResult[],
  maxTimelines = FAILING_TIMELINES_MAX,
  maxEvents = EMBEDDED_EVENTS_MAX,
): Promise<Map<string, TraceViewInput>> {
  const firstPerScenario = new Map<string, SeedResult>();
  for (const result of results)
    if (!result.ok && !firstPerScenario.has(result.scenario)) firstPerScenario.set(result.scenario, result);
  const timelines = new Map<string, TraceViewInput>();
  for (const failed of [...firstPerScenario.values()].slice(0, maxTimelines)) {
    const run = await runSeed(failed.scenario, failed.seed, { variant: failed.variant, keepFullTrace: true });
    const { result } = run;
    timelines.set(`seed:${result.scenario}:${result.seed}`, {
      title: `${result.scenario} seed ${result.seed}`,
      scenario: result.scenario,
      seed: result.seed,
      variant: result.variant,
      traceHash: result.traceHash,
      events: capEvents(run.trace, maxEvents, result.violation?.atMs ?? null, run.violationEvents),
      totalEvents: result.events,
      violation: result.violation,
      evidence: run.violationEvents.filter((e) => e.k !== "violation"),
      replay: replayCommand(result),
    });
  }
  return timelines;
}
