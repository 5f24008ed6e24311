/**
 * Coverage-guided exploration (`blobsim explore`): instead of running seeds in order, keep a
 * corpus of decision logs (plans) whose runs reached coverage no earlier run reached, and spend
 * most runs mutating and splicing those plans (AFL's loop, over fault decisions rather than
 * bytes). A plan found in a few hundred runs this way can take uniform seeds thousands: two
 * faults on one request, a kill right after a rare fault, a fault that only matters once a
 * BUGGIFY stall has opened a window.
 *
 * Coverage of a run (its features): every reach point it hit (and the hit count's power of two),
 * every fault kind at every site, each kill point × the store outcome just before it (what the
 * engine was doing when it died), consecutive store outcomes on one key kind (the store-outcome
 * sequences), and the set of BUGGIFY sites that fired together.
 *
 * Mutations of a corpus entry's log: drop a fault, add one (the next request at a fault's site
 * fails too: two faults in one window), move one to a nearby request, splice in faults of
 * another entry, or keep the faults and change the seed of every undecided draw. A mutated plan
 * takes no other fault ("others: neutral") except after a reseed ("others: draw"). Each step's
 * choices come from (explore seed, step number) alone, so a resumed search continues as an
 * uninterrupted one would. Seeds run in this thread.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Decision, type DecisionPlan, decisionPlanSchema, isSwarmDecision } from "../sim/decisions.ts";
import { Rng } from "../sim/rng.ts";
import type { Registry } from "./registry.ts";
import type { SeedResult } from "./result.ts";
import { runSeed } from "./run-seed.ts";

export interface ExploreOptions {
  scenarios: readonly string[];
  budgetS: number;
  variant?: string | null;
  registry?: Registry;
  /** A folder holding the corpus; a search started on it resumes where it stopped. */
  corpusDir?: string;
  /** The search's own seed (which mutations it tries); default 0. */
  exploreSeed?: number;
  /** Stop after this many runs (tests); default unbounded (the wall budget decides). */
  maxRuns?: number;
  /** Each seed run's wall budget, by scenario. */
  seedTimeoutS?: (scenario: string) => number;
  buggify?: boolean;
  /** Told about each corpus addition and the failure, as they happen. */
  onEvent?: (event: ExploreEvent) => void;
}

export interface CorpusEntry {
  scenario: string;
  seed: number;
  /** Absent: the seed ran with every decision drawn. */
  plan?: DecisionPlan;
  /** How the entry was made: fresh, drop, add, move, splice, reseed. */
  via: string;
  /** The run's decisions (what a mutation starts from). */
  decisions: Decision[];
  /** The features this entry's run reached. */
  features: string[];
}

export type ExploreEvent =
  | { kind: "new"; run: number; entry: CorpusEntry; added: string[] }
  | { kind: "failure"; run: number; entry: CorpusEntry; result: SeedResult };

export interface ExploreOutcome {
  /** Runs in this search (a resumed search counts from where it started). */
  runs: number;
  /** Runs before this search, from the corpus folder. */
  runsBefore: number;
  corpusSize: number;
  features: number;
  /** Features first reached in this search. */
  newFeatures: number;
  failure: { entry: CorpusEntry; result: SeedResult; run: number } | null;
  wallS: number;
}

const wallNow = performance.now.bind(performance); // the harness measures its own wall time

/** What a run covered, as feature strings (see the file comment). */
export function featuresOf(
  result: Pick<SeedResult, "reach" | "decisions" | "status" | "violation">,
): string[] {
  const out = new Set<string>();
  for (const [name, hits] of Object.entries(result.reach ?? {})) {
    out.add(`reach:${name}`);
    out.add(`reach:${name}:2^${Math.floor(Math.log2(Math.max(1, hits)))}`);
  }
  const lastByKind = new Map<string, string>();
  let lastOutcome = "none";
  const fired: string[] = [];
  for (const decision of result.decisions) {
    if (isSwarmDecision(decision)) continue;
    const value = typeof decision.value === "object" ? "obj" : String(decision.value);
    if (decision.site.startsWith("buggify:")) fired.push(decision.site.slice("buggify:".length));
    if (decision.site.startsWith("buggify")) continue;
    out.add(`fault:${decision.site}=${value}`);
    if (decision.site.startsWith("killplan.")) {
      out.add(`kill:${String(decision.detail?.point ?? "?")}×after:${lastOutcome}`);
      continue;
    }
    if (decision.site.endsWith(".fault")) {
      const kind = `${String(decision.detail?.op ?? "?")}:${keyKind(String(decision.detail?.key ?? ""))}`;
      const before = lastByKind.get(kind);
      if (before !== undefined) out.add(`seq:${kind}:${before}>${value}`);
      lastByKind.set(kind, value);
      lastOutcome = `${kind}:${value}`;
    }
  }
  if (fired.length > 0) out.add(`buggify:{${[...new Set(fired)].sort().join(",")}}`);
  if (!(result.status === "pass")) out.add(`fail:${result.violation?.invariant ?? result.status}`);
  return [...out].sort();
}

