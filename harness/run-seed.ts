/**
 * Runs one scenario on one seed, optionally with a forensic variant, and turns whatever happens
 * (violations, a liveness bound, a crash, a determinism breach) into a SeedResult. Scenario and
 * variant IDs are looked up in the registry handed in (harness/registry.ts).
 */
import { performance } from "node:perf_hooks";
import { type Crash, SimulationCrashError } from "../sim/crash.ts";
import type { DecisionPlan } from "../sim/decisions.ts";
import { DEFAULT_ALLOWED_CALLERS, runSanitized } from "../sim/sanitizer.ts";
import { LivenessError, WallBudgetError } from "../sim/scheduler.ts";
import { World } from "../sim/world.ts";
import { withCrashTrap } from "./crash-trap.ts";
import { defaultRegistry } from "./default-registry.ts";
import type { Registry, RegistryScenario } from "./registry.ts";
import type { SeedResult, SeedRun } from "./result.ts";
import type { StoreTransport } from "../sim/blobstore/transport.ts";
import { resolveStoreMode, type StoreMode } from "./store-mode.ts";

export interface RunSeedOptions {
  variant?: string | null;
  /** Keep every trace event (replay, reports); otherwise only the most recent ones. */
  keepFullTrace?: boolean;
  /** Fail the run on any direct use of wall time, real timers or real randomness. */
  sanitize?: boolean;
  /**
   * Wall budget in seconds, checked between simulated events: a seed whose events never end
   * stops as a timeout. A seed spinning without yielding to the scheduler is beyond it; a
   * worker runner terminates those.
   */
  wallBudgetS?: number;
  /** Where scenario and variant IDs are looked up; the installed default registry if absent. */
  registry?: Registry;
  /** How processes reach the simulated bucket; the variant's mode, else `sim`, when absent. */
  store?: StoreMode;
  /** Fault decisions to force (sim/decisions.ts); absent: every decision is drawn. */
  plan?: DecisionPlan;
  /** BUGGIFY sites on (sim/world.ts); off by default, so default runs keep their hashes. */
  buggify?: boolean;
  /**
   * Called once a process of the seed reached a store through the adapter, as it happens, so a
   * seed that never comes back (its worker killed past the wall budget, or crashed) is still
   * known to have run through the adapter and replays with `--store adapter`.
   */
  onAdapterUsed?: () => void;
}

export class StoreModeUnavailableError extends Error {
  override name = "StoreModeUnavailableError";
}

export class UnknownNameError extends Error {
  override name = "UnknownNameError";
}

const wallNow = performance.now.bind(performance); // the harness measures its own wall time

