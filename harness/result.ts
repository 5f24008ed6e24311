import type { Metrics } from "../scenarios/scenario.ts";
import type { TraceEvent, TraceValue } from "../sim/trace.ts";

export type SeedStatus = "pass" | "violation" | "liveness" | "crash";

/** The outcome of one (scenario, seed[, variant]) run. Everything but wallMs is deterministic. */
export interface SeedResult {
  scenario: string;
  seed: number;
  variant: string | null;
  ok: boolean;
  status: SeedStatus;
  /** The first violation, or the liveness/crash reason. */
  violation: { invariant: string; message: string; atMs: number } | null;
  violations: number;
  events: number;
  simMs: number;
  traceHash: string;
  metrics: Metrics;
  swarm: Record<string, Record<string, TraceValue>>;
  wallMs: number;
}

/** A seed result plus the trace events (all of them when asked for, else the recent ones). */
export interface SeedRun {
  result: SeedResult;
  trace: TraceEvent[];
  traceComplete: boolean;
  violationEvents: TraceEvent[];
}

export function replayCommand(result: Pick<SeedResult, "scenario" | "seed" | "variant">): string {
  const variant = result.variant ? ` --variant ${result.variant}` : "";
  return `npx blobsim replay ${result.scenario} --seed ${result.seed}${variant}`;
}
