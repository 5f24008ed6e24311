/**
 * Runs one scenario on one seed, optionally with a forensic variant, and turns whatever happens
 * (violations, a liveness bound, a crash, a determinism breach) into a SeedResult.
 */
import { performance } from "node:perf_hooks";
import { findVariant } from "../fixtures/forensic/index.ts";
import { findScenario } from "../scenarios/index.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { defaultSeams } from "../scenarios/seams.ts";
import { DEFAULT_ALLOWED_CALLERS, runSanitized } from "../sim/sanitizer.ts";
import { LivenessError } from "../sim/scheduler.ts";
import { World } from "../sim/world.ts";
import type { SeedResult, SeedRun } from "./result.ts";

export interface RunSeedOptions {
  variant?: string | null;
  /** Keep every trace event (replay, reports); otherwise only the most recent ones. */
  keepFullTrace?: boolean;
  /** Fail the run on any direct use of wall time, real timers or real randomness. */
  sanitize?: boolean;
}

export class UnknownNameError extends Error {
  override name = "UnknownNameError";
}

const wallNow = performance.now.bind(performance); // the harness measures its own wall time

/** Runs a registered scenario by ID, or a Scenario object (a user's, which need not be registered). */
export async function runSeed(
  scenarioOrId: string | Scenario,
  seed: number,
  options: RunSeedOptions = {},
): Promise<SeedRun> {
  const scenario = typeof scenarioOrId === "string" ? findScenario(scenarioOrId) : scenarioOrId;
  if (!scenario) throw new UnknownNameError(`unknown scenario: ${String(scenarioOrId)}`);
  const variant = options.variant ? findVariant(options.variant) : undefined;
  if (options.variant && !variant) throw new UnknownNameError(`unknown variant: ${options.variant}`);

  const world = new World({ seed, keepFullTrace: options.keepFullTrace ?? false });
  const seams = variant ? variant.apply(defaultSeams()) : defaultSeams();
  const context = { world, seed, seams, variant: variant?.id };
  const started = wallNow();
  let status: SeedResult["status"] = "pass";
  let failure: SeedResult["violation"] = null;
  let metrics: SeedResult["metrics"] = {};

  const body = async () => (await scenario.run(context))?.metrics ?? {};
  try {
    metrics = options.sanitize
      ? await runSanitized(
          {
            nowMs: () => world.epochMs + world.nowMs,
            random: (
              (stream) => () =>
                stream.next()
            )(world.rng.fork("sanitizer")),
            onViolation: (api, stack) =>
              world.violate("determinism", `${api} used inside the run at ${firstFrame(stack)}`),
            allow: DEFAULT_ALLOWED_CALLERS,
          },
          body,
        )
      : await body();
  } catch (error) {
    if (error instanceof LivenessError) {
      status = "liveness";
      failure = { invariant: "liveness", message: error.message, atMs: error.atMs };
    } else if (world.violations.length === 0) {
      status = "crash";
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      failure = { invariant: "crash", message, atMs: world.nowMs };
      world.log("world", "crash", { message });
    }
  }
  const first = world.violations[0];
  if (status === "pass" && first) {
    status = "violation";
    failure = { invariant: first.invariant, message: first.message, atMs: first.atMs };
  }
  const result: SeedResult = {
    scenario: scenario.id,
    seed,
    variant: variant?.id ?? null,
    ok: status === "pass",
    status,
    violation: failure,
    violations: world.violations.length,
    events: world.trace.count,
    simMs: world.nowMs,
    traceHash: world.trace.hash(),
    metrics,
    swarm: world.swarm,
    wallMs: Math.round(wallNow() - started),
  };
  return {
    result,
    trace: world.trace.events(),
    traceComplete: world.trace.complete,
    violationEvents: first?.events ?? [],
  };
}

function firstFrame(stack: string): string {
  return (stack.split("\n").find((line) => line.includes("at ")) ?? stack).trim();
}
