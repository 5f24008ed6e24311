/**
 * A scenario: a workload plus a fault plan plus the invariants to check, tagged with the
 * acceptance criteria it gives evidence for. `run` builds the world's components, drives the
 * event loop through `ctx.world.run()`, and reports violations through `ctx.world.violate()`.
 */
import type { World } from "../sim/world.ts";
import type { Seams } from "./seams.ts";

export interface ScenarioContext {
  world: World;
  seed: number;
  /** The engine's seams: the real engine unless a forensic variant replaced a part. */
  seams: Seams;
  /** The forensic variant applied, if any. */
  variant: string | undefined;
}

export type { Metrics } from "../harness/result.ts";
import type { Metrics } from "../harness/result.ts";

export interface ScenarioResult {
  /** Figures worth reporting (latency percentiles, counts); they go into run --json. */
  metrics?: Metrics;
}

export interface Scenario {
  id: string;
  title: string;
  /** Criterion IDs from reports/criteria.ts this scenario gives evidence for. */
  criteria: readonly string[];
  /** "sim" scenarios run thousands of seeds; "pglite" ones run real Postgres and few seeds. */
  lane: "sim" | "pglite";
  /** Seeds `blobsim run` uses when none are given. */
  defaultSeeds: number;
  /** Named kill points this scenario can reach. */
  killPoints?: readonly string[];
  run(ctx: ScenarioContext): Promise<ScenarioResult | undefined>;
}

/**
 * The default seed count of a bug-hunting scenario: 90 seeds find a bug that fails 5% of a
 * scenario's seeds with probability 1 − 0.95^90 = 99.0% (the report prints each scenario's
 * power, reports/detection-power.ts). Measurement experiments and the 72 h soak keep their own.
 */
export const DETECTION_SEEDS = 90;
