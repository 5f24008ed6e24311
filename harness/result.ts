import { isAbsolute, relative } from "node:path";
import type { Decision } from "../sim/decisions.ts";
import type { TraceEvent, TraceValue } from "../sim/trace.ts";

/** Figures a scenario reports (latency percentiles, counts); they go into run --json. */
export type Metrics = Record<string, number | string>;

/**
 * The closed set of seed outcomes:
 * - pass
 * - violation: an invariant was broken (exit 1)
 * - liveness: the run hit its simulated-time or event bound (exit 3)
 * - crash: an exception escaped engine or scenario code, or the seed's worker died (exit 4);
 *   the stack is kept in `error`
 * - timeout: the seed ran past its wall-time budget and its worker was terminated; reported
 *   as a liveness failure (invariant "liveness", exit 3) with the wall figure
 */
export type SeedStatus = "pass" | "violation" | "liveness" | "crash" | "timeout";

/** The outcome of one (scenario, seed[, variant]) run. Everything but wallMs is deterministic. */
export interface SeedResult {
  scenario: string;
  seed: number;
  variant: string | null;
  ok: boolean;
  status: SeedStatus;
  /** The first violation, or the liveness/crash/timeout reason. */
  violation: { invariant: string; message: string; atMs: number } | null;
  violations: number;
  events: number;
  simMs: number;
  traceHash: string;
  metrics: Metrics;
  swarm: Record<string, Record<string, TraceValue>>;
  /** The run's fault decisions (sim/decisions.ts): its swarm draws and every fault it took. */
  decisions: Decision[];
  /** Hits per reach point (sim/reach.ts): which rare states the run reached. */
  reach: Record<string, number>;
  wallMs: number;
  /** The `--scenarios` module the scenario came from (absolute path); absent for built-ins. */
  scenarioModule?: string;
  /** Present when the seed ran with the GCS adapter in the loop (`--store adapter`, or drawn by swarm). */
  store?: "adapter";
  /** The `--config` module the seed ran under (absolute path), and its binding when not the first. */
  configModule?: string;
  bindingName?: string;
  /** A crash's exception (where it escaped, its stack); a timeout's budget. Absent otherwise. */
  error?: { where: string; name: string; message: string; stack: string };
}

/** A seed result plus the trace events (all of them when asked for, else the recent ones). */
export interface SeedRun {
  result: SeedResult;
  trace: TraceEvent[];
  traceComplete: boolean;
  violationEvents: TraceEvent[];
}

export function replayCommand(
  result: Pick<SeedResult, "scenario" | "seed" | "variant"> &
    Pick<Partial<SeedResult>, "scenarioModule" | "configModule" | "bindingName" | "store">,
  planPath?: string,
): string {
  const variant = result.variant ? ` --variant ${result.variant}` : "";
  const module = result.scenarioModule ? ` --scenarios ${shownPath(result.scenarioModule)}` : "";
  const config = result.configModule ? ` --config ${shownPath(result.configModule)}` : "";
  const binding = result.bindingName ? ` --binding ${result.bindingName}` : "";
  // A seed that ran with the adapter replays with it (what swarm drew is the seed's own).
  const store = result.store === "adapter" ? " --store adapter" : "";
  const plan = planPath ? ` --plan ${shownPath(planPath)}` : "";
  return `npx blobsim replay ${result.scenario} --seed ${result.seed}${variant}${store}${module}${config}${binding}${plan}`;
}

/** A module path as the user would type it: relative to here when it lies below here. */
function shownPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") || isAbsolute(fromHere) ? path : `./${fromHere}`;
}

/**
 * The exit code of a run, from the worst outcome among its seeds. The ranking is
 * violation (1) > crash (4) > liveness and timeout (3) > pass (0):
 * - a violation outranks a crash because it is a proven safety breach (a lost acked write, two
 *   writers), the finding the durability gate stands on, and CI scripts that test for exit 1
 *   must keep seeing it when a crash happens in the same run;
 * - a crash outranks liveness because the seed stopped before its checks ran: what it proves
 *   is unknown, which is worse than a run that checked and found it slow.
 */
export function exitCodeOf(results: readonly Pick<SeedResult, "status">[]): number {
  const statuses = new Set(results.map((result) => result.status));
  if (statuses.has("violation")) return 1;
  if (statuses.has("crash")) return 4;
  if (statuses.has("liveness") || statuses.has("timeout")) return 3;
  return 0;
}
