/**
 * One simulated world per (scenario, seed): the root random stream, the scheduler, the trace,
 * the processes and the violations found. Components fork their random streams from the root by
 * name, and draw their swarm options (which faults are on, at what rates) through `draw`, which
 * records the draw (outside the trace hash) so a failing seed prints the fault mix it ran with.
 */

import type { StoreTransport } from "./blobstore/transport.ts";
import { DecisionLog, type DecisionPlan, type DecisionValue } from "./decisions.ts";
import { type ProcessOptions, SimProcess } from "./process.ts";
import { Rng } from "./rng.ts";
import { type RunBounds, type RunStop, Scheduler } from "./scheduler.ts";
import { Trace, type TraceEvent, type TraceFields, type TraceValue } from "./trace.ts";
import type { Violation } from "./violation.ts";

/** Simulated wall clocks start here (2026-01-01T00:00:00Z) so epoch-based code behaves. */
export const SIM_EPOCH_MS = 1_767_225_600_000;

export interface WorldOptions {
  seed: number;
  keepFullTrace?: boolean;
  /** Decisions to force (`replay --plan`, shrinking); none: every decision is drawn. */
  plan?: DecisionPlan;
  /**
   * BUGGIFY sites on (engine/buggify-sites.ts). Off: no site fires and nothing is drawn, so
   * runs are as they were before BUGGIFY existed (`run --buggify` turns it on).
   */
  buggify?: boolean;
}

/** Default liveness bounds for one `world.run()` call. */
export const DEFAULT_RUN_BOUNDS: Required<Pick<RunBounds, "maxEvents" | "maxSimMs">> = {
  maxEvents: 5_000_000,
  maxSimMs: 7 * 24 * 3600 * 1000,
};

export class World {
  readonly seed: number;
  readonly rng: Rng;
  readonly trace: Trace;
  readonly scheduler: Scheduler;
  readonly epochMs = SIM_EPOCH_MS;
  readonly violations: Violation[] = [];
  readonly swarm: Record<string, Record<string, TraceValue>> = {};
  /**
   * How processes reach every blob store of this world: absent, in-process; set by the harness
   * (before the scenario runs) to route the engine through the GCS adapter (`--store adapter`).
   */
  storeTransport: StoreTransport | undefined;
  /** Every fault decision taken (sim/decisions.ts); carried by the seed's result. */
  readonly decisions: DecisionLog;
  /** Hits per reach point (sim/reach.ts, engine/reach-points.ts); not in the trace hash. */
  readonly reached: Record<string, number> = {};
  readonly buggifyOn: boolean;
  private readonly buggifySites = new Map<string, { enabled: boolean; rng: Rng }>();
  private readonly processes = new Map<string, SimProcess>();

  constructor(options: WorldOptions) {
    this.seed = options.seed;
    this.rng = Rng.root(options.seed);
    this.trace = new Trace({ keepAll: options.keepFullTrace ?? false });
    this.scheduler = new Scheduler(this.trace);
    this.decisions = new DecisionLog(options.plan);
    this.buggifyOn = options.buggify ?? options.plan?.buggify ?? false;
  }

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  /** A new process with its own forked random stream. Names are unique within a world. */
  spawn(name: string, options: ProcessOptions = {}): SimProcess {
    if (this.processes.has(name)) throw new Error(`process ${name} already exists`);
    const process = new SimProcess(
      name,
      this.rng.fork(`proc:${name}`),
      this.scheduler,
      this.trace,
      this.epochMs,
      options,
    );
    this.processes.set(name, process);
    return process;
  }

  process(name: string): SimProcess {
    const process = this.processes.get(name);
    if (!process) throw new Error(`no process ${name}`);
    return process;
  }

  allProcesses(): SimProcess[] {
    return [...this.processes.values()];
  }

  /** Record a world-level event (not owned by one process). */
  log(owner: string, kind: string, fields?: TraceFields): TraceEvent {
    this.trace.record(this.scheduler.nowMs, owner, kind, fields);
    return this.trace.last()!;
  }

  /**
   * Draw a component's options from its own random stream and record them. The same component
   * name always gets the same stream, so adding a component does not change the others' draws.
   * The draw is stored in `swarm` and noted in the trace, outside its hash: the hash covers what
   * the options make happen, so an option that changes nothing changes no hash.
   */
  draw<T extends Record<string, TraceValue>>(component: string, drawOptions: (rng: Rng) => T): T {
    const options = this.decisions.decide(
      `swarm:${component}`,
      () => drawOptions(this.rng.fork(`swarm:${component}`)),
      undefined,
      this.scheduler.nowMs,
    );
    this.swarm[component] = options;
    this.trace.note(this.scheduler.nowMs, "world", "swarm", { component, ...options });
    return options;
  }

  /**
   * One fault decision, recorded in the decision log or forced by the plan (sim/decisions.ts).
   * `draw` is always called, so a forced decision does not shift later draws; `neutral` is the
   * no-fault value ("none", false) an "others: neutral" plan gives every decision it does not name.
   */
  decide<T extends DecisionValue>(site: string, draw: () => T, neutral: T, detail?: TraceFields): T {
    return this.decisions.decide(site, draw, neutral, this.scheduler.nowMs, detail);
  }

  /**
   * BUGGIFY (FoundationDB's rule): a site is enabled for the whole run with p = 0.25 at its first
   * visit, and an enabled site fires with p = 0.25 at each visit; both are decisions of the log,
   * drawn from the site's own stream so one site never shifts another's draws.
   */
  buggify(site: string): boolean {
    if (!this.buggifyOn) return false;
    let state = this.buggifySites.get(site);
    if (!state) {
      const rng = this.rng.fork(`buggify:${site}`);
      const enabled = this.decide(`buggify.enable:${site}`, () => rng.chance(0.25), false);
      state = { enabled, rng };
      this.buggifySites.set(site, state);
    }
    if (!state.enabled) return false;
    const rng = state.rng;
    const fired = this.decide(`buggify:${site}`, () => rng.chance(0.25), false);
    if (fired) this.reach(`buggify:${site}`);
    return fired;
  }

  /** A reach point was hit: counted for coverage, changes nothing that happens. */
  reach(name: string): void {
    this.reached[name] = (this.reached[name] ?? 0) + 1;
  }

  violate(invariant: string, message: string, events: TraceEvent[] = []): Violation {
    const event = this.log("world", "violation", { invariant, message });
    const violation: Violation = { invariant, message, atMs: this.nowMs, events: [...events, event] };
    this.violations.push(violation);
    return violation;
  }

  /** Run the event loop with the default liveness bounds unless others are given. */
  run(bounds: RunBounds = {}): Promise<RunStop> {
    return this.scheduler.run({ ...DEFAULT_RUN_BOUNDS, ...bounds });
  }
}
