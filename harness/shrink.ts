/**
 * Shrinking a failing seed: delta debugging (Zeller's ddmin) over its decision log. The seed's
 * faults (every non-swarm decision it took, sim/decisions.ts) are cut down to a subset that still
 * fails with the same outcome and invariant, under a plan whose other decisions take no fault
 * ("others: neutral"); the swarm draws stay forced, so the seed runs with the same fault mix,
 * workload and configuration. Each test is one seed run in this thread.
 *
 * The result is 1-minimal when ddmin finished within its budget: dropping any one remaining
 * fault makes the failure go away. Past the budget the smallest failing plan found so far is
 * returned, marked not minimal. Decision indexes are per site, so dropping a fault can make a
 * later fault land on another request; the plan is judged only by what its run does, and the
 * plan written is the one whose run is shown (the decisions that run actually took).
 */
import { performance } from "node:perf_hooks";
import { type Decision, type DecisionPlan, describeDecision, isSwarmDecision } from "../sim/decisions.ts";
import type { Registry, RegistryScenario } from "./registry.ts";
import type { SeedResult } from "./result.ts";
import { runSeed } from "./run-seed.ts";

export interface ShrinkOptions {
  variant?: string | null;
  registry?: Registry;
  /** Wall seconds for the whole shrink; past it the best plan so far is returned. */
  budgetS?: number;
  /** The failure was found with BUGGIFY on: shrink (and write the plan) with it on. */
  buggify?: boolean;
  /** The failing run was a plan's (explore finds failures that way); shrink from its run. */
  plan?: DecisionPlan;
}

export interface ShrinkResult {
  scenario: string;
  seed: number;
  variant: string | null;
  /** The failure kept while shrinking: the original run's outcome and invariant. */
  target: { status: SeedResult["status"]; invariant: string };
  /** Faults (non-swarm decisions) the original run took. */
  faultsAtStart: number;
  /** The shrunk plan, swarm draws and the remaining faults, as `replay --plan` reads it. */
  plan: DecisionPlan;
  /** The run of the shrunk plan (its decisions are the plan's). */
  result: SeedResult;
  /** Seed runs spent, the original included. */
  runs: number;
  wallMs: number;
  /** ddmin ran to the end: no single remaining fault can be dropped. */
  minimal: boolean;
}

export class ShrinkError extends Error {
  override name = "ShrinkError";
}

const wallNow = performance.now.bind(performance); // the harness measures its own wall time

/** Faults of a decision log: what a shrink may drop. */
export function faultsOf<D extends Pick<Decision, "site">>(decisions: readonly D[]): D[] {
  return decisions.filter((decision) => !isSwarmDecision(decision));
}

export function neutralPlan(
  scenario: string,
  seed: number,
  variant: string | null,
  decisions: readonly Decision[],
): DecisionPlan {
  return { version: 1, scenario, seed, variant, others: "neutral", decisions: [...decisions] };
}

