/**
 * Virtual processes: code that was never written for simulation (it sleeps with setTimeout,
 * paces with setInterval, reads Date and performance.now, draws crypto.getRandomValues) runs
 * unchanged inside a SimProcess. Within `virtualize(process, …)` — and in every callback and
 * continuation it starts, since the mode follows the async context — those globals are served by
 * the scheduler and the process's own seeded stream: timers are the process's scheduler events
 * (traced as `timer.setTimeout`…, dropped when it dies, held while it is paused, cancelable by
 * clearTimeout/clearInterval), the clock is the process's clock (with its skew). Outside, the
 * sanitizer stays the guard for everything else.
 */
import type { SimProcess } from "./process.ts";
import { runWithVirtualTimers, type VirtualTimers } from "./sanitizer.ts";

const streams = new WeakMap<SimProcess, () => number>();

function randomOf(process: SimProcess): () => number {
  let random = streams.get(process);
  if (!random) {
    const rng = process.rng.fork("virtual-process");
    random = () => rng.next();
    streams.set(process, random);
  }
  return random;
}

/** The process's scheduler as a home for real-looking timers. */
export function virtualTimersOf(process: SimProcess): VirtualTimers {
  return { arm: (kind, delayMs, fire) => process.setTimer(delayMs, `timer.${kind}`, fire) };
}

/** Runs `body` (sync or async) in `process` with time, timers and randomness virtualized. */
export function virtualize<T>(process: SimProcess, body: () => T): T {
  return runWithVirtualTimers(
    { nowMs: () => process.clock.nowMs(), random: randomOf(process), timers: virtualTimersOf(process) },
    body,
  );
}

/**
 * `target` with every method call run through virtualize: an object built by foreign code (a
 * writer with a heartbeat loop) whose callers are outside the virtual mode.
 */
export function virtualized<T extends object>(process: SimProcess, target: T): T {
  return new Proxy(target, {
    get(object, key) {
      const value = virtualize(process, () => Reflect.get(object, key, object) as unknown);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        virtualize(process, () => (value as (...a: unknown[]) => unknown).apply(object, args));
    },
  });
}