/** A key with its numbers taken out (wal/000017 → wal/#): the kind of object a request is about. */
function keyKind(key: string): string {
  return key.replace(/[0-9]+/g, "#");
}

function faults(decisions: readonly Decision[]): Decision[] {
  return decisions.filter((decision) => !isSwarmDecision(decision));
}

/** One mutation of `parent` (with `donor` for a splice): the scenario, seed and plan to run. */
export function mutate(
  parent: CorpusEntry,
  donor: CorpusEntry | undefined,
  rng: Rng,
  freshSeed: () => number,
  variant: string | null,
  buggify: boolean,
): { seed: number; plan: DecisionPlan; via: string } {
  const swarm = parent.decisions.filter(isSwarmDecision);
  let list = faults(parent.decisions).map((decision) => ({ ...decision }));
  const plan = (decisions: Decision[], others: DecisionPlan["others"], seed = parent.seed) => ({
    version: 1 as const,
    scenario: parent.scenario,
    seed,
    variant,
    others,
    ...(buggify ? { buggify: true } : {}),
    decisions: [...swarm, ...decisions],
  });
  const pick = () => rng.int(0, list.length - 1);
  const roll = rng.next();
  if (roll < 0.2 || list.length === 0) {
    // Same faults, every other draw from a new seed (and its own faults on top).
    const seed = freshSeed();
    return { seed, plan: plan(list, "draw", seed), via: "reseed" };
  }
  if (roll < 0.35) {
    list.splice(pick(), 1);
    return { seed: parent.seed, plan: plan(list, "neutral"), via: "drop" };
  }
  if (roll < 0.65) {
    // The next request(s) at that site fail the same way: two faults in one window.
    const base = list[pick()]!;
    const index = base.index + rng.int(1, 3);
    if (!list.some((d) => d.site === base.site && d.index === index)) list.push({ ...base, index });
    return { seed: parent.seed, plan: plan(list, "neutral"), via: "add" };
  }
  if (roll < 0.8) {
    const i = pick();
    const moved = { ...list[i]!, index: Math.max(0, list[i]!.index + rng.int(-4, 4)) };
    list = list.filter((d, j) => j !== i && !(d.site === moved.site && d.index === moved.index));
    list.push(moved);
    return { seed: parent.seed, plan: plan(list, "neutral"), via: "move" };
  }
  // Splice: this entry's faults and a donor's (same scenario), one fault per (site, index).
  const extra = donor && donor !== parent ? faults(donor.decisions) : [];
  const taken = new Set(list.map((d) => `${d.site}#${d.index}`));
  for (const decision of extra)
    if (rng.chance(0.5) && !taken.has(`${decision.site}#${decision.index}`)) {
      list.push({ ...decision });
      taken.add(`${decision.site}#${decision.index}`);
    }
  return { seed: parent.seed, plan: plan(list, "neutral"), via: "splice" };
}

interface CorpusState {
  version: 1;
  runs: number;
  nextSeed: number;
}

export class ExploreCorpusError extends Error {
  override name = "ExploreCorpusError";
}

