/**
 * The real-world implementations of engine/runtime.ts, for production and for the GCS probe.
 * This is the one place in engine/ allowed to touch the wall clock and real randomness.
 */
import { randomInt } from "node:crypto";
import type { Clock, Random } from "./runtime.ts";

export const realClock: Clock = {
  nowMs: () => Date.now(), // real world: allowed
  sleepMs: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(resolve, ms); // real world: allowed
      signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    }),
};

export const realRandom: Random = {
  // randomInt's range must stay under 2^48: [0, 2^48 - 1) scaled into [0, 1).
  next: () => randomInt(2 ** 48 - 1) / 2 ** 48, // real world: allowed
};
