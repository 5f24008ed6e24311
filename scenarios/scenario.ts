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