function loadCorpus(dir: string): { entries: CorpusEntry[]; state: CorpusState } {
  const state: CorpusState = { version: 1, runs: 0, nextSeed: 0 };
  const entries: CorpusEntry[] = [];
  if (!existsSync(dir)) return { entries, state };
  const statePath = join(dir, "state.json");
  if (existsSync(statePath)) {
    const parsed = JSON.parse(readFileSync(statePath, "utf8")) as Partial<CorpusState>;
    if (parsed.version !== 1 || typeof parsed.runs !== "number" || typeof parsed.nextSeed !== "number")
      throw new ExploreCorpusError(`${statePath}: not an explore corpus state`);
    Object.assign(state, parsed);
  }
  for (const name of readdirSync(dir)
    .filter((n) => n.startsWith("entry-") && n.endsWith(".json"))
    .sort()) {
    const entry = JSON.parse(readFileSync(join(dir, name), "utf8")) as CorpusEntry;
    if (typeof entry.scenario !== "string" || !Array.isArray(entry.features))
      throw new ExploreCorpusError(`${join(dir, name)}: not an explore corpus entry`);
    if (entry.plan) entry.plan = decisionPlanSchema.parse(entry.plan);
    entries.push(entry);
  }
  return { entries, state };
}

export async function explore(options: ExploreOptions): Promise<ExploreOutcome> {
  const started = wallNow();
  const deadline = started + options.budgetS * 1000;
  const variant = options.variant ?? null;
  const buggify = options.buggify ?? false;
  const dir = options.corpusDir;
  const { entries, state } = dir
    ? loadCorpus(dir)
    : { entries: [], state: { version: 1 as const, runs: 0, nextSeed: 0 } };
  if (dir) mkdirSync(dir, { recursive: true });
  const covered = new Set(entries.flatMap((entry) => entry.features));
  const coveredBefore = covered.size;
  const runsBefore = state.runs;
  const exploreSeed = options.exploreSeed ?? 0;
  const registryVariant = variant ? options.registry?.findVariant(variant) : undefined;
  const save = () => {
    if (dir) writeFileSync(join(dir, "state.json"), `${JSON.stringify(state)}\n`);
  };
  let failure: ExploreOutcome["failure"] = null;
  let runs = 0;
  while (wallNow() < deadline && (options.maxRuns === undefined || runs < options.maxRuns)) {
    const step = state.runs;
    const rng = new Rng(`explore:${exploreSeed}:${step}`);
    const freshSeed = () => state.nextSeed++;
    let scenario: string;
    let seed: number;
    let plan: DecisionPlan | undefined;
    let via = "fresh";
    // A quarter of the runs (and all until the corpus has something) are fresh seeds in order.
    const pool = entries.filter((entry) => options.scenarios.includes(entry.scenario));
    if (pool.length === 0 || rng.chance(0.25)) {
      scenario = options.scenarios[step % options.scenarios.length]!;
      seed = freshSeed();
    } else {
      // Later entries (newer coverage) are picked more often.
      const parent = pool[Math.floor(pool.length * Math.sqrt(rng.next()))]!;
      const donors = pool.filter((entry) => entry.scenario === parent.scenario);
      const donor = donors[rng.int(0, donors.length - 1)];
      scenario = parent.scenario;
      ({ seed, plan, via } = mutate(parent, donor, rng, freshSeed, variant, buggify));
    }
    state.runs++;
    runs++;
    const { result } = await runSeed(scenario, seed, {
      variant,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(plan ? { plan } : {}),
      ...(buggify ? { buggify: true } : {}),
      ...(options.seedTimeoutS ? { wallBudgetS: options.seedTimeoutS(scenario) } : {}),
    });
    const features = featuresOf(result);
    const added = features.filter((feature) => !covered.has(feature));
    const entry: CorpusEntry = {
      scenario,
      seed,
      ...(plan ? { plan } : {}),
      via,
      decisions: result.decisions,
      features,
    };
    const caught = registryVariant
      ? result.violation?.invariant === registryVariant.invariant
      : !result.ok && result.status !== "timeout";
    if (added.length > 0) {
      for (const feature of added) covered.add(feature);
      entries.push(entry);
      if (dir)
        writeFileSync(join(dir, `entry-${String(step).padStart(7, "0")}.json`), `${JSON.stringify(entry)}\n`);
      options.onEvent?.({ kind: "new", run: step, entry, added });
    }
    if (caught) {
      failure = { entry, result, run: runs };
      options.onEvent?.({ kind: "failure", run: step, entry, result });
      break;
    }
    if (runs % 10 === 0) save();
  }
  save();
  return {
    runs,
    runsBefore,
    corpusSize: entries.length,
    features: covered.size,
    newFeatures: covered.size - coveredBefore,
    failure,
    wallS: Number(((wallNow() - started) / 1000).toFixed(2)),
  };
}
