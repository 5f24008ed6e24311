/**
 * Write your own scenarios as ordinary vitest tests: `seedTests(scenario, { seeds: 20 })`
 * declares one `it` per seed. A failing seed's message names the scenario, seed, variant,
 * invariant and violation (or the crash and its stack), the command that replays it, and the
 * vitest line that reruns just that seed in its test file, so a red CI line is enough to
 * reproduce the run. The scenario is an ID of the registry (the built-in one in this repo's
 * tests) or a Scenario object, which need not be registered.
 *
 *   import { seedTests } from "blobsim/harness/vitest.ts";
 *   import { myScenario } from "./my-scenario.ts";
 *   describe("my scenario", () => {
 *     seedTests(myScenario, { from: 0, seeds: 20 });
 *   });
 *
 * A seed whose process throws fails as a crash (that seed only: the rejection is never left
 * for vitest to blame on another test). A seed whose events never end fails as a timeout once
 * `wallBudgetS` is spent. A seed that spins without ever yielding to the scheduler cannot be
 * stopped in the test's thread; give `module` (the path of the module that exports the
 * scenario) and every seed runs in a worker thread that is terminated at the budget.
 */
import { afterAll, expect, it } from "vitest";
import { defaultRegistry } from "./default-registry.ts";
import { createRunner, type SeedRunner } from "./pool.ts";
import type { Registry, RegistryScenario } from "./registry.ts";
import { replayCommand, type SeedResult } from "./result.ts";
import { runSeed } from "./run-seed.ts";
import { shrinkSeed, shrunkPlanLines } from "./shrink.ts";
import { loadScenarioModules } from "./scenario-modules.ts";
import { seedTimeoutS } from "./seed-budget.ts";

export interface SeedTestsOptions {
  /** First seed. */
  from?: number;
  /** How many consecutive seeds, one test each. */
  seeds?: number;
  /** A forensic variant ID to run with (to show your checker catches its bug). */
  variant?: string;
  /** Fail a seed on any direct use of wall time, real timers or real randomness. */
  sanitize?: boolean;
  /** Per-seed wall budget; the scenario's seedTimeoutS or its lane's default if absent. */
  wallBudgetS?: number;
  /** Per-test timeout for vitest; a seed usually takes well under a second. */
  timeoutMs?: number;
  /** Where IDs are looked up; the installed default registry if absent. */
  registry?: Registry;
  /** Path of the module exporting the scenario: run each seed in a worker thread (see above). */
  module?: string;
  /**
   * Wall seconds to shrink a failing seed (harness/shrink.ts) so its message shows the shrunk
   * plan; 0 turns it off. Default 20. A scenario run in a worker (`module`) is not shrunk.
   */
  shrinkBudgetS?: number;
}

/** Wall seconds seedTests spends shrinking a failing seed by default. */
export const DEFAULT_SEED_TEST_SHRINK_S = 20;

/** The test name for one seed; `npx vitest run FILE -t "<name>$"` (a pattern) reruns just it. */
export function seedTestName(scenarioId: string, seed: number, variant?: string | null): string {
  return `${scenarioId} seed ${seed}${variant ? ` variant ${variant}` : ""}`;
}

/**
 * What a failing seed says: scenario, seed, status, invariant and message (a crash's stack),
 * and how to replay it (the blobsim command for a registered scenario, the vitest line for any).
 */
export function seedFailureMessage(
  result: Pick<
    SeedResult,
    "scenario" | "seed" | "variant" | "status" | "violation" | "error" | "scenarioModule"
  >,
  options: { registered?: boolean; testFile?: string } = {},
): string {
  const registered =
    options.registered ??
    (result.scenarioModule !== undefined || defaultRegistry()?.findScenario(result.scenario) !== undefined);
  const what = result.violation
    ? `${result.status} of ${result.violation.invariant} at ${result.violation.atMs} ms: ${result.violation.message}`
    : result.status;
  const lines = [
    `scenario ${result.scenario} seed ${result.seed}${result.variant ? ` variant ${result.variant}` : ""} failed: ${what}`,
  ];
  if (result.error?.stack) lines.push(...result.error.stack.split("\n").map((line) => `  ${line}`));
  if (registered) lines.push(`replay: ${replayCommand(result)}`);
  const file = options.testFile ? `${options.testFile} ` : "";
  lines.push(
    // -t takes a pattern: the `$` keeps seed 1 from also rerunning seeds 10-19.
    `rerun this test: npx vitest run ${file}-t "${seedTestName(result.scenario, result.seed, result.variant)}$"`,
  );
  return lines.join("\n");
}

