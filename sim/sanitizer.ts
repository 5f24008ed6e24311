/**
 * The determinism sanitizer. While a simulated run is active (tracked per async context, so
 * vitest's or the CLI's own timers are unaffected), direct use of the wall clock, real timers or
 * real randomness fails the run with the offending stack. Third-party code that reads time only
 * for metadata (memfs file timestamps, for instance) can be allowed by stack pattern: it is then
 * served simulated time and seeded randomness, so it stays deterministic.
 *
 * Free when off: nothing is patched until `installSanitizer()` is called, and AsyncLocalStorage
 * is only entered for runs that ask for it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as nodeCrypto from "node:crypto";

export interface SanitizedRun {
  /** Simulated wall time (epoch ms) served to allowed callers. */
  nowMs(): number;
  /** Seeded randomness served to allowed callers. */
  random(): number;
  /** Called once per offending use, with the API name and stack. */
  onViolation(api: string, stack: string): void;
  /** Stack substrings of callers that are served simulated values instead of failing. */
  allow: readonly string[];
  /** false: virtualize only — allowed callers get simulated values, others real ones, no failure. */
  strict?: boolean;
}

export class DeterminismError extends Error {
  override name = "DeterminismError";
}

const storage = new AsyncLocalStorage<SanitizedRun>();
let installed = false;

/** PGlite (Postgres in wasm) stamps WAL records and files with the time: it gets simulated time. */
export const PGLITE_CALLER = "node_modules/@electric-sql/pglite/";

/** Third-party code that reads the clock for metadata only; served simulated time. */
export const DEFAULT_ALLOWED_CALLERS: readonly string[] = ["node_modules/memfs/", PGLITE_CALLER];

export function runSanitized<T>(run: SanitizedRun, body: () => Promise<T>): Promise<T> {
  installSanitizer();
  return storage.run(run, body);
}

/**
 * Serves simulated time and randomness to the allowed callers (PGlite) during `body` even when
 * the run is not sanitized, so their output (WAL timestamps, data files) depends on the seed only.
 * Inside a sanitized run the outer, strict run already does this and stays in charge.
 */
export function runVirtualized<T>(
  run: Omit<SanitizedRun, "strict" | "onViolation">,
  body: () => Promise<T>,
): Promise<T> {
  if (storage.getStore() !== undefined) return body();
  return runSanitized({ ...run, strict: false, onViolation: () => undefined }, body);
}

/** Returns the active run if the caller is inside one and not allowed; throws for offenders. */
function check(api: string): SanitizedRun | undefined {
  const run = storage.getStore();
  if (run === undefined) return undefined;
  const stack = new Error().stack ?? "";
  if (run.allow.some((pattern) => stack.includes(pattern))) return run;
  if (run.strict === false) return undefined;
  const trimmed = stack.split("\n").slice(3).join("\n");
  run.onViolation(api, trimmed);
  throw new DeterminismError(
    `${api} called inside a simulated run; use the injected clock/random:\n${trimmed}`,
  );
}

/** What an allowed caller's setTimeout returns inside a run: clearTimeout ignores it. */
const PARKED_TIMER = Object.freeze({ parked: true });

export function installSanitizer(): void {
  if (installed) return;
  installed = true;
  const RealDate = Date;
  const realNow = Date.now;
  const realRandom = Math.random;
  const realPerformanceNow = performance.now.bind(performance);

  Math.random = () => check("Math.random")?.random() ?? realRandom();

  class SanitizedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) {
        const run = check("new Date()");
        if (run) {
          super(run.nowMs());
          return;
        }
      }
      // biome-ignore lint/suspicious/noExplicitAny: forwarding Date's overloaded constructor
      super(...(args as [any]));
    }
    static override now(): number {
      return check("Date.now")?.nowMs() ?? realNow();
    }
  }
  globalThis.Date = SanitizedDate as DateConstructor;

  performance.now = () => {
    const run = check("performance.now");
    return run ? run.nowMs() : realPerformanceNow();
  };

  for (const name of ["setTimeout", "setInterval", "setImmediate"] as const) {
    const real = globalThis[name] as (...args: unknown[]) => unknown;
    // biome-ignore lint/suspicious/noExplicitAny: patched globals keep their signatures
    (globalThis as any)[name] = function sanitizedTimer(this: unknown, ...args: unknown[]) {
      // Allowed callers' alarms never fire during a run (PGlite arms a 10 s pgstat idle-flush
      // alarm through emscripten's setitimer): deterministic, as if wall time stood still.
      if (check(name)) {
        if (name === "setImmediate")
          throw new DeterminismError(`${name} is never allowed inside a simulated run`);
        return PARKED_TIMER;
      }
      return real.apply(this, args);
    };
  }

  const realRandomUUID = nodeCrypto.randomUUID;
  const realGetRandomValues = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  globalThis.crypto.randomUUID = () => {
    check("crypto.randomUUID");
    return realRandomUUID();
  };
  globalThis.crypto.getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
    const run = check("crypto.getRandomValues");
    if (run && array) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(run.random() * 256);
      return array;
    }
    return realGetRandomValues(array as never) as T;
  };
}
