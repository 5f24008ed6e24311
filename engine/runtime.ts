/**
 * The only doors through which engine code reaches the outside world: time, randomness and
 * named fault points. Production wires the real implementations (runtime-real.ts); the
 * simulation wires seeded, simulated ones. Storage has its own door (engine/blobstore).
 */

/** Wall or simulated time, and waiting on it. */
export interface Clock {
  /** Milliseconds since the Unix epoch (simulated time starts at a fixed epoch). */
  nowMs(): number;
  /** Resolves after `ms`. Rejects with the signal's reason if aborted first. */
  sleepMs(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A source of uniform randomness in [0, 1). */
export interface Random {
  next(): number;
}

/**
 * Named places in engine code where a crash is interesting (`commit.after-segment-put`, ...).
 * Production passes `noFaults`; the simulation may kill the calling process there.
 * `hit` is awaited so that a simulated kill can stop the caller at exactly this point.
 */
export interface FaultPoints {
  hit(point: string): Promise<void> | void;
  /**
   * A rare state worth reaching was reached (engine/reach-points.ts names them): the simulation
   * counts the hits so a run can say which rare states it explored; production does nothing.
   */
  reach?(name: string): void;
  /**
   * BUGGIFY (FoundationDB): may this site be unlucky now (engine/buggify-sites.ts)? The
   * simulation enables each site per run and fires it sometimes; production never does.
   */
  buggify?(site: string): boolean;
}

export const noFaults: FaultPoints = { hit: () => undefined };

/** Whether a BUGGIFY site fires here (always false unless the faults given decide it). */
export function buggify(faults: FaultPoints, site: string): boolean {
  return faults.buggify?.(site) ?? false;
}

/** How long a fired BUGGIFY delay site waits: long enough to let a racer or a timer in. */
export const BUGGIFY_DELAY_MS = 400;

/** Marks a reach point (a no-op unless the faults given count them). */
export function reach(faults: FaultPoints, name: string): void {
  faults.reach?.(name);
}

/** Structured log line from engine code; the simulation records these in the trace. */
export interface Logger {
  log(kind: string, fields?: Record<string, string | number | boolean | null>): void;
}

export const silentLogger: Logger = { log: () => undefined };

/** Assert an engine invariant. Engine invariants failing is a bug in the engine, never input. */
export class EngineAssertionError extends Error {
  override name = "EngineAssertionError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new EngineAssertionError(message);
}
