/**
 * A seeded plan of where processes die. Two kinds of kill point:
 *
 * 1. Store-boundary points, for any engine (even one that names no points of its own): before
 *    or after a store operation, matched by operation and key pattern. "before" kills the
 *    caller as it is about to issue the request, which is then never sent; "after" kills it
 *    as the answer arrives, so the request applied (if it did) but the caller never hears back.
 *    They are named `store.before-<op>` / `store.after-<op>` (STORE_KILL_POINTS).
 * 2. Named engine points (`commit.after-segment-put`, ...): the engine calls
 *    `faults.hit(name)`; `killPlan.faultsFor(process)` is that process's FaultPoints. On the
 *    planned visit it kills the process and never returns.
 *
 * A rule fires on its k-th matching visit (counted over every process unless the rule names
 * one). On top of the pinned rules, random kills per the swarm draw: each visit of a point may
 * kill with a small probability, up to a bound per run. Every visit is counted, so a scenario
 * (or a test over several seeds) can demand that each named point was reached.
 */
import type { FaultPointInfo } from "../engine/fault-points.ts";
import type { FaultPoints } from "../engine/runtime.ts";
import type { SimBlobStore, StoreBoundaryHook, StoreOp, StoreOutcome } from "./blob-store.ts";
import type { SimProcess } from "./process.ts";
import type { Rng } from "./rng.ts";
import type { World } from "./world.ts";

const STORE_OPS: readonly StoreOp[] = ["get", "head", "put", "list", "delete"];

/** Every store-boundary kill point, for `blobsim list`. */
export const STORE_KILL_POINTS: readonly FaultPointInfo[] = STORE_OPS.flatMap((op) => [
  {
    name: `store.before-${op}`,
    description: `the caller dies about to issue a ${op} (the request is never sent); match by key pattern`,
  },
  {
    name: `store.after-${op}`,
    description: `the caller dies as the answer to a ${op} arrives (applied, never heard back); match by key pattern`,
  },
]);

/** A glob over keys and process names: `*` any run of characters, `?` one character. */
export type NamePattern = string | RegExp;

export interface StoreKillRule {
  kind: "store";
  when: "before" | "after";
  /** The operation, or "*" for any. */
  op: StoreOp | "*";
  /** The key (for list, the prefix) to match; default any. */
  key?: NamePattern;
  /** The k-th matching visit kills (1-based). */
  visit: number;
  /** Only visits by processes whose name matches; default any. */
  process?: NamePattern;
}

export interface PointKillRule {
  kind: "point";
  /** The named engine fault point. */
  point: string;
  /** The k-th matching visit kills (1-based). */
  visit: number;
  process?: NamePattern;
}

export type KillRule = StoreKillRule | PointKillRule;

export interface KillPlanOptions {
  /** Pinned kills. */
  rules: readonly KillRule[];
  /** Chance that any one visit of a named engine point kills its caller. */
  randomPointKillProbability: number;
  /** Chance that any one store request kills its caller (before or after, evenly). */
  randomStoreKillProbability: number;
  /** Random kills stop after this many in one run (pinned rules are not counted). */
  randomKillsMax: number;
  /** Random kills only hit processes whose name matches; default any. */
  randomKillProcess?: NamePattern;
}

export interface KillRecord {
  atMs: number;
  process: string;
  /** The point's name (`store.after-put` for a boundary point). */
  point: string;
  /** For a boundary point: the key or prefix of the request. */
  key?: string;
  /** The rule that fired, or "random". */
  cause: "rule" | "random";
  /** The visit number of the point (over every process) at which it fired. */
  visit: number;
}

/** Pin "kill at named point X on its k-th visit". */
export function killAtPoint(point: string, visit = 1, process?: NamePattern): PointKillRule {
  assertVisit(visit);
  return process === undefined ? { kind: "point", point, visit } : { kind: "point", point, visit, process };
}

