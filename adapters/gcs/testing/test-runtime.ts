/**
 * Runtime doubles for adapter tests: a clock whose sleeps return at once and are recorded (so
 * retry delays are asserted, never waited for), and a seeded Random (so they replay).
 */
import seedrandom from "seedrandom";
import type { Clock, Random } from "../../../engine/runtime.ts";

export class RecordingClock implements Clock {
  readonly sleptMs: number[] = [];
  private elapsedMs = 0;

  constructor(private readonly epochMs = 1_700_000_000_000) {}

  nowMs(): number {
    return this.epochMs + this.elapsedMs;
  }

  /** Advances time by hand (token expiry tests). */
  advance(ms: number): void {
    this.elapsedMs += ms;
  }

  async sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleptMs.push(ms);
    this.elapsedMs += ms;
  }
}

export function seededRandom(seed: string): Random {
  const prng = seedrandom.alea(seed);
  return { next: () => prng() };
}

/**
 * Request deadlines that pass when the test says so, not after wall time: every pending
 * `sleepMs` resolves on `fire()` (wired to the fake server's stall signal), so a stalled answer
 * times out at once and a slow machine never turns a healthy request into a timeout.
 */
export class TriggeredDeadlineClock implements Clock {
  private readonly waiting = new Set<() => void>();

  nowMs(): number {
    return 0;
  }

  sleepMs(_ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.waiting.add(resolve);
      signal?.addEventListener(
        "abort",
        () => {
          this.waiting.delete(resolve);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  fire(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const resolve of waiting) resolve();
  }
}