export async function shrinkSeed<S>(
  scenarioOrId: string | RegistryScenario<S>,
  seed: number,
  options: ShrinkOptions = {},
): Promise<ShrinkResult> {
  const started = wallNow();
  const deadlineMs = started + (options.budgetS ?? 60) * 1000;
  const variant = options.variant ?? null;
  const base = {
    variant,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.buggify ? { buggify: true } : {}),
  };
  const planOf = (decisions: readonly Decision[]): DecisionPlan => ({
    ...neutralPlan(scenario, seed, variant, decisions),
    ...(options.buggify ? { buggify: true } : {}),
  });
  let runs = 1;
  const original = (
    await runSeed(scenarioOrId, seed, { ...base, ...(options.plan ? { plan: options.plan } : {}) })
  ).result;
  if (original.ok) throw new ShrinkError(`${original.scenario} seed ${seed} passes: nothing to shrink`);
  const scenario = original.scenario;
  const target = { status: original.status, invariant: original.violation?.invariant ?? original.status };
  const swarm = original.decisions.filter(isSwarmDecision);
  const start = faultsOf(original.decisions);

  // One run per distinct subset; a subset is named by its decisions' positions in `start`.
  const tried = new Map<string, SeedResult | null>();
  let outOfTime = false;
  const fails = async (subset: readonly number[]): Promise<boolean> => {
    const key = subset.join(",");
    if (tried.has(key)) return tried.get(key) !== null;
    if (wallNow() > deadlineMs) {
      outOfTime = true;
      return false;
    }
    runs++;
    const plan = planOf([...swarm, ...subset.map((i) => start[i]!)]);
    const { result } = await runSeed(scenarioOrId, seed, { ...base, plan });
    const same =
      !result.ok &&
      result.status === target.status &&
      (result.violation?.invariant ?? result.status) === target.invariant;
    tried.set(key, same ? result : null);
    return same;
  };

  let current = start.map((_, i) => i);
  let minimal = false;
  // Forcing the original's own faults reruns it event for event; should it not fail the same
  // way (a draw outside the log reacting to them), the original run is all there is.
  let result = original;
  if (!(await fails(current))) {
    current = [];
  } else if (await fails([])) {
    current = [];
    minimal = true;
  } else {
    current = await ddmin(current, fails);
    minimal = !outOfTime;
  }
  // `current` always names a subset whose run failed the same way (or none reproduced).
  result = tried.get(current.join(",")) ?? original;
  const plan =
    result === original
      ? { ...planOf(original.decisions), others: options.plan?.others ?? ("draw" as const) }
      : planOf([...swarm, ...faultsOf(result.decisions)]);
  return {
    scenario,
    seed,
    variant,
    target,
    faultsAtStart: start.length,
    plan,
    result,
    runs,
    wallMs: Math.round(wallNow() - started),
    minimal: minimal && result !== original,
  };
}

/**
 * Zeller's ddmin: the smallest subset of `items` for which `fails` holds, 1-minimal (removing
 * any one item makes it pass) when `fails` is deterministic and never gives up.
 */
export async function ddmin(
  items: readonly number[],
  fails: (subset: readonly number[]) => Promise<boolean>,
): Promise<number[]> {
  let current = [...items];
  let granularity = 2;
  while (current.length >= 2) {
    const chunks = split(current, granularity);
    let reduced = false;
    for (const chunk of chunks) {
      if (await fails(chunk)) {
        current = chunk;
        granularity = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      for (const chunk of chunks) {
        const complement = current.filter((item) => !chunk.includes(item));
        if (await fails(complement)) {
          current = complement;
          granularity = Math.max(granularity - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (granularity >= current.length) break;
      granularity = Math.min(granularity * 2, current.length);
    }
  }
  return current;
}

function split<T>(items: readonly T[], parts: number): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const end = start + Math.ceil((items.length - start) / (parts - i));
    if (end > start) chunks.push(items.slice(start, end));
    start = end;
  }
  return chunks;
}

/**
 * A shrunk plan as text for a failure message (seedTests): the summary, what each remaining
 * fault does, the plan as one JSON line and the command that replays it once saved.
 */
export function shrunkPlanLines(shrunk: ShrinkResult, planPath = "plan.json"): string[] {
  const left = faultsOf(shrunk.plan.decisions);
  const variant = shrunk.variant ? ` --variant ${shrunk.variant}` : "";
  return [
    `shrunk plan: ${shrunk.faultsAtStart} -> ${left.length} faults, ${shrunk.minimal ? "1-minimal" : "not minimal"} (${shrunk.runs} runs, ${shrunk.wallMs} ms), same invariant ${shrunk.target.invariant}`,
    ...left.map(
      (decision) => `  fault ${decision.site}#${decision.index}: ${describeDecision(decision as Decision)}`,
    ),
    `  plan (save as ${planPath}): ${JSON.stringify(shrunk.plan)}`,
    `  replay it: npx blobsim replay ${shrunk.scenario} --seed ${shrunk.seed}${variant} --plan ${planPath}`,
  ];
}