/** Pin "kill before/after the k-th `op` on a key matching `key`". */
export function killAtStore(
  when: "before" | "after",
  op: StoreOp | "*",
  key: NamePattern = "*",
  visit = 1,
  process?: NamePattern,
): StoreKillRule {
  assertVisit(visit);
  const rule: StoreKillRule = { kind: "store", when, op, key, visit };
  if (process !== undefined) rule.process = process;
  return rule;
}

/** The swarm's random kills for this seed, recorded in the trace. Off for about a third. */
export function drawKillPlanOptions(world: World, rules: readonly KillRule[] = []): KillPlanOptions {
  const drawn = world.draw("killplan", (rng: Rng) => {
    const on = rng.chance(0.66);
    return {
      randomPointKillProbability: on ? rng.pick([0.01, 0.05, 0.2]) : 0,
      randomStoreKillProbability: on ? rng.pick([0, 0.005, 0.02]) : 0,
      randomKillsMax: rng.pick([1, 3, 10]),
    };
  });
  return { rules, ...drawn };
}

export class KillPlan {
  readonly kills: KillRecord[] = [];
  private readonly pointVisits = new Map<string, number>();
  private readonly ruleMatches: number[];
  private readonly rng: Rng;
  private randomKills = 0;
  private readonly faults = new Map<SimProcess, FaultPoints>();
  readonly options: KillPlanOptions;

  constructor(
    private readonly world: World,
    options: Partial<KillPlanOptions> = {},
  ) {
    this.options = {
      rules: options.rules ?? [],
      randomPointKillProbability: options.randomPointKillProbability ?? 0,
      randomStoreKillProbability: options.randomStoreKillProbability ?? 0,
      randomKillsMax: options.randomKillsMax ?? 0,
      ...(options.randomKillProcess !== undefined ? { randomKillProcess: options.randomKillProcess } : {}),
    };
    for (const rule of this.options.rules) assertVisit(rule.visit);
    this.ruleMatches = this.options.rules.map(() => 0);
    this.rng = world.rng.fork("killplan");
  }

  /** Every named point and boundary point visited so far, with its visit count. */
  get visits(): ReadonlyMap<string, number> {
    return this.pointVisits;
  }

  /** Named points from `points` never visited in this run. */
  unvisited(points: readonly string[]): string[] {
    return points.filter((point) => !this.pointVisits.has(point));
  }

  /** Visits and kills per point as scenario metrics (`killpoint.<name>.visits`). */
  coverageMetrics(points: readonly string[]): Record<string, number> {
    const metrics: Record<string, number> = { kills: this.kills.length };
    for (const point of points) metrics[`killpoint.${point}.visits`] = this.pointVisits.get(point) ?? 0;
    return metrics;
  }

  /** Watch a store's boundary: its requests become visits of `store.before/after-<op>`. */
  watch(store: SimBlobStore): this {
    const hook: StoreBoundaryHook = {
      beforeRequest: (process, op, key) => this.storeVisit(process, "before", op, key),
      afterAnswer: (process, op, key, outcome) => this.storeVisit(process, "after", op, key, outcome),
    };
    store.addBoundaryHook(hook);
    return this;
  }

  /** The FaultPoints to hand `process`'s engine code. */
  faultsFor(process: SimProcess): FaultPoints {
    let faults = this.faults.get(process);
    if (!faults) {
      faults = {
        hit: (point: string) => {
          if (!process.alive) return never();
          this.pointVisit(process, point);
          // The kill stops the caller right here: it never returns from this point.
          return process.alive ? undefined : never();
        },
        reach: (name: string) => this.world.reach(name),
        buggify: (site: string) => this.world.buggify(site),
      };
      this.faults.set(process, faults);
    }
    return faults;
  }

  private pointVisit(process: SimProcess, point: string): void {
    const visit = this.countVisit(point);
    this.options.rules.forEach((rule, index) => {
      if (!process.alive || rule.kind !== "point" || rule.point !== point) return;
      if (rule.process !== undefined && !matches(rule.process, process.name)) return;
      this.ruleMatches[index] = (this.ruleMatches[index] ?? 0) + 1;
      if (this.ruleMatches[index] === rule.visit) this.kill(process, point, undefined, "rule", visit);
    });
    if (process.alive && this.randomHit(process, this.options.randomPointKillProbability, "point", point))
      this.kill(process, point, undefined, "random", visit);
  }

