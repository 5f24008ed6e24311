/**
 * The run's trace: every event, compactly, in the order it happened. Its hash is the run's
 * fingerprint of behaviour (same seed, same hash); notes (the swarm draw) are kept but not hashed. The full event list is kept only when asked for (replay,
 * report); otherwise a ring buffer keeps the most recent events so a violation can cite them.
 */
import { TraceHasher } from "./hash.ts";

export type TraceValue = string | number | boolean | null;
export type TraceFields = Record<string, TraceValue>;

export interface TraceEvent {
  /** Simulated time, ms since the start of the run. */
  t: number;
  /** The process (or component) the event belongs to. */
  p: string;
  /** What happened, `component.verb` style: `timer`, `store.put`, `proc.kill`. */
  k: string;
  f?: TraceFields;
}

const RECENT_EVENTS_MAX = 512;

export class Trace {
  private readonly hasher = new TraceHasher();
  private readonly all: TraceEvent[] | null;
  // The recent-events ring as parallel arrays: no object per event on the hot path.
  private readonly recentT: number[] = [];
  private readonly recentP: string[] = [];
  private readonly recentK: string[] = [];
  private readonly recentF: Array<TraceFields | undefined> = [];
  private recentNext = 0;
  count = 0;

  constructor(options: { keepAll?: boolean } = {}) {
    this.all = options.keepAll ? [] : null;
  }

  /** Record a behaviour event: it is kept and it enters the hash. */
  record(t: number, p: string, k: string, f?: TraceFields): void {
    this.hasher.updateNumber(t);
    this.hasher.update(p);
    this.hasher.update(k);
    if (f !== undefined) this.hasher.updateFields(f);
    this.keep(t, p, k, f);
  }

  /**
   * Record a description of the run that is not behaviour (the swarm's option draw): it is kept
   * for the reader but stays out of the hash, so an option no component acts on changes no hash.
   * Whatever the options do change is itself recorded as behaviour.
   */
  note(t: number, p: string, k: string, f?: TraceFields): void {
    this.keep(t, p, k, f);
  }

  private keep(t: number, p: string, k: string, f?: TraceFields): void {
    this.count++;
    if (this.all) this.all.push(f === undefined ? { t, p, k } : { t, p, k, f });
    const slot = this.recentNext;
    this.recentT[slot] = t;
    this.recentP[slot] = p;
    this.recentK[slot] = k;
    this.recentF[slot] = f;
    this.recentNext = slot + 1 === RECENT_EVENTS_MAX ? 0 : slot + 1;
  }

  /** The most recently recorded event. */
  last(): TraceEvent | undefined {
    if (this.count === 0) return undefined;
    return this.recentAt((this.recentNext + RECENT_EVENTS_MAX - 1) % RECENT_EVENTS_MAX);
  }

  hash(): string {
    return this.hasher.digest();
  }

  /** All events if kept, else the most recent ones, oldest first. */
  events(): TraceEvent[] {
    if (this.all) return this.all;
    const size = this.recentT.length;
    const start = size < RECENT_EVENTS_MAX ? 0 : this.recentNext;
    return Array.from({ length: size }, (_, i) => this.recentAt((start + i) % RECENT_EVENTS_MAX));
  }

  private recentAt(slot: number): TraceEvent {
    const f = this.recentF[slot];
    const event: TraceEvent = { t: this.recentT[slot]!, p: this.recentP[slot]!, k: this.recentK[slot]! };
    if (f !== undefined) event.f = f;
    return event;
  }

  get complete(): boolean {
    return this.all !== null;
  }

  toJsonl(): string {
    return this.events()
      .map((event) => JSON.stringify(event))
      .join("\n")
      .concat("\n");
  }
}
