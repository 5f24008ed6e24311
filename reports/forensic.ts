/**
 * The forensic corpus check for one variant: its recorded seed still fails with the variant's
 * invariant and the same trace hash, and the real engine passes that same seed. Used by the
 * report (as the proof that a criterion's checker can fail) and by
 * fixtures/forensic/corpus.test.ts (so every variant anyone adds is held to it).
 */
import type { RecordedSeed, Variant } from "../fixtures/forensic/variant.ts";
import type { Registry } from "../harness/registry.ts";
import { replayCommand, type SeedStatus } from "../harness/result.ts";
import { runSeed } from "../harness/run-seed.ts";
import { findScenario } from "../scenarios/index.ts";
import type { TraceEvent } from "../sim/trace.ts";

export interface RunSummary {
  status: SeedStatus;
  invariant: string | null;
  message: string;
  atMs: number | null;
  traceHash: string;
  events: number;
}

export interface VariantCheck {
  variant: string;
  title: string;
  invariant: string;
  scenarios: string[];
  recorded: RecordedSeed | null;
  /** The recorded seed with the bug put back. */
  buggy: RunSummary | null;
  /** The recorded seed on the real engine. */
  real: RunSummary | null;
  /** The buggy run violated the variant's invariant. */
  reproduces: boolean;
  /** ... and with the recorded trace hash. */
  sameHash: boolean;
  realPasses: boolean;
  /** Criteria whose checker this variant shows can fail (the recorded scenario's, narrowed by `proves`). */
  proves: string[];
  /** What is wrong with the record, in words a person can act on; empty when all holds. */
  problems: string[];
  replay: string | null;
}

/** A buggy run's trace, kept for the trace viewer. */
export interface VariantTrace {
  events: TraceEvent[];
  evidence: TraceEvent[];
}

function summary(run: Awaited<ReturnType<typeof runSeed>>): RunSummary {
  const r = run.result;
  return {
    status: r.status,
    invariant: r.violation?.invariant ?? null,
    message: r.violation?.message ?? "",
    atMs: r.violation?.atMs ?? null,
    traceHash: r.traceHash,
    events: r.events,
  };
}

/**
 * `registry` is where the scenario and variant are looked up and run (a `--config` registry: the
 * config's binding and variants); blobsim's built-in catalog if absent.
 */
export async function checkVariant(
  variant: Variant,
  registry?: Registry,
): Promise<{ check: VariantCheck; trace: VariantTrace | null }> {
  const check: VariantCheck = {
    variant: variant.id,
    title: variant.title,
    invariant: variant.invariant,
    scenarios: [...variant.scenarios],
    recorded: variant.recorded ?? null,
    buggy: null,
    real: null,
    reproduces: false,
    sameHash: false,
    realPasses: false,
    proves: [],
    problems: [],
    replay: null,
  };
  const recorded = variant.recorded;
  if (!recorded) {
    check.problems.push(
      `variant ${variant.id} has no recorded seed: run \`npx blobsim record ${variant.id}\` (it hunts one and writes fixtures/forensic/recorded.json)`,
    );
    return { check, trace: null };
  }
  const scenario = registry ? registry.findScenario(recorded.scenario) : findScenario(recorded.scenario);
  if (!scenario) {
    check.problems.push(`variant ${variant.id} records unknown scenario ${recorded.scenario}`);
    return { check, trace: null };
  }
  if (!variant.scenarios.includes(recorded.scenario))
    check.problems.push(
      `variant ${variant.id} records scenario ${recorded.scenario}, which is not among its scenarios (${variant.scenarios.join(", ")})`,
    );
  const source = registry?.source;
  const replayParts = {
    ...(source?.configModule ? { configModule: source.configModule } : {}),
    ...(source?.bindingName ? { bindingName: source.bindingName } : {}),
  };
  check.replay = replayCommand({
    scenario: recorded.scenario,
    seed: recorded.seed,
    variant: variant.id,
    ...replayParts,
  });
  const inRegistry = registry ? { registry } : {};
  const buggy = await runSeed(recorded.scenario, recorded.seed, {
    variant: variant.id,
    keepFullTrace: true,
    ...inRegistry,
    ...(variant.store ? { store: variant.store } : {}),
  });
  // The real engine on the same seed in the same store mode (the adapter's, for an adapter bug).
  const real = await runSeed(
    recorded.scenario,
    recorded.seed,
    variant.store ? { ...inRegistry, store: variant.store } : inRegistry,
  );
  check.buggy = summary(buggy);
  check.real = summary(real);
  check.reproduces = buggy.result.violation?.invariant === variant.invariant;
  check.sameHash = buggy.result.traceHash === recorded.traceHash;
  check.realPasses = real.result.ok;
  if (!check.reproduces)
    check.problems.push(
      `recorded seed ${recorded.seed} of ${recorded.scenario} no longer fails with ${variant.invariant} under ${variant.id} (got ${check.buggy.status}${check.buggy.invariant ? ` ${check.buggy.invariant}` : ""}); replay: ${check.replay}; if the change is intended, run \`npx blobsim record ${variant.id}\` to find a new seed`,
    );
  else if (!check.sameHash)
    check.problems.push(
      `recorded seed ${recorded.seed} still fails but its trace hash changed: recorded ${recorded.traceHash}, now ${buggy.result.traceHash}; if the change is intended, run \`npx blobsim record ${variant.id}\``,
    );
  if (!check.realPasses)
    check.problems.push(
      `the real engine fails seed ${recorded.seed} of ${recorded.scenario} too (${real.result.violation?.invariant ?? real.result.status}: ${real.result.violation?.message ?? ""}); replay: ${replayCommand({ ...real.result, ...replayParts })}`,
    );
  // A checker is shown able to fail when the bug trips it and the real engine does not.
  if (check.reproduces && check.realPasses)
    check.proves = scenario.criteria.filter((id) => variant.proves?.includes(id) ?? true);
  const unjudged = (variant.proves ?? []).filter((id) => !scenario.criteria.includes(id));
  if (unjudged.length > 0)
    check.problems.push(
      `variant ${variant.id} claims to prove ${unjudged.join(", ")}, which ${recorded.scenario} does not declare`,
    );
  return {
    check,
    trace: { events: buggy.trace, evidence: buggy.violationEvents },
  };
}
