/**
 * The heart of the simulation: a priority queue of events ordered by (simulated time, sequence
 * number). `run` fires one event, then lets every microtask that event caused settle, then fires
 * the next. Nothing else advances simulated time, so the same seed gives the same interleaving.
 *
 * A run ends when the queue is empty (quiescent), when `untilMs` is reached, or when a bound on
 * events or simulated time is hit; a bound hit is a LivenessError, never a hang. A crash (see
 * crash.ts) recorded while an event or its microtasks ran stops the run at the next event
 * boundary with a SimulationCrashError; a timer callback that throws is such a crash too.
 */
import { type Crash, describeThrown, SimulationCrashError } from "./crash.ts";
import type { Trace, TraceFields } from "./trace.ts";

// Captured at load, before any determinism sanitizer patches the global.
const realSetImmediate = globalThis.setImmediate;

/** Let every pending microtask (and everything it queues in turn) run. */
export function drainMicrotasks(): Promise<void> {
  return new Promise<void>((resolve) => realSetImmediate(resolve));
}

/** Whoever an event belongs to; a dead owner's events are dropped unfired and untraced. */
export interface EventOwner {
  readonly alive: boolean;
}

export interface ScheduledEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly owner: string;
  readonly kind: string;
  readonly fields: TraceFields | undefined;
  readonly fire: () => void;
  readonly ownedBy: EventOwner | undefined;
  cancelled: boolean;
}

export interface RunBounds {
  /** Stop (without error) once the next event lies beyond this simulated time. */
  untilMs?: number;
  /** Liveness bound: fail if the run is still busy past this simulated time. */
  maxSimMs?: number;
  /** Liveness bound: fail after this many events in this call. */
  maxEvents?: number;
}

export class LivenessError extends Error {
  override name = "LivenessError";
  constructor(
    message: string,
    readonly atMs: number,
    readonly events: number,
  ) {
    super(message);
  }
}

/** The harness's wall-time budget for the seed ran out while events kept firing. */
export class WallBudgetError extends Error {
  override name = "WallBudgetError";
}

export type RunStop = "quiescent" | "until";

/** How often (in events) the scheduler asks whether the seed's wall budget is spent. */
const BUDGET_CHECK_EVERY_EVENTS = 1024;

export class Scheduler {
  nowMs = 0;
  eventsFired = 0;
  private seq = 0;
  private readonly heap: ScheduledEvent[] = [];
  /** The first crash of this run; once set, no further event fires. */
  crashed: Crash | null = null;
  /**
   * Injected by the harness: true once the seed's wall budget is spent. Wall time never enters
   * the simulation otherwise; this only ends a run that is failing anyway.
   */
  overBudget: (() => boolean) | undefined;

  constructor(private readonly trace: Trace) {}

  /** Schedule `fire` at an absolute simulated time (never in the past). */
  at(
    atMs: number,
    owner: string,
    kind: string,
    fire: () => void,
    fields?: TraceFields,
    ownedBy?: EventOwner,
  ): ScheduledEvent {
    if (!(atMs >= this.nowMs)) throw new RangeError(`cannot schedule at ${atMs}, now is ${this.nowMs}`);
    const event: ScheduledEvent = {
      atMs,
      seq: this.seq++,
      owner,
      kind,
      fields,
      fire,
      ownedBy,
      cancelled: false,
    };
    this.push(event);
    return event;
  }

  after(
    delayMs: number,
    owner: string,
    kind: string,
    fire: () => void,
    fields?: TraceFields,
    ownedBy?: EventOwner,
  ): ScheduledEvent {
    if (!(delayMs >= 0)) throw new RangeError(`negative or NaN delay ${delayMs}`);
    return this.at(this.nowMs + delayMs, owner, kind, fire, fields, ownedBy);
  }

  get pending(): number {
    return this.heap.length;
  }

  private readonly holds = new Set<Promise<unknown>>();

  /**
   * Real asynchronous work that must not take simulated time (PGlite's wasm start-up): no event
   * fires until it settles, so the run sees it as instantaneous whatever its wall time.
   */
  hold<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.holds.add(settled);
    void settled.then(() => this.holds.delete(settled));
    return work;
  }

  private async settleHolds(): Promise<void> {
    while (this.holds.size > 0) {
      await Promise.all(this.holds);
      await drainMicrotasks();
    }
  }

  /** Record an exception that escaped simulated code; the run stops at the next event boundary. */
  crash(where: string, thrown: unknown): Crash {
    if (this.crashed) return this.crashed;
    this.crashed = { where, atMs: this.nowMs, ...describeThrown(thrown) };
    this.trace.record(this.nowMs, "world", "crash", {
      where,
      error: `${this.crashed.name}: ${this.crashed.message}`,
    });
    return this.crashed;
  }

  private stopIfCrashed(): void {
    if (this.crashed) throw new SimulationCrashError(this.crashed);
  }

  async run(bounds: RunBounds = {}): Promise<RunStop> {
    const maxEvents = bounds.maxEvents ?? Number.POSITIVE_INFINITY;
    const maxSimMs = bounds.maxSimMs ?? Number.POSITIVE_INFINITY;
    const untilMs = bounds.untilMs ?? Number.POSITIVE_INFINITY;
    let firedHere = 0;
    // Settle whatever the caller started before the first event.
    await drainMicrotasks();
    await this.settleHolds();
    this.stopIfCrashed();
    for (;;) {
      const next = this.peekLive();
      if (next === undefined) return "quiescent";
      if (next.atMs > untilMs) {
        this.nowMs = Math.max(this.nowMs, untilMs);
        return "until";
      }
      if (next.atMs > maxSimMs) {
        throw new LivenessError(
          `still busy at the simulated-time bound ${maxSimMs} ms`,
          this.nowMs,
          firedHere,
        );
      }
      if (firedHere >= maxEvents) {
        throw new LivenessError(`still busy after the event bound ${maxEvents}`, this.nowMs, firedHere);
      }
      if (this.overBudget && firedHere % BUDGET_CHECK_EVERY_EVENTS === 0 && this.overBudget()) {
        throw new WallBudgetError(
          `still busy at ${this.nowMs} ms (${firedHere} events) when the wall budget ran out`,
        );
      }
      this.pop();
      this.nowMs = next.atMs;
      this.eventsFired++;
      firedHere++;
      this.trace.record(next.atMs, next.owner, next.kind, next.fields);
      try {
        next.fire();
      } catch (thrown) {
        this.crash(`timer ${next.owner}/${next.kind}`, thrown);
      }
      await drainMicrotasks();
      // Checked here, not inside settleHolds: an async call per event costs promise turns the
      // floor does not pay, and almost no event holds anything.
      if (this.holds.size > 0) await this.settleHolds();
      if (this.crashed) this.stopIfCrashed();
    }
  }

  private peekLive(): ScheduledEvent | undefined {
    for (;;) {
      const head = this.heap[0];
      if (head === undefined || !(head.cancelled || (head.ownedBy !== undefined && !head.ownedBy.alive)))
        return head;
      this.pop();
    }
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(event, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = event;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let index = 0;
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