  private storeVisit(
    process: SimProcess,
    when: "before" | "after",
    op: StoreOp,
    key: string,
    _outcome?: StoreOutcome,
  ): void {
    if (!process.alive) return;
    const point = `store.${when}-${op}`;
    const visit = this.countVisit(point);
    this.options.rules.forEach((rule, index) => {
      if (!process.alive || rule.kind !== "store" || rule.when !== when) return;
      if (rule.op !== "*" && rule.op !== op) return;
      if (rule.key !== undefined && !matches(rule.key, key)) return;
      if (rule.process !== undefined && !matches(rule.process, process.name)) return;
      this.ruleMatches[index] = (this.ruleMatches[index] ?? 0) + 1;
      if (this.ruleMatches[index] === rule.visit) this.kill(process, point, key, "rule", visit);
    });
    // Half the random store kill chance before the request, half after its answer.
    if (
      process.alive &&
      this.randomHit(process, this.options.randomStoreKillProbability / 2, "store", point, key)
    )
      this.kill(process, point, key, "random", visit);
  }

  private countVisit(point: string): number {
    const visit = (this.pointVisits.get(point) ?? 0) + 1;
    this.pointVisits.set(point, visit);
    return visit;
  }

  private randomHit(
    process: SimProcess,
    probability: number,
    kind: "point" | "store",
    point: string,
    key?: string,
  ): boolean {
    if (probability <= 0 || this.randomKills >= this.options.randomKillsMax) return false;
    if (
      this.options.randomKillProcess !== undefined &&
      !matches(this.options.randomKillProcess, process.name)
    )
      return false;
    // Drawn only when a random kill is possible at all, so pinned-only plans draw nothing.
    // A decision of the world's log (sim/decisions.ts), so a plan can force or drop it.
    const detail = { process: process.name, point, ...(key !== undefined ? { key } : {}) };
    if (!this.world.decide(`killplan.random-${kind}`, () => this.rng.chance(probability), false, detail))
      return false;
    this.randomKills++;
    return true;
  }

  private kill(
    process: SimProcess,
    point: string,
    key: string | undefined,
    cause: "rule" | "random",
    visit: number,
  ): void {
    const record: KillRecord = { atMs: this.world.nowMs, process: process.name, point, cause, visit };
    if (key !== undefined) record.key = key;
    this.kills.push(record);
    process.log("killplan.kill", { point, key: key ?? null, cause, visit });
    if (point === "commit.after-segment-put" || point === "commit.before-manifest-cas")
      this.world.reach("kill.between-data-put-and-cas");
    if (point === "commit.after-cas-before-ack") this.world.reach("kill.after-cas-before-ack");
    process.kill(`kill point ${point}${key === undefined ? "" : ` ${key}`} (${cause}, visit ${visit})`);
  }
}

/** Named points from `points` that no run in `runs` visited: demand coverage across seeds. */
export function unvisitedAcross(
  points: readonly string[],
  runs: ReadonlyArray<ReadonlyMap<string, number>>,
): string[] {
  return points.filter((point) => !runs.some((visits) => (visits.get(point) ?? 0) > 0));
}

function never(): Promise<void> {
  return new Promise<void>(() => undefined);
}

function assertVisit(visit: number): void {
  if (!Number.isSafeInteger(visit) || visit < 1)
    throw new RangeError(`kill visit must be an integer >= 1, got ${visit}`);
}

const globCache = new Map<string, RegExp>();

export function matches(pattern: NamePattern, name: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(name);
  let regex = globCache.get(pattern);
  if (!regex) {
    const source = pattern
      .split("")
      .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${source}$`, "s");
    globCache.set(pattern, regex);
  }
  return regex.test(name);
}