/**
 * The failure message with the seed's shrunk plan below it (what each remaining fault does, the
 * plan as JSON, its replay line), when the failure is a violation or liveness one and shrinks
 * within the budget to a plan that reproduces it.
 */
export async function seedFailureWithPlan(
  scenarioOrId: string | RegistryScenario,
  result: SeedResult,
  options: {
    registered?: boolean;
    testFile?: string | undefined;
    shrinkBudgetS: number;
    registry?: Registry;
  },
): Promise<string> {
  const message = seedFailureMessage(result, {
    ...(options.registered !== undefined ? { registered: options.registered } : {}),
    ...(options.testFile !== undefined ? { testFile: options.testFile } : {}),
  });
  if (options.shrinkBudgetS <= 0 || (result.status !== "violation" && result.status !== "liveness"))
    return message;
  const shrunk = await shrinkSeed(scenarioOrId, result.seed, {
    variant: result.variant,
    budgetS: options.shrinkBudgetS,
    ...(options.registry ? { registry: options.registry } : {}),
  }).catch(() => null);
  if (!shrunk || shrunk.plan.others !== "neutral") return message;
  return [message, ...shrunkPlanLines(shrunk, `${result.scenario}.seed-${result.seed}.plan.json`)].join("\n");
}

export class SeedFailure extends Error {
  override name = "SeedFailure";
}

/** The test file vitest is running, relative to the project root when below it. */
function currentTestFile(): string | undefined {
  const path = expect.getState().testPath;
  if (!path) return undefined;
  const root = process.cwd();
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** Declares one vitest test per seed in [from, from + seeds). Call it inside a describe or file. */
export function seedTests(scenarioOrId: string | RegistryScenario, options: SeedTestsOptions = {}): void {
  const { from = 0, seeds = 20, variant, sanitize = false, timeoutMs = 30_000 } = options;
  const scenarioId = typeof scenarioOrId === "string" ? scenarioOrId : scenarioOrId.id;
  // With `module`, one worker thread serves every seed of this call (replaced if it is terminated).
  let runner: Promise<SeedRunner> | undefined;
  const workerFor = (registry: Registry | undefined) =>
    (runner ??= workerRunnerFor(options.module!, registry));
  afterAll(async () => {
    if (runner) await (await runner).close();
  });
  for (let seed = from; seed < from + seeds; seed++) {
    it(
      seedTestName(scenarioId, seed, variant),
      async () => {
        const registry = options.registry ?? defaultRegistry();
        const scenario =
          typeof scenarioOrId === "string" ? registry?.findScenario(scenarioOrId) : scenarioOrId;
        const budgetS = options.wallBudgetS ?? (scenario ? seedTimeoutS(scenario) : undefined);
        const result = options.module
          ? await (
              await workerFor(registry)
            ).run({ scenario: scenarioId, seed, variant: variant ?? null, sanitize }, budgetS)
          : (
              await runSeed(scenarioOrId, seed, {
                variant: variant ?? null,
                sanitize,
                ...(registry ? { registry } : {}),
                ...(budgetS !== undefined ? { wallBudgetS: budgetS } : {}),
              })
            ).result;
        if (!result.ok) {
          const registered =
            typeof scenarioOrId === "string" ||
            registry?.findScenario(scenarioId) === scenarioOrId ||
            !!options.module;
          throw new SeedFailure(
            await seedFailureWithPlan(scenarioOrId, result, {
              registered,
              testFile: currentTestFile(),
              shrinkBudgetS: options.module ? 0 : (options.shrinkBudgetS ?? DEFAULT_SEED_TEST_SHRINK_S),
              ...(registry ? { registry } : {}),
            }),
          );
        }
      },
      // The test's own timeout stays above the seed's budget so the seed reports itself.
      // (and above the shrink of a failing seed).
      Math.max(timeoutMs, ((options.wallBudgetS ?? 0) + 30) * 1000) +
        (options.shrinkBudgetS ?? DEFAULT_SEED_TEST_SHRINK_S) * 1000,
    );
  }
}

async function workerRunnerFor(module: string, registry: Registry | undefined): Promise<SeedRunner> {
  if (!registry) throw new Error("seedTests with module needs a registry (options.registry)");
  const withModule = registry.source.scenarioModules.includes(module)
    ? registry
    : await loadScenarioModules(registry, [module]);
  return createRunner(1, withModule);
}