/** Runs a scenario of the registry by ID, or a Scenario object (a user's, which need not be registered). */
export async function runSeed<S>(
  scenarioOrId: string | RegistryScenario<S>,
  seed: number,
  options: RunSeedOptions = {},
): Promise<SeedRun> {
  const registry = (options.registry ?? defaultRegistry()) as Registry<S> | undefined;
  const lookup = (kind: string) => {
    if (!registry) throw new UnknownNameError(`no registry to look up a ${kind} in: pass options.registry`);
    return registry;
  };
  const scenario =
    typeof scenarioOrId === "string" ? lookup("scenario").findScenario(scenarioOrId) : scenarioOrId;
  if (!scenario) throw new UnknownNameError(`unknown scenario: ${String(scenarioOrId)}`);
  const variant = options.variant ? lookup("variant").findVariant(options.variant) : undefined;
  if (options.variant && !variant) throw new UnknownNameError(`unknown variant: ${options.variant}`);
  // A user's scenario with no registry at all runs with empty seams (its own engine).
  const baseSeams = registry ? registry.defaultSeams() : ({} as S);

  const world = new World({
    seed,
    keepFullTrace: options.keepFullTrace ?? false,
    ...(options.plan ? { plan: options.plan } : {}),
    ...(options.buggify ? { buggify: true } : {}),
  });
  const seams = variant ? variant.apply(baseSeams) : baseSeams;
  const store = resolveStoreMode(options.store ?? variant?.store ?? "sim", world);
  if (store === "adapter") {
    if (!registry?.storeTransport)
      throw new StoreModeUnavailableError(
        "--store adapter needs a registry that builds the adapter transport",
      );
    const transport = registry.storeTransport(world, seams);
    world.storeTransport = options.onAdapterUsed
      ? announcingUse(transport, options.onAdapterUsed)
      : transport;
  }
  const context = { world, seed, seams, variant: variant?.id };
  const started = wallNow();
  if (options.wallBudgetS !== undefined) {
    const deadlineMs = started + options.wallBudgetS * 1000;
    world.scheduler.overBudget = () => wallNow() > deadlineMs;
  }
  let status: SeedResult["status"] = "pass";
  let failure: SeedResult["violation"] = null;
  let metrics: SeedResult["metrics"] = {};
  let crash: Crash | null = null;

  const body = async () => (await scenario.run(context))?.metrics ?? {};
  const sanitized = () =>
    options.sanitize
      ? runSanitized(
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
      : body();
  try {
    metrics = await withCrashTrap((where, thrown) => world.scheduler.crash(where, thrown), sanitized);
  } catch (error) {
    if (error instanceof WallBudgetError) {
      status = "timeout";
      const message = `${error.message}: budget ${options.wallBudgetS} s (wall_ms=${Math.round(wallNow() - started)})`;
      failure = { invariant: "liveness", message, atMs: world.nowMs };
    } else if (error instanceof LivenessError) {
      status = "liveness";
      failure = { invariant: "liveness", message: error.message, atMs: error.atMs };
    } else if (!(error instanceof SimulationCrashError)) {
      // The scenario's own code threw (not an escape the scheduler caught).
      world.scheduler.crash("scenario", error);
    }
  }
  // A violation found before the crash outranks it (as in the run's exit code); the crash's
  // stack is kept either way.
  crash = world.scheduler.crashed;
  if (crash && world.violations.length === 0) {
    status = "crash";
    failure = {
      invariant: "crash",
      message: `${crash.where}: ${crash.name}: ${crash.message}`,
      atMs: crash.atMs,
    };
  }
  const first = world.violations[0];
  if (status === "pass" && first) {
    status = "violation";
    failure = { invariant: first.invariant, message: first.message, atMs: first.atMs };
  }
  // Only a seed whose processes reached a store through the adapter says so (and replays with it).
  const adapterUsed = (world.storeTransport?.clientsMade ?? 0) > 0;
  if (adapterUsed) world.swarm.store = { adapter: true };
  const origin = registry?.findScenario(scenario.id) === scenario ? registry.origin(scenario.id) : undefined;
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
    decisions: world.decisions.entries,
    reach: world.reached,
    wallMs: Math.round(wallNow() - started),
    ...(origin !== undefined && origin !== "built-in" && origin !== registry?.source.configModule
      ? { scenarioModule: origin }
      : {}),
    ...(registry?.source.configModule ? { configModule: registry.source.configModule } : {}),
    ...(registry?.source.bindingName ? { bindingName: registry.source.bindingName } : {}),
    ...(adapterUsed ? { store: "adapter" as const } : {}),
    ...(crash
      ? { error: { where: crash.where, name: crash.name, message: crash.message, stack: crash.stack } }
      : {}),
  };
  return {
    result,
    trace: world.trace.events(),
    traceComplete: world.trace.complete,
    violationEvents: first && status === "violation" ? first.events : [],
  };
}

/** The same transport, telling `onUsed` when it has made a client (nothing else changes). */
function announcingUse(transport: StoreTransport, onUsed: () => void): StoreTransport {
  return {
    name: transport.name,
    get clientsMade() {
      return transport.clientsMade;
    },
    client(direct, process, store) {
      const client = transport.client(direct, process, store);
      if (transport.clientsMade > 0) onUsed();
      return client;
    },
  };
}

function firstFrame(stack: string): string {
  return (stack.split("\n").find((line) => line.includes("at ")) ?? stack).trim();
}
