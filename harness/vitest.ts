/**
 * Write your own scenarios as ordinary vitest tests: `seedTests(scenario, { seeds: 20 })`
 * declares one `it` per seed. A failing seed's message names the scenario, seed, variant,
 * invariant and violation, and the command that replays it, so a red CI line is enough to
 * reproduce the run. The scenario is a registered ID or a Scenario object (which need not be
 * registered; its replay is then the vitest line printed with it).
 *
 *   import { seedTests } from "blobsim/harness/vitest.ts";
 *   import { myScenario } from "./my-scenario.ts";
 *   describe("my scenario", () => {
 *     seedTests(myScenario, { from: 0, seeds: 20 });
 *   });
 */
import { it } from "vitest";
import { findScenario } from "../scenarios/index.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { replayCommand, type SeedResult } from "./result.ts";
import { runSeed } from "./run-seed.ts";

export interface SeedTestsOptions {
  /** First seed. */
  from?: number;
  /** How many consecutive seeds, one test each. */
  seeds?: number;
  /** A forensic variant ID to run with (to show your checker catches its bug). */
  variant?: string;
  /** Fail a seed on any direct use of wall time, real timers or real randomness. */
  sanitize?: boolean;
  /** Per-test timeout; a seed usually takes well under a second. */
  timeoutMs?: number;
}

/** The test name for one seed; `npx vitest run -t "<name>$"` (a pattern) reruns just it. */
export function seedTestName(scenarioId: string, seed: number, variant?: string | null): string {
  return `${scenarioId} seed ${seed}${variant ? ` variant ${variant}` : ""}`;
}

/**
 * What a failing seed says: scenario, seed, status, invariant and message, and how to replay
 * it (the blobsim command for a registered scenario, the vitest filter for any).
 */
export function seedFailureMessage(
  result: Pick<SeedResult, "scenario" | "seed" | "variant" | "status" | "violation">,
  options: { registered?: boolean } = {},
): string {
  const registered = options.registered ?? findScenario(result.scenario) !== undefined;
  const what = result.violation
    ? `${result.status} of ${result.violation.invariant} at ${result.violation.atMs} ms: ${result.violation.message}`
    : result.status;
  const lines = [
    `scenario ${result.scenario} seed ${result.seed}${result.variant ? ` variant ${result.variant}` : ""} failed: ${what}`,
  ];
  if (registered) lines.push(`replay: ${replayCommand(result)}`);
  lines.push(
    // -t takes a pattern: the `$` keeps seed 1 from also rerunning seeds 10-19.
    `rerun this test: npx vitest run -t "${seedTestName(result.scenario, result.seed, result.variant)}$"`,
  );
  return lines.join("\n");
}

export class SeedFailure extends Error {
  override name = "SeedFailure";
}

/** Declares one vitest test per seed in [from, from + seeds). Call it inside a describe or file. */
export function seedTests(scenarioOrId: string | Scenario, options: SeedTestsOptions = {}): void {
  const { from = 0, seeds = 20, variant, sanitize = false, timeoutMs = 30_000 } = options;
  const scenarioId = typeof scenarioOrId === "string" ? scenarioOrId : scenarioOrId.id;
  for (let seed = from; seed < from + seeds; seed++) {
    it(
      seedTestName(scenarioId, seed, variant),
      async () => {
        const run = await runSeed(scenarioOrId, seed, { variant: variant ?? null, sanitize });
        if (!run.result.ok) {
          const registered = typeof scenarioOrId === "string" || findScenario(scenarioId) === scenarioOrId;
          throw new SeedFailure(seedFailureMessage(run.result, { registered }));
        }
      },
      timeoutMs,
    );
  }
}
